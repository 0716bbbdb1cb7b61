// Publishing an OTLP request's records: however many there are and however they fall on the
// partitions, every produce request stays within the topic's message size (Kafka refuses a
// partition's batch over max.message.bytes), every record is sent once and in order, and a Kafka
// failure surfaces as KafkaUnavailableError (503).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTopicPublisher, maxValueBytes } from '../../../ingest-gateway/otlp/otel-publisher.ts';
import { packRecords } from '../../../ingest-gateway/otlp/request-processing.ts';
import { apiKeyIdHeader } from '../../../ingest-gateway/provenance.ts';
import { KafkaUnavailableError } from '../../../ingest-gateway/publisher.ts';
import { type TopicSpec, topics } from '../../../topics/catalog.ts';
import type { OutgoingMessage, Producer } from '../../../topics/port.ts';

/** What the API passes: the key that authenticated the request (provenance.ts). */
const provenance = { [apiKeyIdHeader]: 'config:otlp' };

const smallTopic: TopicSpec = { ...topics.otelSpans, maxMessageBytes: 64 * 1024 };

function recordingProducer(failOnSend?: number) {
  const sends: OutgoingMessage[][] = [];
  const producer: Producer = {
    async send(batches) {
      if (sends.length === failOnSend) throw new Error('broker went away');
      sends.push(batches.flatMap((batch) => batch.messages));
      return [];
    },
    disconnect: async () => {},
  };
  return { producer, sends };
}

const batchBytes = (messages: OutgoingMessage[]) =>
  messages.reduce((sum, m) => sum + (m.key?.length ?? 0) + (m.value?.length ?? 0), 0);

test('5,000 records of one key (one trace, one partition) go in sends that each fit the topic', async () => {
  const traceId = Buffer.from('0af7651916cd43dd8448eb211c80319c');
  const records = Array.from({ length: 5000 }, (_, i) => ({
    key: traceId,
    value: Buffer.concat([Buffer.from(String(i).padStart(8, '0')), Buffer.alloc(900, 1)]),
  }));
  const { producer, sends } = recordingProducer();
  await createTopicPublisher({ producer, topic: smallTopic, timeoutMs: 1000 }).publish(
    packRecords(records),
    provenance,
  );
  assert.ok(sends.length > 1, 'more than one send');
  for (const send of sends)
    assert.ok(batchBytes(send) <= maxValueBytes(smallTopic), `${batchBytes(send)} bytes`);
  const sent = sends.flat();
  assert.equal(sent.length, 5000);
  assert.deepEqual(
    sent.map((m) => m.value?.subarray(0, 8).toString()),
    records.map((r) => r.value.subarray(0, 8).toString()),
    'every record once, in order',
  );
  assert.ok(sent.every((m) => Buffer.isBuffer(m.key) && m.key.equals(traceId)));
  assert.ok(
    sent.every((m) => m.headers?.[apiKeyIdHeader] === 'config:otlp'),
    'every record names the key',
  );
});

test('a record larger than a chunk but within the topic goes alone; the default chunk is 1 MiB at most', async () => {
  const big = { key: Buffer.from('k'), value: Buffer.alloc(maxValueBytes(smallTopic) - 100) };
  const small = { key: Buffer.from('k'), value: Buffer.alloc(10) };
  const { producer, sends } = recordingProducer();
  await createTopicPublisher({ producer, topic: smallTopic, timeoutMs: 1000, chunkBytes: 1000 }).publish(
    packRecords([small, big, small]),
    provenance,
  );
  assert.deepEqual(
    sends.map((send) => send.length),
    [1, 1, 1],
  );
  const { producer: producer4m, sends: sends4m } = recordingProducer();
  const many = Array.from({ length: 3000 }, () => ({ key: Buffer.from('k'), value: Buffer.alloc(1000) }));
  await createTopicPublisher({ producer: producer4m, topic: topics.otelSpans, timeoutMs: 1000 }).publish(
    packRecords(many),
    provenance,
  );
  for (const send of sends4m) assert.ok(batchBytes(send) <= 1024 * 1024);
  assert.equal(sends4m.flat().length, 3000);
});

test('no records, no send; a failing send is a KafkaUnavailableError', async () => {
  const { producer, sends } = recordingProducer();
  await createTopicPublisher({ producer, topic: smallTopic, timeoutMs: 1000 }).publish(
    packRecords([]),
    provenance,
  );
  assert.equal(sends.length, 0);
  const failing = recordingProducer(1);
  const records = Array.from({ length: 200 }, () => ({ key: Buffer.from('k'), value: Buffer.alloc(1000) }));
  await assert.rejects(
    createTopicPublisher({ producer: failing.producer, topic: smallTopic, timeoutMs: 1000 }).publish(
      packRecords(records),
      provenance,
    ),
    KafkaUnavailableError,
  );
});
