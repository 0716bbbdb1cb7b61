// The transaction-definition contract: the example bodies (valid ones accepted and carried through
// Avro unchanged, invalid ones refused at exactly the expected paths) and the rules behind them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  toDefinitionRecord,
  toStoredDefinition,
  transactionDefinitionFields,
  transactionDefinitionLimits,
  transactionDefinitionSchema,
  validateDefinitionUpsert,
} from '../../../schemas/index.ts';

const examples = path.join(import.meta.dirname, '../../../schemas/examples/transaction-definition');
const readJson = (file: string): any => JSON.parse(readFileSync(file, 'utf8'));
const jsonFiles = (directory: string) =>
  readdirSync(directory).filter((name) => name.endsWith('.json') && name !== 'expected.json');

const minimal = (): Record<string, unknown> => readJson(path.join(examples, 'valid', 'minimal.json'))[0];

/** The paths validating `body` reports, sorted; [] when it is valid. */
function problemPaths(body: unknown): string[] {
  const validation = validateDefinitionUpsert(body);
  return validation.ok ? [] : validation.errors.map((error) => error.path).toSorted();
}

test('the .avsc fields are the record fields, each documented, and an item has exactly the POST fields', () => {
  const schema = transactionDefinitionSchema.schema as {
    doc?: string;
    fields: Array<{ name: string; doc?: string }>;
  };
  assert.ok((schema.doc ?? '').length > 20);
  for (const field of schema.fields) assert.ok((field.doc ?? '').length > 5, `doc of ${field.name}`);
  assert.deepEqual(
    [...transactionDefinitionFields, 'updated_at'],
    schema.fields.map((field) => field.name),
  );
});

test('there are valid examples and at least 20 invalid ones, each with its expected paths', () => {
  assert.ok(jsonFiles(path.join(examples, 'valid')).length >= 3);
  const invalid = jsonFiles(path.join(examples, 'invalid'));
  assert.ok(invalid.length >= 20);
  assert.deepEqual(
    invalid.toSorted(),
    Object.keys(readJson(path.join(examples, 'invalid', 'expected.json'))).toSorted(),
  );
});

for (const name of jsonFiles(path.join(examples, 'valid'))) {
  test(`valid example ${name} is accepted and survives the trip through Avro`, () => {
    const body = readJson(path.join(examples, 'valid', name)) as Array<Record<string, any>>;
    const validation = validateDefinitionUpsert(body);
    assert.deepEqual(validation.ok ? [] : validation.errors, []);
    assert.ok(validation.ok);
    const updatedAt = new Date('2026-11-23T04:00:00.123Z');
    validation.value.forEach((definition, position) => {
      const sent = body[position] ?? {};
      const record = toDefinitionRecord(definition, updatedAt);
      const type = transactionDefinitionSchema.avroType;
      const stored = toStoredDefinition(type.fromBuffer(type.toBuffer(record)));
      assert.deepEqual(stored, {
        uuid: String(sent.uuid).toLowerCase(),
        name: sent.name,
        cron: sent.cron,
        code: sent.code,
        target_duration: sent.target_duration,
        metadata: sent.metadata ?? {},
        description: sent.description ?? null,
        updated_at: '2026-11-23T04:00:00.123Z',
      });
    });
  });
}

const expected: Record<string, string[]> = readJson(path.join(examples, 'invalid', 'expected.json'));
for (const name of jsonFiles(path.join(examples, 'invalid'))) {
  test(`invalid example ${name} is refused at exactly ${JSON.stringify(expected[name])}`, () => {
    const validation = validateDefinitionUpsert(readJson(path.join(examples, 'invalid', name)));
    assert.equal(validation.ok, false);
    if (validation.ok) return;
    assert.deepEqual(validation.errors.map((error) => error.path).toSorted(), expected[name]?.toSorted());
    for (const error of validation.errors) assert.ok(error.message.length > 5, `message for ${error.path}`);
  });
}

