// Poison messages go to the dead-letter topic with their error and origin; the records around
// them are written, and the worker goes on.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { topics } from '../../topics/catalog.ts';
import type { ConsumedMessage } from '../../topics/port.ts';
import { deadLetterHeaders } from '../../workers/harness.ts';
import {
  freshResult,
  kafkaConnection,
  type Pipeline,
  startGroupAtEnd,
  startPipeline,
  upload,
  waitFor,
} from './stack.ts';

let pipeline: Pipeline;
const deadLetters: ConsumedMessage[] = [];
let stopReader: () => Promise<void> = async () => {};

before(async () => {
  // Read the dead-letter topic from its current end.
  const readerGroup = `primoart.it.dlq-reader.${randomUUID().slice(0, 8)}`;
  await startGroupAtEnd(readerGroup, topics.deadLetters.name);
  const reader = await kafkaConnection().consumer({
    groupId: readerGroup,
    topics: [topics.deadLetters.name],
    fromBeginning: false,
  });
  await reader.run(async (batch, control) => {
    deadLetters.push(...batch.messages);
    const last = batch.messages.at(-1);
    if (last) control.markProcessed(last.offset);
  });
  stopReader = () => reader.stop();
  pipeline = await startPipeline();
});

after(async () => {
  await stopReader();
  await pipeline?.close();
});

const stored = (resultId: string) => pipeline.storedCount(resultId);

test('a record PostgreSQL cannot store is dead-lettered with its error; its neighbours are stored', async () => {
  const transaction = randomUUID();
  const first = freshResult({ transaction_id: transaction });
  // Valid by the contract and as Avro, impossible for PostgreSQL: text cannot hold U+0000.
  const poison = freshResult({ transaction_id: transaction, transaction_name: 'nul \u0000 inside' });
  const last = freshResult({ transaction_id: transaction });
  for (const result of [first, poison, last]) {
    assert.equal((await upload(pipeline.setup.gatewayUrl, pipeline.setup.apiKey, result)).status, 202);
  }
  await waitFor(
    'the neighbours stored',
    async () => (await stored(first.result_id)) + (await stored(last.result_id)) === 2,
  );
  const letter = await waitFor('the poison in the dead-letter topic', async () =>
    deadLetters.find(
      (m) => m.headers[deadLetterHeaders.worker] === 'synth-store' && m.key?.toString() === transaction,
    ),
  );
  assert.equal(letter.headers[deadLetterHeaders.topic], topics.synthResults.name);
  assert.match(letter.headers[deadLetterHeaders.offset] ?? '', /^\d+$/);
  assert.match(letter.headers[deadLetterHeaders.error] ?? '', /\\u0000|22P05|unicode/i);
  assert.equal(await stored(poison.result_id), 0);
});

test('a message that is not Avro at all is dead-lettered and the stream goes on', async () => {
  const producer = await kafkaConnection().producer();
  const key = `garbage-${randomUUID()}`;
  await producer.send([
    { topic: topics.synthResults.name, messages: [{ key, value: Buffer.from('this is not avro') }] },
  ]);
  await producer.disconnect();
  const letter = await waitFor('the garbage in the dead-letter topic', async () =>
    deadLetters.find((m) => m.key?.toString() === key),
  );
  assert.equal(letter.value?.toString(), 'this is not avro', 'dead letters keep the bytes as they were');
  assert.match(letter.headers[deadLetterHeaders.error] ?? '', /wire format/);
  const after = freshResult();
  assert.equal((await upload(pipeline.setup.gatewayUrl, pipeline.setup.apiKey, after)).status, 202);
  await waitFor('a result after the garbage stored', async () => (await stored(after.result_id)) === 1);
});
