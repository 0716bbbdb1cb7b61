// The definition publisher against an in-memory producer: keyed by uuid, large requests split into
// produce calls that stay under the chunk size, tombstones as null values, Kafka failures as 503s.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDefinitionPublisher } from '../../../ingest-gateway/definition-publisher.ts';
import { apiKeyIdHeader } from '../../../ingest-gateway/provenance.ts';
import { KafkaUnavailableError } from '../../../ingest-gateway/publisher.ts';
import { type TransactionDefinitionRecord, transactionDefinitionSchema } from '../../../schemas/index.ts';
import { topics } from '../../../topics/catalog.ts';
import type { ValueCodec } from '../../../topics/codec.ts';
import type { OutgoingMessage } from '../../../topics/port.ts';
import { FakeProducer } from '../workers/fake-kafka.ts';

/** What the API passes: the key that authenticated the request (provenance.ts). */
const provenance = { [apiKeyIdHeader]: 'config:definitions-admin' };

const codec: ValueCodec<TransactionDefinitionRecord> = {
  schemaId: 1,
  encode: async (value) => transactionDefinitionSchema.avroType.toBuffer(value),
  decode: async (buffer) => transactionDefinitionSchema.avroType.fromBuffer(buffer),
};

function record(index: number, codeBytes: number): TransactionDefinitionRecord {
  return {
    uuid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    name: `definition ${index}`,
    cron: '* * * * *',
    code: 'x'.repeat(codeBytes),
    target_duration: 10,
    metadata: {},
    description: null,
    updated_at: 1_795_000_000_000,
  };
}

/** A producer that records each send call's messages. */
function recordingProducer() {
  const producer = new FakeProducer([]);
  const calls: OutgoingMessage[][] = [];
  const send = producer.send.bind(producer);
  producer.send = async (batches) => {
    calls.push(batches.flatMap((batch) => batch.messages));
    for (const batch of batches) assert.equal(batch.topic, topics.synthDefinitions.name);
    return send(batches);
  };
  return { producer, calls };
}

test('every record is sent keyed by its uuid, and a large request in chunks under the chunk size', async () => {
  const { producer, calls } = recordingProducer();
  const publisher = createDefinitionPublisher({ producer, codec, timeoutMs: 1000, chunkBytes: 10_000 });
  const records = Array.from({ length: 7 }, (_, index) => record(index, 3000));
  await publisher.upsert(records, provenance);
  assert.deepEqual(
    producer.sent.map((message) => message.key),
    records.map((r) => r.uuid),
  );
  assert.ok(calls.length >= 3, `${calls.length} produce calls`);
  for (const call of calls) {
    const size = call.reduce((sum, message) => sum + (message.value?.length ?? 0), 0);
    assert.ok(size <= 10_000, `a produce call of ${size} bytes`);
  }
  assert.ok(
    producer.sent.every((message) => message.headers?.[apiKeyIdHeader] === 'config:definitions-admin'),
    'every record names the key',
  );
  const decoded = await codec.decode(producer.sent[6]?.value as Buffer);
  assert.equal(decoded.name, 'definition 6');
});

test('a record larger than the chunk size still goes out, alone', async () => {
  const { producer, calls } = recordingProducer();
  const publisher = createDefinitionPublisher({ producer, codec, timeoutMs: 1000, chunkBytes: 1000 });
  await publisher.upsert([record(1, 5000), record(2, 10)], provenance);
  assert.deepEqual(
    calls.map((call) => call.length),
    [1, 1],
  );
});

test('remove sends a tombstone: the uuid as key, a null value and the key that asked', async () => {
  const { producer } = recordingProducer();
  const publisher = createDefinitionPublisher({ producer, codec, timeoutMs: 1000 });
  await publisher.remove('00000000-0000-4000-8000-000000000001', provenance);
  assert.deepEqual(
    producer.sent.map((m) => [m.key, m.value, m.headers]),
    [['00000000-0000-4000-8000-000000000001', null, provenance]],
  );
});

test('a send Kafka refuses becomes KafkaUnavailableError (answered 503)', async () => {
  const { producer } = recordingProducer();
  producer.failNextSends(1, new Error('broker unavailable'));
  const publisher = createDefinitionPublisher({ producer, codec, timeoutMs: 1000 });
  await assert.rejects(publisher.upsert([record(1, 10)], provenance), KafkaUnavailableError);
});

test('a send Kafka never acknowledges becomes KafkaUnavailableError after the timeout', async () => {
  const { producer } = recordingProducer();
  producer.send = () => new Promise(() => {});
  const publisher = createDefinitionPublisher({ producer, codec, timeoutMs: 50 });
  await assert.rejects(
    publisher.remove('00000000-0000-4000-8000-000000000001', provenance),
    KafkaUnavailableError,
  );
});
