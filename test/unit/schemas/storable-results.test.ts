// What the gateway accepts, every store can hold: no NUL or lone surrogate in any text, times every
// store takes, a limit on every text field, no attribute key a reader would drop, and refusals
// whose answer and cost stay bounded however many problems a request carries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TransactionResultPayload } from '../../../schemas/record-types.ts';
import { transactionResultLimits, validateTransactionResult } from '../../../schemas/transaction-result.ts';
import { batchLimits, validateUpload } from '../../../schemas/upload.ts';
import { maxReportedProblems } from '../../../schemas/validation-problems.ts';
import { minimalPayload } from './example-files.ts';

const options = { now: new Date('2026-11-23T12:00:00Z'), defaultEnvironment: 'production' };

/** A payload with every optional text field filled in, to spoil one at a time. */
function fullPayload(): Record<string, any> {
  const payload: Record<string, any> = {
    ...minimalPayload(),
    project: 'shop',
    robot_name: 'robot 1',
    environment: 'staging',
    location: { city: 'Oslo', region: 'Oslo', country: 'NO' },
    error_message: 'timeout',
    log: 'step 1 ok',
    attributes: { browser: 'chromium' },
  };
  payload.steps[0].error_message = 'slow';
  return payload;
}

function validate(payload: unknown) {
  return validateTransactionResult(payload, options);
}

function errorPaths(payload: unknown): string[] {
  const validation = validate(payload);
  return validation.ok ? [] : validation.errors.map((error) => error.path);
}

/** Sets `value` at a path like `steps[0].name` or `attributes.browser`. */
function withValue(path: string, value: unknown): Record<string, any> {
  const payload = fullPayload();
  const parts = path.split(/\.|\[(\d+)\]\.?/).filter((part) => part !== undefined && part !== '');
  const last = parts.pop() as string;
  let node = payload;
  for (const part of parts) node = node[part];
  node[last] = value;
  return payload;
}

const textPaths = [
  'transaction_name',
  'service',
  'project',
  'robot_name',
  'environment',
  'location.city',
  'location.region',
  'location.country',
  'error_message',
  'log',
  'steps[0].name',
  'steps[0].error_message',
  'attributes.browser',
];

test('the full payload is valid: the other tests spoil one field of it', () => {
  assert.deepEqual(errorPaths(fullPayload()), []);
});

test('U+0000 in any text field is refused at that field (PostgreSQL text and jsonb cannot hold it)', () => {
  for (const path of textPaths) {
    const validation = validate(withValue(path, 'before\u0000after'));
    assert.equal(validation.ok, false, path);
    if (validation.ok) continue;
    assert.deepEqual(
      validation.errors.map((error) => error.path),
      [path],
    );
    assert.match(validation.errors[0]?.message ?? '', /U\+0000/, path);
  }
});

test('a lone surrogate in any text field is refused at that field (it has no UTF-8 form)', () => {
  for (const path of textPaths) {
    assert.deepEqual(errorPaths(withValue(path, 'half \ud83d of an emoji')), [path], path);
  }
  // A whole surrogate pair is an ordinary character.
  assert.deepEqual(errorPaths(withValue('robot_name', 'robot \ud83d\ude80')), []);
});

test('NUL or a lone surrogate in an attribute key is refused at the key', () => {
  assert.deepEqual(errorPaths({ ...fullPayload(), attributes: { 'a\u0000b': 'x' } }), [
    'attributes["a\\u0000b"]',
  ]);
  assert.deepEqual(errorPaths({ ...fullPayload(), attributes: { '\udc00': 'x' } }), [
    'attributes["\\udc00"]',
  ]);
});

test('times are taken from 1970 on: year 0000 and 1969 are refused at their field', () => {
  assert.deepEqual(errorPaths({ ...fullPayload(), started_at: '0000-11-20T10:00:00.000Z' }), ['started_at']);
  assert.deepEqual(errorPaths({ ...fullPayload(), started_at: '1969-12-31T23:59:59.999Z' }), ['started_at']);
  const run: Record<string, any> = {
    ...fullPayload(),
    started_at: '1970-01-01T00:00:00.000Z',
    finished_at: '1970-01-01T00:00:05.000Z',
  };
  run.steps[0].started_at = '1970-01-01T00:00:00.000+00:00';
  run.steps[0].finished_at = '1970-01-01T00:00:01.000Z';
  assert.deepEqual(errorPaths(run), []);
  // An offset can move a time in 1970 to before the epoch.
  run.steps[0].started_at = '1970-01-01T00:30:00.000+01:00';
  assert.deepEqual(errorPaths(run), ['steps[0].started_at']);
});

test('every text field has a limit: robot_name 256, environment 1-64, location parts 128 characters', () => {
  const limits = transactionResultLimits;
  const boundaries: Array<[string, number]> = [
    ['robot_name', limits.robotNameMaxChars],
    ['environment', limits.environmentMaxChars],
    ['location.city', limits.locationTextMaxChars],
    ['location.region', limits.locationTextMaxChars],
    ['location.country', limits.locationTextMaxChars],
    ['attributes.browser', limits.attributeValueMaxChars],
  ];
  for (const [path, max] of boundaries) {
    assert.deepEqual(errorPaths(withValue(path, '€'.repeat(max))), [], path);
    assert.deepEqual(errorPaths(withValue(path, 'x'.repeat(max + 1))), [path], path);
  }
  assert.deepEqual(errorPaths(withValue('environment', '')), ['environment']);
  // A 5 MB name is refused without counting its characters one by one, and the message says so.
  const huge = validate(withValue('robot_name', 'r'.repeat(5_000_000)));
  assert.equal(huge.ok, false);
  assert.match(huge.ok ? '' : (huge.errors[0]?.message ?? ''), /at most 256 characters, got at least/);
});

