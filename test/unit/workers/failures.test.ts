import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PoisonRecordError } from '../../../topics/poison-record.ts';
import { classifyFailure, describeError } from '../../../workers/failures.ts';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

test('connection and timeout errors are transient', () => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'UND_ERR_SOCKET']) {
    assert.equal(classifyFailure(withCode(code)), 'transient', code);
  }
});

test('PostgreSQL shutdown and connection failures are transient', () => {
  // 57P01 admin_shutdown, 08006 connection_failure, 40001 serialization_failure, 53300 too_many_connections
  for (const code of ['57P01', '08006', '40001', '53300']) {
    assert.equal(classifyFailure(withCode(code)), 'transient', code);
  }
});

test('an unknown error is transient: retrying is recoverable, dead-lettering good data is not', () => {
  assert.equal(classifyFailure(new Error('something odd')), 'transient');
  assert.equal(classifyFailure('a thrown string'), 'transient');
  assert.equal(classifyFailure(undefined), 'transient');
});

test('PoisonRecordError is poison', () => {
  assert.equal(classifyFailure(new PoisonRecordError('cannot be read')), 'poison');
});

test('PostgreSQL data exceptions (22xxx) and integrity violations (23xxx) are poison', () => {
  // 22P05 untranslatable_character, 22003 numeric_value_out_of_range, 23502 not_null_violation,
  // 23503 foreign_key_violation, 23505 unique_violation
  for (const code of ['22P05', '22003', '23502', '23503', '23505']) {
    assert.equal(classifyFailure(withCode(code)), 'poison', code);
  }
});

test('describeError names the error, its code and its message', () => {
  assert.equal(describeError(withCode('22P05', 'bad byte')), 'Error [22P05]: bad byte');
  assert.equal(describeError(new PoisonRecordError('unknown schema')), 'PoisonRecordError: unknown schema');
  assert.equal(describeError('plain'), 'plain');
});