test('cron: standard 5-field expressions with ranges, steps, lists and names pass; others are refused', () => {
  for (const cron of [
    '* * * * *',
    '0 9 * * THU',
    '*/15 8-18 * * mon-fri',
    '0 0 29 2 *',
    '5,35 */2 1-7 JAN,JUL SUN',
  ]) {
    assert.deepEqual(problemPaths([{ ...minimal(), cron }]), [], cron);
  }
  for (const cron of [
    '',
    '   ',
    '* * * *',
    '0 0 * * 8',
    '0 24 * * *',
    '*/0 * * * *',
    '5-1 * * * *',
    'H/5 * * * *',
    'a b c d e',
  ]) {
    assert.deepEqual(problemPaths([{ ...minimal(), cron }]), ['[0].cron'], JSON.stringify(cron));
  }
});

test('cron is stored without surrounding whitespace', () => {
  const validation = validateDefinitionUpsert([{ ...minimal(), cron: '  0 3 * * *\n' }]);
  assert.ok(validation.ok);
  assert.equal(validation.value[0]?.cron, '0 3 * * *');
});

test('code may be up to 256 KiB of UTF-8 and no more', () => {
  const limit = transactionDefinitionLimits.codeMaxBytes;
  assert.deepEqual(problemPaths([{ ...minimal(), code: 'x'.repeat(limit) }]), []);
  assert.deepEqual(problemPaths([{ ...minimal(), code: `${'x'.repeat(limit - 1)}é` }]), ['[0].code']);
});

test('target_duration: any number of seconds above 0 up to a day', () => {
  assert.deepEqual(problemPaths([{ ...minimal(), target_duration: 0.25 }]), []);
  assert.deepEqual(problemPaths([{ ...minimal(), target_duration: 86_400 }]), []);
  assert.deepEqual(problemPaths([{ ...minimal(), target_duration: 86_401 }]), ['[0].target_duration']);
  assert.deepEqual(problemPaths([{ ...minimal(), target_duration: -5 }]), ['[0].target_duration']);
  assert.deepEqual(problemPaths([{ ...minimal(), target_duration: null }]), ['[0].target_duration']);
});

test('metadata: 64 string entries pass; empty keys, long values and non-strings are named by key', () => {
  const sixtyFour = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, 'v']));
  assert.deepEqual(problemPaths([{ ...minimal(), metadata: sixtyFour }]), []);
  assert.deepEqual(
    problemPaths([
      {
        ...minimal(),
        metadata: { '': 'x', long: 'v'.repeat(1025), nested: { a: 'b' }, 'with space': 3 },
      },
    ]),
    ['[0].metadata.long', '[0].metadata.nested', '[0].metadata[""]', '[0].metadata["with space"]'].toSorted(),
  );
});

test('name: 256 characters pass (counted as code points), 257 do not', () => {
  assert.deepEqual(problemPaths([{ ...minimal(), name: '😀'.repeat(256) }]), []);
  assert.deepEqual(problemPaths([{ ...minimal(), name: '😀'.repeat(257) }]), ['[0].name']);
});

test('duplicate uuids are reported at every later occurrence, whatever their case', () => {
  const uuid = String(minimal().uuid);
  const body = [
    { ...minimal() },
    { ...minimal(), uuid: '0f8e4c2a-7d1b-4e6f-9a3c-5b2d8e1f4a7c' },
    { ...minimal(), uuid: uuid.toUpperCase() },
    { ...minimal(), uuid },
  ];
  assert.deepEqual(problemPaths(body), ['[2].uuid', '[3].uuid']);
});

test('more than 1000 definitions in one request are refused as a whole', () => {
  const body = Array.from({ length: transactionDefinitionLimits.maxDefinitionsPerRequest + 1 }, () =>
    minimal(),
  );
  assert.deepEqual(problemPaths(body), ['']);
});

test('one bad item makes the whole request invalid (all or nothing)', () => {
  const validation = validateDefinitionUpsert([
    minimal(),
    { ...minimal(), uuid: '0f8e4c2a-7d1b-4e6f-9a3c-5b2d8e1f4a7c', code: '' },
  ]);
  assert.equal(validation.ok, false);
});
