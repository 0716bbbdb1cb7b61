// BACKWARD_TRANSITIVE, locally: the working-copy schemas read what every published version wrote.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import avro from 'avsc';
import {
  checkBackwardTransitive,
  checkReadsEveryWriter,
  publishedVersions,
} from '../../../schemas/compatibility.ts';
import { type RecordSchema, recordSchemas, transactionResultSchema } from '../../../schemas/index.ts';

interface AvscRecord {
  fields: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

function currentSchemaJson(): AvscRecord {
  return JSON.parse(readFileSync(transactionResultSchema.avscPath, 'utf8')) as AvscRecord;
}

function withFields(change: (fields: AvscRecord['fields']) => AvscRecord['fields']): avro.Type {
  const schema = currentSchemaJson();
  return avro.Type.forSchema({ ...schema, fields: change(schema.fields) } as avro.Schema);
}

test('every record schema has at least one published version, and the working copy reads them all', () => {
  for (const record of recordSchemas) {
    const versions = publishedVersions(record);
    assert.ok(versions.length >= 1, `${record.name} has a frozen copy in schemas/history`);
    assert.deepEqual(checkBackwardTransitive(record), [], record.name);
  }
});

test('a new field with a default can be read from old data; one without a default cannot', () => {
  const writer = { label: 'v1', avroType: transactionResultSchema.avroType };
  const withDefault = withFields((fields) => [
    ...fields,
    { name: 'browser', type: ['null', 'string'], default: null, doc: 'Browser of the run.' },
  ]);
  const withoutDefault = withFields((fields) => [
    ...fields,
    { name: 'browser', type: 'string', doc: 'Browser.' },
  ]);
  assert.deepEqual(checkReadsEveryWriter(withDefault, [writer]), []);
  const problems = checkReadsEveryWriter(withoutDefault, [writer]);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.writer, 'v1');
});

test('changing the type of an existing field is caught', () => {
  const writer = { label: 'v1', avroType: transactionResultSchema.avroType };
  const reader = withFields((fields) =>
    fields.map((field) => (field.name === 'transaction_name' ? { ...field, type: 'long' } : field)),
  );
  assert.equal(checkReadsEveryWriter(reader, [writer]).length, 1);
});

test('published versions are found by the history naming convention, oldest first', () => {
  const history = mkdtempSync(path.join(tmpdir(), 'primoart-schema-history-'));
  try {
    copyFileSync(transactionResultSchema.avscPath, path.join(history, 'transaction-result.v1.avsc'));
    const v2 = currentSchemaJson();
    v2.fields.push({ name: 'browser', type: ['null', 'string'], default: null, doc: 'Browser of the run.' });
    writeFileSync(path.join(history, 'transaction-result.v10.avsc'), JSON.stringify(v2));
    writeFileSync(path.join(history, 'transaction-result.v2.avsc'), JSON.stringify(v2));
    copyFileSync(transactionResultSchema.avscPath, path.join(history, 'synth-artifact.v1.avsc'));
    writeFileSync(path.join(history, 'transaction-result.avsc.bak'), '{}');

    const versions = publishedVersions(transactionResultSchema, history);
    assert.deepEqual(
      versions.map((version) => version.version),
      [1, 2, 10],
    );
    // v1 is readable by the working copy, v2 is too (its extra field is skipped).
    assert.deepEqual(checkBackwardTransitive(transactionResultSchema, history), []);

    // Dropping a field from the reader is compatible: the reader skips it in old data.
    const v3 = currentSchemaJson();
    v3.fields = v3.fields.filter((field) => field.name !== 'service');
    const withoutService: RecordSchema = {
      ...transactionResultSchema,
      avroType: avro.Type.forSchema(v3 as avro.Schema),
    };
    assert.deepEqual(checkBackwardTransitive(withoutService, history), []);
    // The other way round it is not: data without `service` cannot fill the working copy's
    // `service`, which has no default, so a published version lacking it is flagged.
    writeFileSync(path.join(history, 'transaction-result.v11.avsc'), JSON.stringify(v3));
    const problems = checkBackwardTransitive(transactionResultSchema, history);
    assert.deepEqual(
      problems.map((problem) => problem.writer),
      ['transaction-result.v11.avsc'],
    );
  } finally {
    rmSync(history, { recursive: true, force: true });
  }
});
