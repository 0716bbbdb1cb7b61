// Decoding by topic, the one way every worker reads its inputs: the topic a message came from picks
// its codec and what it becomes; a topic the worker does not read, or a tombstone the input does not
// expect, is poison (dead-lettered, never retried).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ValueCodec } from '../../../topics/codec.ts';
import { PoisonRecordError } from '../../../topics/poison-record.ts';
import { decodeByTopic, input } from '../../../workers/inputs.ts';
import { consumedMessage } from './fake-kafka.ts';

const textCodec: ValueCodec<string> = {
  schemaId: 1,
  encode: async (value) => Buffer.from(value),
  decode: async (value) => value.toString('utf8'),
};

const reader = decodeByTopic('test-worker', [
  input({ name: 'primoart.a.v1' }, textCodec, (value) => `a:${value}`),
  input({ name: 'primoart.b.v1' }, textCodec, (value, message) => `b:${value}@${message.offset}`, {
    tombstone: (message) => `deleted@${message.offset}`,
  }),
]);

test('the topics are the inputs’, in order, and each message is decoded by its own topic’s input', async () => {
  assert.deepEqual(reader.topics, ['primoart.a.v1', 'primoart.b.v1']);
  assert.equal(
    await reader.decode(consumedMessage(1, { topic: 'primoart.a.v1', value: Buffer.from('x') })),
    'a:x',
  );
  assert.equal(
    await reader.decode(consumedMessage(2, { topic: 'primoart.b.v1', value: Buffer.from('y') })),
    'b:y@2',
  );
});

test('a tombstone is poison unless its input says what it means', async () => {
  await assert.rejects(
    reader.decode(consumedMessage(3, { topic: 'primoart.a.v1', value: null })),
    (error: unknown) =>
      error instanceof PoisonRecordError && /tombstone\) on primoart\.a\.v1/.test(error.message),
  );
  assert.equal(await reader.decode(consumedMessage(4, { topic: 'primoart.b.v1', value: null })), 'deleted@4');
});

test('a message of a topic the worker does not read is poison, as a rejection', async () => {
  await assert.rejects(
    reader.decode(consumedMessage(5, { topic: 'primoart.c.v1' })),
    (error: unknown) =>
      error instanceof PoisonRecordError && /test-worker does not read primoart\.c\.v1/.test(error.message),
  );
});

test('a topic named by two inputs is refused when the worker is defined', () => {
  assert.throws(
    () =>
      decodeByTopic('test-worker', [
        input({ name: 'primoart.a.v1' }, textCodec, (value) => value),
        input({ name: 'primoart.a.v1' }, textCodec, (value) => value.toUpperCase()),
      ]),
    /test-worker: an input topic is named twice/,
  );
});
