// Poison messages go to the dead-letter topic with their error and origin; the records around
// them are written, and the worker goes on.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { toAvroResult } from '../../schemas/index.ts';
import { validateTransactionResult } from '../../schemas/transaction-result.ts';
import { topics } from '../../topics/catalog.ts';
import { createTopicCodec } from '../../topics/codec.ts';
import { deadLetterHeaders } from '../../topics/dead-letters.ts';
import type { ConsumedMessage } from '../../topics/port.ts';
import {
  freshResult,
  kafkaConnection,
  type Pipeline,
  stack,
  startGroupAtEnd,
  startPipeline,
  upload,
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
  const poison = freshResult({ transaction_id: transaction, transaction_name: 'nul \u0000 inside' });
  const last = freshResult({ transaction_id: transaction });
  // The gateway refuses what PostgreSQL cannot hold (text cannot carry U+0000)…
  const refused = await upload(pipeline.setup.gatewayUrl, pipeline.setup.apiKey, poison);
  assert.equal(refused.status, 400);
  assert.match(JSON.stringify(refused.body), /transaction_name/);
  // …but the topic may still carry such a record (an older gateway, another producer, a replay of
  // old data): it is valid Avro, so the worker must dead-letter it and go on.
  assert.equal((await upload(pipeline.setup.gatewayUrl, pipeline.setup.apiKey, first)).status, 202);
  await publishUnchecked(poison);
  assert.equal((await upload(pipeline.setup.gatewayUrl, pipeline.setup.apiKey, last)).status, 202);
  // The worker also stores what neighbours publish on the shared topic: wait while it progresses.
  await pipeline.waitStored(
    'the neighbours stored',
    async () => (await stored(first.result_id)) + (await stored(last.result_id)) === 2,
  );
  const letter = await pipeline.waitStored('the poison in the dead-letter topic', async () =>
    deadLetters.find(
      (m) => m.headers[deadLetterHeaders.worker] === 'synth-store' && m.key?.toString() === transaction,
    ),
  );
  assert.equal(letter.headers[deadLetterHeaders.topic], topics.synthResults.name);
  assert.match(letter.headers[deadLetterHeaders.offset] ?? '', /^\d+$/);
  assert.match(letter.headers[deadLetterHeaders.error] ?? '', /\\u0000|22P05|unicode/i);
  assert.equal(await stored(poison.result_id), 0);
});

/** Publish a result straight to the results topic, past the gateway's checks. */
async function publishUnchecked(result: Record<string, unknown>): Promise<void> {
  // Judge a copy without the NUL, then put it back into the checked value: only that field differs.
  const validation = validateTransactionResult(
    { ...result, transaction_name: 'placeholder' },
    { now: new Date(), defaultEnvironment: 'test' },
  );
  assert.ok(validation.ok, JSON.stringify(validation));
  const record = toAvroResult(
    { ...validation.value, transaction_name: String(result.transaction_name) },
    { receivedAt: new Date() },
  ).result;
  const codec = await createTopicCodec(stack.registryUrl(), topics.synthResults);
  const producer = await kafkaConnection().producer();
  try {
    await producer.send([
      {
        topic: topics.synthResults.name,
        messages: [{ key: record.transaction_id, value: await codec.encode(record) }],
      },
    ]);
  } finally {
    await producer.disconnect();
  }
}

test('a message that is not Avro at all is dead-lettered and the stream goes on', async () => {
  const producer = await kafkaConnection().producer();
  const key = `garbage-${randomUUID()}`;
  await producer.send([
    { topic: topics.synthResults.name, messages: [{ key, value: Buffer.from('this is not avro') }] },
  ]);
  await producer.disconnect();
  const letter = await pipeline.waitStored('the garbage in the dead-letter topic', async () =>
    deadLetters.find((m) => m.key?.toString() === key),
  );
  assert.equal(letter.value?.toString(), 'this is not avro', 'dead letters keep the bytes as they were');
  assert.match(letter.headers[deadLetterHeaders.error] ?? '', /wire format/);
  const after = freshResult();
  assert.equal((await upload(pipeline.setup.gatewayUrl, pipeline.setup.apiKey, after)).status, 202);
  await pipeline.waitStored(
    'a result after the garbage stored',
    async () => (await stored(after.result_id)) === 1,
  );
});
