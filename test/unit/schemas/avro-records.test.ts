// The Avro side of the contract: the registry of record schemas, the .avsc files' docs and
// defaults, and the records an accepted upload becomes (with every field of the schema).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  fromAvroArtifact,
  fromAvroResult,
  recordSchemas,
  recordType,
  screenshotObjectKey,
  synthArtifactSchema,
  toAvroResult,
  transactionResultSchema,
  validateTransactionResult,
} from '../../../schemas/index.ts';
import { exampleJson } from './example-files.ts';

interface AvscField {
  name: string;
  type: unknown;
  doc?: string;
  default?: unknown;
}
interface AvscRecord {
  type: 'record';
  name: string;
  doc?: string;
  fields: AvscField[];
}

/** Every record definition in a parsed .avsc, nested ones included, by short name. */
function recordsIn(schema: unknown, found = new Map<string, AvscRecord>()): Map<string, AvscRecord> {
  if (Array.isArray(schema)) {
    for (const branch of schema) recordsIn(branch, found);
  } else if (typeof schema === 'object' && schema !== null) {
    const node = schema as Record<string, unknown>;
    if (node.type === 'record') {
      const record = node as unknown as AvscRecord;
      found.set(record.name, record);
      for (const field of record.fields) recordsIn(field.type, found);
    } else {
      recordsIn(node.type, found);
      recordsIn(node.items, found);
      recordsIn(node.values, found);
    }
  }
  return found;
}

/** The sorted field names of a schema's top-level record. */
function avscFieldNames(schema: unknown): string[] {
  return (schema as AvscRecord).fields.map((field) => field.name).toSorted();
}

const options = { now: new Date('2026-11-23T12:00:00Z'), defaultEnvironment: 'production' };
const receivedAt = new Date('2026-11-20T10:00:30.000Z');

function validFull() {
  const validation = validateTransactionResult(exampleJson('valid/full.json'), options);
  assert.ok(validation.ok);
  return validation.value;
}

test('the registry parses each .avsc once and finds records by the catalog name', () => {
  assert.deepEqual(
    recordSchemas.map((record) => [record.name, record.fullName]),
    [
      ['transaction-result', 'io.primoart.synth.v1.TransactionResult'],
      ['synth-artifact', 'io.primoart.synth.v1.SynthArtifact'],
      ['api-key', 'io.primoart.auth.v1.ApiKey'],
      ['api-key-usage', 'io.primoart.auth.v1.ApiKeyUsage'],
      ['transaction-definition', 'io.primoart.synth.v1.TransactionDefinition'],
      ['otel-span', 'io.primoart.otel.v1.OtelSpan'],
      ['otel-metric-point', 'io.primoart.otel.v1.OtelMetricPoint'],
      ['otel-log-record', 'io.primoart.otel.v1.OtelLogRecord'],
      ['baseline', 'io.primoart.baseline.v1.SeriesBaseline'],
      ['detected-event', 'io.primoart.events.v1.DetectedEvent'],
      ['transaction-forecast', 'io.primoart.baseline.v1.TransactionForecast'],
      ['sla-target', 'io.primoart.console.v1.SlaTarget'],
      ['maintenance-window', 'io.primoart.maintenance.v1.MaintenanceWindow'],
      ['dead-letter-replay', 'io.primoart.deadletter.v1.DeadLetterReplay'],
    ],
  );
  assert.equal(recordType('transaction-result'), transactionResultSchema);
  assert.equal(recordType('synth-artifact').avroType, synthArtifactSchema.avroType);
  assert.throws(
    () => recordType('transaction-results'),
    /unknown record schema "transaction-results".*transaction-result, synth-artifact/,
  );
  for (const record of recordSchemas)
    assert.match(record.avscPath, new RegExp(`schemas/${record.name}\\.avsc$`));
});

test('every record and field of every schema has a doc, and every optional field defaults to null', () => {
  for (const { name, schema } of recordSchemas) {
    for (const record of recordsIn(schema).values()) {
      assert.ok(record.doc, `${name}: record ${record.name} has a doc`);
      for (const field of record.fields) {
        assert.ok(field.doc && field.doc.length > 5, `${name}: ${record.name}.${field.name} has a doc`);
        if (Array.isArray(field.type) && field.type[0] === 'null') {
          assert.equal(field.default, null, `${name}: ${record.name}.${field.name} defaults to null`);
        }
      }
    }
  }
});

test('toAvroResult gives records the Avro types accept, with no field the schema lacks', () => {
  const { result, artifacts } = toAvroResult(validFull(), { receivedAt });
  const errors: string[] = [];
  const errorHook = (path: string[]) => errors.push(path.join('.'));
  assert.ok(
    transactionResultSchema.avroType.isValid(result, { noUndeclaredFields: true, errorHook }),
    errors.join(),
  );
  for (const artifact of artifacts) {
    assert.ok(
      synthArtifactSchema.avroType.isValid(artifact, { noUndeclaredFields: true, errorHook }),
      errors.join(),
    );
  }
});

