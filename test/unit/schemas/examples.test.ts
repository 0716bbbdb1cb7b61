// The example payloads are part of the contract: the valid ones must be accepted and survive the
// trip through Avro, the invalid ones must be refused naming exactly the expected fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fromAvroResult,
  synthArtifactSchema,
  toAvroResult,
  transactionResultSchema,
  validateTransactionResult,
  validateUpload,
} from '../../../schemas/index.ts';
import { exampleJson, expectedInvalidPaths, invalidExamples, validExamples } from './example-files.ts';

/** avsc decodes records into class instances; compare their JSON instead. */
const asPlainJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

// After every example time (2026-11-20) and before the "future" one (2099).
const options = { now: new Date('2026-11-23T12:00:00Z'), defaultEnvironment: 'production' };

test('there are valid examples and at least 20 invalid ones, each with its expected paths', () => {
  assert.ok(validExamples().length >= 5);
  const invalid = invalidExamples().map((example) => example.name);
  assert.ok(invalid.length >= 20);
  assert.deepEqual(invalid.toSorted(), Object.keys(expectedInvalidPaths()).toSorted());
});

for (const { name, payload } of validExamples()) {
  test(`valid example ${name} validates and round-trips through Avro`, () => {
    const validation = validateTransactionResult(payload, options);
    assert.deepEqual(validation.ok ? [] : validation.errors, []);
    assert.ok(validation.ok);
    const receivedAt = new Date('2026-11-20T10:00:30.000Z');
    const { result, artifacts } = toAvroResult(validation.value, { receivedAt });

    const decoded = transactionResultSchema.avroType.fromBuffer(
      transactionResultSchema.avroType.toBuffer(result),
    );
    assert.deepEqual(asPlainJson(decoded), asPlainJson(result));
    const synthResult = fromAvroResult(decoded);
    assert.equal(synthResult.result_id, payload.result_id);
    assert.equal(synthResult.started_at.getTime(), Date.parse(payload.started_at));
    assert.equal(synthResult.finished_at.getTime(), Date.parse(payload.finished_at));
    assert.equal(synthResult.received_at.getTime(), receivedAt.getTime());
    assert.equal(synthResult.environment, payload.environment ?? 'production');
    assert.deepEqual(
      synthResult.steps.map((step) => [step.index, step.name, step.status, step.started_at.toISOString()]),
      payload.steps.map((step) => [
        step.index,
        step.name,
        step.status,
        new Date(step.started_at).toISOString(),
      ]),
    );
    assert.deepEqual(synthResult.attributes, payload.attributes ?? {});

    const screenshots = payload.screenshots ?? [];
    assert.equal(artifacts.length, screenshots.length);
    artifacts.forEach((artifact, position) => {
      const bytes = synthArtifactSchema.avroType.toBuffer(artifact);
      const decodedArtifact = synthArtifactSchema.avroType.fromBuffer(bytes);
      assert.equal(decodedArtifact.data.toString('base64'), screenshots[position]?.data);
      assert.equal(decodedArtifact.object_key, synthResult.screenshots[position]?.object_key);
    });
  });
}

const expectedPaths = expectedInvalidPaths();
for (const { name, payload } of invalidExamples()) {
  test(`invalid example ${name} is refused at exactly ${JSON.stringify(expectedPaths[name])}`, () => {
    const validation = validateTransactionResult(payload, options);
    assert.equal(validation.ok, false);
    if (validation.ok) return;
    assert.deepEqual(
      validation.errors.map((error) => error.path).toSorted(),
      expectedPaths[name]?.toSorted(),
    );
    for (const error of validation.errors) assert.ok(error.message.length > 5, `message for ${error.path}`);
  });
}

test('batch-mixed.json: each item is judged on its own, as batch-mixed.expected.json says', () => {
  const expected = exampleJson('batch-mixed.expected.json') as {
    results: Array<{ result_id: string; status: 'accepted' | 'rejected'; paths?: string[] }>;
  };
  const upload = validateUpload(exampleJson('batch-mixed.json'), options);
  assert.equal(upload.kind, 'batch');
  if (upload.kind !== 'batch') return;
  const outcomes = upload.items.map((item) =>
    item.validation.ok
      ? { result_id: item.validation.value.result_id, status: 'accepted' }
      : {
          result_id: item.claimedResultId,
          status: 'rejected',
          paths: item.validation.errors.map((error) => error.path).toSorted(),
        },
  );
  assert.deepEqual(
    outcomes,
    expected.results.map((item) =>
      item.paths === undefined ? item : { ...item, paths: item.paths.toSorted() },
    ),
  );
});
