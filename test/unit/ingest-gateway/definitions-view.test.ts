// The gateway's definitions view against an in-memory Kafka: not caught up (so the gateway not ready)
// until every record that was in the topic at start has been read; upserts, changes and tombstones
// applied; the GET listing sorted by uuid with an ETag that follows its bytes; writers woken on change.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../../core/logging.ts';
import { startDefinitionsView } from '../../../ingest-gateway/definitions-view.ts';
import { type TransactionDefinitionRecord, transactionDefinitionSchema } from '../../../schemas/index.ts';
import { topics } from '../../../topics/catalog.ts';
import type { ValueCodec } from '../../../topics/codec.ts';
import type { Admin, ConsumedMessage, KafkaConnection } from '../../../topics/port.ts';
import { FakeConsumer } from '../workers/fake-kafka.ts';

const codec: ValueCodec<TransactionDefinitionRecord> = {
  schemaId: 1,
  encode: async (value) => transactionDefinitionSchema.avroType.toBuffer(value),
  decode: async (buffer) => transactionDefinitionSchema.avroType.fromBuffer(buffer),
};

const topic = topics.synthDefinitions.name;

function record(uuid: string, name: string, updatedAt = 1_795_000_000_000): TransactionDefinitionRecord {
  return {
    uuid,
    name,
    cron: '*/5 * * * *',
    code: 'run()',
    target_duration: 10,
    metadata: { location: 'location01' },
    description: null,
    updated_at: updatedAt,
  };
}

const uuidA = 'aaaaaaaa-0000-4000-8000-000000000000';
const uuidB = 'bbbbbbbb-0000-4000-8000-000000000000';

/** A connection whose topic ends at `ends` (partition → high watermark) and whose consumer we drive. */
function fakeConnection(ends: Record<number, number>) {
  const consumers: FakeConsumer[] = [];
  const admin = {
    topicOffsets: async () =>
      Object.entries(ends).map(([partition, high]) => ({
        partition: Number(partition),
        low: '0',
        high: String(high),
      })),
    disconnect: async () => {},
  } as unknown as Admin;
  const kafka: KafkaConnection = {
    producer: () => Promise.reject(new Error('not used')),
    consumer: async (options) => {
      const consumer = new FakeConsumer(options, []);
      consumers.push(consumer);
      return consumer;
    },
    admin: async () => admin,
  };
  return { kafka, consumer: () => consumers[0] as FakeConsumer };
}

async function message(
  partition: number,
  offset: number,
  key: string,
  value: TransactionDefinitionRecord | null,
): Promise<ConsumedMessage> {
  return {
    topic,
    partition,
    offset: String(offset),
    key: Buffer.from(key),
    value: value === null ? null : await codec.encode(value),
    headers: {},
    timestamp: 0,
  };
}

const logger = createLogger({ component: 'test', level: 'error' });
const settled = async (promise: Promise<unknown>) =>
  Promise.race([promise.then(() => true), new Promise((resolve) => setImmediate(() => resolve(false)))]);

test('caught up only once every partition has been read to the end offset it had at start', async () => {
  const { kafka, consumer } = fakeConnection({ 0: 2, 1: 1, 2: 0 });
  const view = await startDefinitionsView({ kafka, codec, logger });
  const caughtUp = view.caughtUp();
  await consumer().deliver({
    topic,
    partition: 0,
    messages: [await message(0, 0, uuidA, record(uuidA, 'first'))],
    highWatermark: '2',
  });
  assert.equal(await settled(caughtUp), false, 'partition 0 is not read to its end yet');
  await consumer().deliver({
    topic,
    partition: 1,
    messages: [await message(1, 0, uuidB, record(uuidB, 'b'))],
    highWatermark: '1',
  });
  assert.equal(await settled(caughtUp), false, 'partition 0 is still one record short');
  await consumer().deliver({
    topic,
    partition: 0,
    messages: [await message(0, 1, uuidA, record(uuidA, 'second'))],
    highWatermark: '2',
  });
  assert.equal(await settled(caughtUp), true);
  assert.equal(view.get(uuidA)?.name, 'second', 'the latest record of a key wins');
  assert.deepEqual(
    (JSON.parse(view.listing().body) as Array<{ uuid: string }>).map((d) => d.uuid),
    [uuidA, uuidB],
  );
});

test('the listing is the stored wire shape sorted by uuid; its ETag changes with it; a tombstone removes', async () => {
  const { kafka, consumer } = fakeConnection({});
  const view = await startDefinitionsView({ kafka, codec, logger });
  assert.equal(await settled(view.caughtUp()), true, 'an empty topic is caught up at once');
  const empty = view.listing();
  assert.equal(empty.body, '[]');
  assert.match(empty.etag, /^"[A-Za-z0-9_-]+"$/);

  await consumer().deliver({
    topic,
    partition: 0,
    messages: [
      await message(0, 0, uuidB, record(uuidB, 'b')),
      await message(0, 1, uuidA, record(uuidA, 'a')),
    ],
    highWatermark: '2',
  });
  const two = view.listing();
  assert.notEqual(two.etag, empty.etag);
  assert.deepEqual(JSON.parse(two.body), [
    {
      uuid: uuidA,
      name: 'a',
      cron: '*/5 * * * *',
      code: 'run()',
      target_duration: 10,
      metadata: { location: 'location01' },
      description: null,
      updated_at: new Date(1_795_000_000_000).toISOString(),
    },
    { ...JSON.parse(two.body)[0], uuid: uuidB, name: 'b' },
  ]);
  assert.equal(view.listing().etag, two.etag, 'unchanged content, unchanged ETag');

  await consumer().deliver({
    topic,
    partition: 0,
    messages: [await message(0, 2, uuidA, null)],
    highWatermark: '3',
  });
  const one = view.listing();
  assert.deepEqual(
    (JSON.parse(one.body) as Array<{ uuid: string }>).map((d) => d.uuid),
    [uuidB],
  );
  assert.notEqual(one.etag, two.etag);
});

test('two views fed the same records answer the same bytes and ETag (instances agree)', async () => {
  const listings = [];
  for (const order of [
    [uuidA, uuidB],
    [uuidB, uuidA],
  ]) {
    const { kafka, consumer } = fakeConnection({});
    const view = await startDefinitionsView({ kafka, codec, logger });
    for (const [position, uuid] of order.entries()) {
      await consumer().deliver({
        topic,
        partition: position,
        messages: [await message(position, 0, uuid, record(uuid, uuid.slice(0, 4)))],
        highWatermark: '1',
      });
    }
    listings.push(view.listing());
  }
  assert.deepEqual(listings[0], listings[1]);
});

test('waitUntil resolves true once a change makes the condition hold, false after the timeout', async () => {
  const { kafka, consumer } = fakeConnection({});
  const view = await startDefinitionsView({ kafka, codec, logger });
  const shown = view.waitUntil(() => view.get(uuidA) !== undefined, 5_000);
  assert.equal(await settled(shown), false);
  await consumer().deliver({
    topic,
    partition: 0,
    messages: [await message(0, 0, uuidA, record(uuidA, 'a'))],
    highWatermark: '1',
  });
  assert.equal(await shown, true);
  assert.equal(await view.waitUntil(() => view.get(uuidB) !== undefined, 20), false);
});