test('screenshots become artifacts with the decoded bytes, their hash and a deterministic key', () => {
  const valid = validFull();
  const { result, artifacts } = toAvroResult(valid, { receivedAt });
  const base = `screenshots/${valid.transaction_id}/${valid.robot_id}/${valid.result_id}`;
  assert.deepEqual(
    artifacts.map((artifact) => artifact.object_key),
    [`${base}/0-0.png`, `${base}/2-0.jpg`, `${base}/2-1.webp`],
  );
  const payload = exampleJson('valid/full.json') as { screenshots: Array<{ data: string }> };
  artifacts.forEach((artifact, position) => {
    const bytes = Buffer.from(payload.screenshots[position]?.data ?? '', 'base64');
    assert.deepEqual(artifact.data, bytes);
    assert.equal(artifact.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(artifact.result_id, valid.result_id);
    assert.equal(artifact.transaction_id, valid.transaction_id);
    assert.equal(artifact.received_at, receivedAt.getTime());
    assert.deepEqual(result.screenshots[position], {
      step_index: artifact.step_index,
      content_type: artifact.content_type,
      object_key: artifact.object_key,
      size_bytes: bytes.length,
      sha256: artifact.sha256,
    });
  });
  // A screenshot is dated by the end of its step: the contract carries no capture time.
  assert.equal(artifacts[1]?.captured_at, Date.parse('2026-11-20T10:00:09.200Z'));
  // The same upload accepted again later keeps its keys, so the object store holds it once.
  const again = toAvroResult(valid, { receivedAt: new Date('2026-11-21T00:00:00Z') });
  assert.deepEqual(
    again.artifacts.map((artifact) => artifact.object_key),
    artifacts.map((artifact) => artifact.object_key),
  );
});

test('screenshotObjectKey names transaction, robot, run, step and position', () => {
  assert.equal(
    screenshotObjectKey({
      transaction_id: '2f0c9a8e-3b7d-4c15-a6e2-9d4b1f7c5e30',
      robot_id: 'c4d1e2f3-0a1b-4c2d-8e3f-4a5b6c7d8e9f',
      result_id: '7b3ea1d0-5c2f-4e8a-9d61-000000000003',
      step_index: 12,
      ordinal: 1,
      content_type: 'image/jpeg',
    }),
    'screenshots/2f0c9a8e-3b7d-4c15-a6e2-9d4b1f7c5e30/c4d1e2f3-0a1b-4c2d-8e3f-4a5b6c7d8e9f/7b3ea1d0-5c2f-4e8a-9d61-000000000003/12-1.jpg',
  );
});

test('two robots uploading the same result_id get screenshot keys of their own', () => {
  const robotA = validFull();
  const robotC = { ...validFull(), robot_id: '0c0c0c0c-1d2e-4f3a-8b4c-5d6e7f8a9b0c' };
  const keysOf = (valid: typeof robotA) =>
    toAvroResult(valid, { receivedAt }).artifacts.map((artifact) => artifact.object_key);
  const [keysA, keysC] = [keysOf(robotA), keysOf(robotC)];
  assert.equal(new Set([...keysA, ...keysC]).size, keysA.length + keysC.length, 'no key shared');
  for (const key of keysC) assert.ok(key.includes(`/${robotC.robot_id}/${robotC.result_id}/`), key);
  // The result record references exactly the keys its artifacts are stored under.
  assert.deepEqual(
    toAvroResult(robotC, { receivedAt }).result.screenshots.map((screenshot) => screenshot.object_key),
    keysC,
  );
});

test('a result without optional fields encodes nulls and empty collections, and decodes to them', () => {
  const validation = validateTransactionResult(exampleJson('valid/minimal.json'), options);
  assert.ok(validation.ok);
  const { result, artifacts } = toAvroResult(validation.value, { receivedAt });
  assert.deepEqual(artifacts, []);
  const type = transactionResultSchema.avroType;
  const synthResult = fromAvroResult(type.fromBuffer(type.toBuffer(result)));
  assert.equal(synthResult.project, null);
  assert.equal(synthResult.location, null);
  assert.equal(synthResult.error_code, null);
  assert.equal(synthResult.log, null);
  assert.deepEqual(synthResult.screenshots, []);
  assert.deepEqual(synthResult.attributes, {});
  assert.equal(synthResult.environment, 'production');
  assert.ok(synthResult.steps[0]?.started_at instanceof Date);
});

test('fromAvroResult and fromAvroArtifact give workers Dates and every schema field', () => {
  const { result, artifacts } = toAvroResult(validFull(), { receivedAt });
  const type = transactionResultSchema.avroType;
  const synthResult = fromAvroResult(type.fromBuffer(type.toBuffer(result)));
  assert.deepEqual(Object.keys(synthResult).toSorted(), avscFieldNames(transactionResultSchema.schema));
  assert.deepEqual(synthResult.location, {
    city: 'Frankfurt am Main',
    region: 'Hesse',
    country: 'DE',
    latitude: 50.1109,
    longitude: 8.6821,
  });
  assert.equal(synthResult.started_at.toISOString(), '2026-11-20T10:00:00.000Z');
  assert.equal(synthResult.finished_at.toISOString(), '2026-11-20T10:00:09.250Z');
  assert.equal(synthResult.environment, 'staging');
  assert.deepEqual(synthResult.attributes, {
    browser: 'chromium 131',
    build: '2026.11.3',
    playwright: '1.49.0',
  });

  const artifactType = synthArtifactSchema.avroType;
  const artifact = fromAvroArtifact(artifactType.fromBuffer(artifactType.toBuffer(artifacts[0])));
  assert.deepEqual(Object.keys(artifact).toSorted(), avscFieldNames(synthArtifactSchema.schema));
  assert.equal(artifact.captured_at.toISOString(), '2026-11-20T10:00:02.300Z');
  assert.equal(artifact.data.subarray(1, 4).toString('latin1'), 'PNG');
});
