// The upload body: one result or a batch of 1-100, each batch item judged on its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBatchUpload, validateUpload } from '../../../schemas/upload.ts';
import { minimalPayload } from './example-files.ts';

const options = { now: new Date('2026-11-23T12:00:00Z'), defaultEnvironment: 'production' };

function resultNumber(n: number) {
  return {
    ...minimalPayload(),
    result_id: `7b3ea1d0-5c2f-4e8a-9d61-${String(900000 + n).padStart(12, '0')}`,
  };
}

test('an object without `results` is a single result, with or without problems', () => {
  const good = validateUpload(minimalPayload(), options);
  assert.equal(good.kind, 'single');
  assert.ok(good.kind === 'single' && good.validation.ok);
  const bad = validateUpload({ ...minimalPayload(), status: 'MAYBE' }, options);
  assert.deepEqual(
    bad.kind === 'single' && !bad.validation.ok && bad.validation.errors.map((error) => error.path),
    ['status'],
  );
  const notObject = validateUpload([minimalPayload()], options);
  assert.deepEqual(
    notObject.kind === 'single' && !notObject.validation.ok && notObject.validation.errors.map((e) => e.path),
    [''],
  );
  assert.equal(isBatchUpload([minimalPayload()]), false);
});

test('a batch of 1 and of 100 is judged item by item', () => {
  for (const size of [1, 100]) {
    const upload = validateUpload(
      { results: Array.from({ length: size }, (_, n) => resultNumber(n)) },
      options,
    );
    assert.equal(upload.kind, 'batch');
    if (upload.kind !== 'batch') return;
    assert.equal(upload.items.length, size);
    assert.ok(upload.items.every((item) => item.validation.ok));
  }
});

test('a batch envelope that breaks its rules is refused as a whole at `results`', () => {
  const cases: Array<[unknown, string[]]> = [
    [{ results: [] }, ['results']],
    [{ results: Array.from({ length: 101 }, (_, n) => resultNumber(n)) }, ['results']],
    [{ results: resultNumber(1) }, ['results']],
    [{ results: null }, ['results']],
    [{ results: [resultNumber(1)], robot_id: 'x' }, ['robot_id']],
  ];
  for (const [body, paths] of cases) {
    const upload = validateUpload(body, options);
    assert.equal(upload.kind, 'invalid_batch');
    assert.deepEqual(upload.kind === 'invalid_batch' && upload.errors.map((error) => error.path), paths);
  }
});

test('a rejected batch item keeps the result_id it claimed, valid items are unaffected by it', () => {
  const upload = validateUpload(
    { results: [resultNumber(1), { result_id: 'mine', steps: 'none' }, 'junk'] },
    options,
  );
  assert.equal(upload.kind, 'batch');
  if (upload.kind !== 'batch') return;
  assert.deepEqual(
    upload.items.map((item) => [item.claimedResultId, item.validation.ok]),
    [
      [resultNumber(1).result_id, true],
      ['mine', false],
      [null, false],
    ],
  );
  const second = upload.items[1]?.validation;
  assert.ok(second !== undefined && !second.ok);
  assert.ok(second.errors.some((error) => error.path === 'steps'));
  assert.ok(second.errors.some((error) => error.path === 'result_id'));
});