test('attribute keys: 1-128 characters; "__proto__" is refused, never dropped', () => {
  const max = transactionResultLimits.attributeKeyMaxChars;
  const withAttributes = (attributes: Record<string, string>) => ({ ...fullPayload(), attributes });
  assert.deepEqual(errorPaths(withAttributes({ ['k'.repeat(max)]: 'v' })), []);
  const longKey = 'k'.repeat(max + 1);
  assert.deepEqual(errorPaths(withAttributes({ [longKey]: 'v' })), [`attributes.${longKey}`]);
  assert.deepEqual(errorPaths(withAttributes({ '': 'v' })), ['attributes[""]']);
  // As JSON.parse makes it: an own member named __proto__, not a prototype.
  const proto = JSON.parse(JSON.stringify(fullPayload()).replace('"browser"', '"__proto__"'));
  assert.ok(Object.hasOwn(proto.attributes, '__proto__'));
  const validation = validate(proto);
  assert.deepEqual(validation.ok ? [] : validation.errors.map((error) => error.path), [
    'attributes.__proto__',
  ]);
  // Other names of Object.prototype are ordinary keys, kept as own members.
  const accepted = validate(withAttributes({ constructor: 'a', toString: 'b', hasOwnProperty: 'c' }));
  assert.ok(accepted.ok);
  assert.deepEqual(Object.entries(accepted.value.attributes), [
    ['constructor', 'a'],
    ['toString', 'b'],
    ['hasOwnProperty', 'c'],
  ]);
});

test('100,000 empty steps: one problem at `steps`, no step judged', () => {
  const validation = validate({ ...fullPayload(), steps: Array.from({ length: 100_000 }, () => ({})) });
  assert.equal(validation.ok, false);
  if (validation.ok) return;
  assert.deepEqual(
    validation.errors.map((error) => error.path),
    ['steps'],
  );
  assert.match(validation.errors[0]?.message ?? '', /at most 500 steps, got 100000/);
});

test('a result with more problems than the answer names: the first 100, and the count found', () => {
  // 500 empty steps have 5 problems each; judging stops once 100 are named.
  const steps = validate({ ...fullPayload(), steps: Array.from({ length: 500 }, () => ({})) });
  assert.equal(steps.ok, false);
  if (steps.ok) return;
  assert.equal(steps.errors.length, maxReportedProblems);
  assert.ok((steps.errorCount ?? 0) >= maxReportedProblems);
  // Unknown fields past the first 100 are still counted (cheaply, without "did you mean").
  const unknown = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`field${i}`, i]));
  const many = validate({ ...fullPayload(), ...unknown });
  assert.equal(many.ok, false);
  if (many.ok) return;
  assert.equal(many.errors.length, maxReportedProblems);
  assert.equal(many.errorCount, 10_000);
  // Within the limit, errorCount is left out: errors are all there is.
  const few = validate({ ...fullPayload(), service: '', status: 'MAYBE' });
  assert.ok(!few.ok && few.errors.length === 2 && few.errorCount === undefined);
});

test('more than 20 screenshots or 64 attributes are refused as a whole, no item judged', () => {
  const screenshots = Array.from({ length: 1000 }, () => ({
    step_index: 0,
    content_type: 'image/png',
    data: '!',
  }));
  assert.deepEqual(errorPaths({ ...fullPayload(), screenshots }), ['screenshots']);
  const attributes = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
  assert.deepEqual(errorPaths({ ...fullPayload(), attributes }), ['attributes']);
});

test('a batch answer is bounded: at most 100 problems an item and 1000 in all, every rejected item names one', () => {
  const bad: TransactionResultPayload = { ...minimalPayload() };
  const items = Array.from({ length: batchLimits.maxResults }, () => ({
    ...bad,
    steps: Array.from({ length: 500 }, () => ({})),
  }));
  const upload = validateUpload({ results: items }, options);
  assert.equal(upload.kind, 'batch');
  if (upload.kind !== 'batch') return;
  const named = upload.items.map((item) => (item.validation.ok ? 0 : item.validation.errors.length));
  assert.ok(
    named.every((count) => count >= 1 && count <= maxReportedProblems),
    JSON.stringify(named),
  );
  const total = named.reduce((sum, count) => sum + count, 0);
  assert.ok(total <= batchLimits.maxErrorsPerBatch + batchLimits.maxResults, `${total} problems named`);
  assert.equal(named[0], maxReportedProblems);
});

test('a batch item claiming a huge result_id is answered without echoing it', () => {
  const upload = validateUpload(
    {
      results: [
        { ...minimalPayload(), result_id: 'x'.repeat(1_000_000) },
        { ...minimalPayload(), result_id: 'nope' },
      ],
    },
    options,
  );
  assert.equal(upload.kind, 'batch');
  if (upload.kind !== 'batch') return;
  assert.deepEqual(
    upload.items.map((item) => item.claimedResultId),
    [null, 'nope'],
  );
});
