// Every field within its limit can still add up to more than one Kafka record holds: the result's
// encoded size has a limit of its own, below the results topic's message limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toAvroResult } from '../../../schemas/avro-mapping.ts';
import {
  oversizedResult,
  resultRecordBytes,
  resultRecordMaxBytes,
} from '../../../schemas/result-record-size.ts';
import { transactionResultLimits, validateTransactionResult } from '../../../schemas/transaction-result.ts';
import { topics } from '../../../topics/catalog.ts';
import { minimalPayload } from './example-files.ts';

const options = { now: new Date('2026-11-23T12:00:00Z'), defaultEnvironment: 'production' };
const receivedAt = new Date('2026-11-23T12:00:00Z');

function recordOf(payload: unknown) {
  const validation = validateTransactionResult(payload, options);
  assert.deepEqual(validation.ok ? [] : validation.errors, []);
  assert.ok(validation.ok);
  return toAvroResult(validation.value, { receivedAt }).result;
}

function resultWithSteps(count: number, stepErrorBytes: number, logBytes: number) {
  const payload = minimalPayload();
  const step = payload.steps[0];
  assert.ok(step !== undefined);
  payload.steps = Array.from({ length: count }, (_, index) => ({
    ...step,
    index,
    name: `step ${index}`,
    error_message: 'e'.repeat(stepErrorBytes),
  }));
  return { ...payload, log: 'l'.repeat(logBytes) };
}

test('the limit leaves room for the record batch under the results topic message limit', () => {
  assert.ok(resultRecordMaxBytes + 64 * 1024 <= topics.synthResults.maxMessageBytes);
});

test('500 steps with 8 KiB errors and a 1 MiB log pass every field limit but not the record limit', () => {
  const limits = transactionResultLimits;
  const record = recordOf(resultWithSteps(limits.maxSteps, limits.errorMessageMaxBytes, limits.logMaxBytes));
  assert.ok(resultRecordBytes(record) > topics.synthResults.maxMessageBytes);
  const problem = oversizedResult(record);
  assert.equal(problem?.path, '');
  assert.match(problem?.message ?? '', /steps\[\]\.error_message 4096000 bytes, log 1048576 bytes/);
  assert.match(problem?.message ?? '', new RegExp(`over the ${resultRecordMaxBytes} bytes`));
});

test('a result just under the limit passes and its measured size is its Avro size', () => {
  const record = recordOf(resultWithSteps(300, 8 * 1024, 1024 * 1024));
  const size = resultRecordBytes(record);
  assert.ok(size > 3 * 1024 * 1024 && size <= resultRecordMaxBytes, `${size} bytes`);
  assert.equal(oversizedResult(record), undefined);
  assert.equal(oversizedResult(recordOf(minimalPayload())), undefined);
});
