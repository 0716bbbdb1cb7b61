// The results publisher: sends that each fit Kafka's message limit, screenshots before their
// results, and Kafka's own "too large" told apart from "unavailable".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiKeyIdHeader } from '../../../ingest-gateway/provenance.ts';
import {
  createResultPublisher,
  groupedBySize,
  KafkaUnavailableError,
  RecordTooLargeError,
  sendWithin,
} from '../../../ingest-gateway/publisher.ts';
import { topics } from '../../../topics/catalog.ts';
import type { OutgoingMessage, Producer } from '../../../topics/port.ts';

/** What the API passes: the key that authenticated the request (provenance.ts). */
const provenance = { [apiKeyIdHeader]: 'config:robot' };

type Sent = Array<{ topic: string; messages: OutgoingMessage[] }>;

function recordingProducer(fail?: (batches: Sent) => unknown): Producer & { sends: Sent[] } {
  const sends: Sent[] = [];
  return {
    sends,
    async send(batches) {
      const failure = fail?.(batches);
      if (failure !== undefined) throw failure;
      sends.push(batches);
      return [];
    },
    async disconnect() {},
  };
}

/** A codec whose encoding of `{ bytes: n }` is n bytes. */
const sizedCodec = { encode: async (value: { bytes: number }) => Buffer.alloc(value.bytes) };

test('groupedBySize keeps every message, in order, in groups within the limit (a bigger one alone)', () => {
  const message = (bytes: number): OutgoingMessage => ({ key: null, value: Buffer.alloc(bytes) });
  const messages = [3, 3, 3, 10, 1, 1].map(message);
  const groups = groupedBySize(messages, 6);
  assert.deepEqual(
    groups.map((group) => group.map((m) => m.value?.length)),
    [[3, 3], [3], [10], [1, 1]],
  );
  assert.deepEqual(groups.flat(), messages);
});

test('a batch of six 900 KB results is published in sends that each fit the topic, results after screenshots', async () => {
  const producer = recordingProducer();
  const publisher = createResultPublisher<{ bytes: number }, { bytes: number }>({
    producer,
    resultCodec: sizedCodec as never,
    artifactCodec: sizedCodec as never,
    timeoutMs: 1000,
  });
  const transactionId = '2f0c9a8e-3b7d-4c15-a6e2-9d4b1f7c5e30';
  await publisher.publish(
    Array.from({ length: 6 }, (_, i) => ({
      record: { bytes: 900_000 },
      transactionId,
      artifacts: [{ objectKey: `screenshot-${i}`, record: { bytes: 3_000_000 } }],
    })),
    provenance,
  );
  const sent = producer.sends.map((batches) => {
    assert.equal(batches.length, 1, 'one topic per send');
    const [batch] = batches;
    const bytes = batch?.messages.reduce((sum, m) => sum + (m.value?.length ?? 0), 0) ?? 0;
    return { topic: batch?.topic, count: batch?.messages.length ?? 0, bytes };
  });
  assert.ok(
    producer.sends.flat().every((batch) => batch.messages.every((m) => m.headers === provenance)),
    'every record, screenshots too, names the key',
  );
  const byTopic = (name: string) => sent.filter((send) => send.topic === name);
  const results = byTopic(topics.synthResults.name);
  const artifacts = byTopic(topics.synthArtifacts.name);
  assert.equal(
    results.reduce((sum, send) => sum + send.count, 0),
    6,
  );
  assert.equal(
    artifacts.reduce((sum, send) => sum + send.count, 0),
    6,
  );
  assert.ok(results.length >= 2, `${results.length} sends of results`);
  for (const send of results) assert.ok(send.bytes < topics.synthResults.maxMessageBytes);
  for (const send of artifacts) assert.ok(send.bytes < topics.synthArtifacts.maxMessageBytes);
  assert.ok(
    sent.findLastIndex((send) => send.topic === topics.synthArtifacts.name) <
      sent.findIndex((send) => send.topic === topics.synthResults.name),
    'every screenshot is acknowledged before any result',
  );
});

test("Kafka's MESSAGE_TOO_LARGE, however wrapped, is a RecordTooLargeError; a lost broker is not", async () => {
  const tooLarge = Object.assign(
    new Error('The request included a message larger than the max message size'),
    {
      type: 'MESSAGE_TOO_LARGE',
    },
  );
  const wrapped = Object.assign(new Error('retries exceeded'), { cause: tooLarge });
  const aggregated = Object.assign(new Error('several'), { errors: [new Error('x'), tooLarge] });
  for (const error of [tooLarge, wrapped, aggregated]) {
    const producer = recordingProducer(() => error);
    await assert.rejects(sendWithin(producer, [], 1000), (thrown: unknown) => {
      assert.ok(thrown instanceof RecordTooLargeError, String(thrown));
      return true;
    });
  }
  const gone = recordingProducer(() => Object.assign(new Error('Connection error'), { type: 'NETWORK' }));
  await assert.rejects(sendWithin(gone, [], 1000), (thrown: unknown) => {
    assert.ok(thrown instanceof KafkaUnavailableError && !(thrown instanceof RecordTooLargeError));
    return true;
  });
});

test('a publish gives its send the same deadline it waits for: a send queued past it is never made', async () => {
  const deadlines: Array<number | undefined> = [];
  const producer: Producer = {
    async send(_batches, options) {
      deadlines.push(options?.deadline);
      return [];
    },
    async disconnect() {},
  };
  const before = Date.now();
  await sendWithin(producer, [], 10_000);
  const after = Date.now();
  const [deadline] = deadlines;
  assert.ok(
    deadline !== undefined && deadline >= before + 10_000 && deadline <= after + 10_000,
    String(deadline),
  );
});
