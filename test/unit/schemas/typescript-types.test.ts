// The record types are generated from the .avsc files; the checked-in file must be what they
// generate now, or a schema changed without its types (run `node schemas/typescript-types.ts`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import avro from 'avsc';
import { recordSchemas } from '../../../schemas/index.ts';
import { generatedTypesPath, generateRecordTypes } from '../../../schemas/typescript-types.ts';

test('record-types.generated.ts is what the .avsc files generate', () => {
  assert.equal(
    readFileSync(generatedTypesPath, 'utf8'),
    generateRecordTypes(),
    'stale: run `node schemas/typescript-types.ts` and commit the result',
  );
});

test('a field added to a schema changes the generated types, times becoming the Time parameter', () => {
  const schema = recordSchemas.find((record) => record.name === 'api-key-usage');
  assert.ok(schema !== undefined);
  const changed = structuredClone(schema.schema) as { fields: unknown[] };
  changed.fields.push({
    name: 'first_used_at',
    type: ['null', { type: 'long', logicalType: 'timestamp-millis' }],
    doc: 'When the key was first used.',
    default: null,
  });
  const generated = generateRecordTypes([
    { ...schema, schema: changed as avro.Schema, avroType: avro.Type.forSchema(changed as avro.Schema) },
  ]);
  assert.match(generated, /export interface ApiKeyUsage<Time = number> \{/);
  assert.match(generated, /\n {2}first_used_at: Time \| null;\n/);
  assert.notEqual(generated, generateRecordTypes([schema]));
});

test('a union other than ["null", T] is refused, naming the field', () => {
  const schema = {
    type: 'record',
    name: 'Odd',
    namespace: 'io.primoart.test',
    fields: [{ name: 'either', type: ['string', 'long'] }],
  } as avro.Schema;
  const record = {
    name: 'odd',
    fullName: 'io.primoart.test.Odd',
    avscPath: 'odd.avsc',
    schema,
    avroType: avro.Type.forSchema(schema, { wrapUnions: true }),
  };
  assert.throws(
    () => generateRecordTypes([record]),
    /io\.primoart\.test\.Odd\.either: only \["null", T\] unions/,
  );
});
