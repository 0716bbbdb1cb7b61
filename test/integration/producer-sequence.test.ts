// Every record a send acknowledged is in Kafka, when requests time out after the broker appended
// them. kafkajs's idempotent producer hands a timed-out request's sequence number back, and a send
// that took it in between was answered "written" by the broker (a duplicate of the batch it already
// held) and dropped: with the producer as it was, 400 single-record sends 40 at a time with a 10 ms
// request timeout left 41 records missing and 36 written twice, every send resolved. The Kafka port
// now lets sends take turns and retires a producer whose send failed (topics/kafkajs-adapter.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { connectKafka } from '../../topics/kafkajs-adapter.ts';
import type { Producer } from '../../topics/port.ts';
import { readTopicSnapshot } from '../../topics/topic-snapshot.ts';
import { kafkaConnection, stack, withAdmin } from './stack.ts';

// A topic of this test's own, kept small: an hour of its records at most.
const topic = 'primoart.test.producer-sequence';
const recordsPerRound = 400;
const concurrency = 40;
// Rounds until some requests timed out: on a quiet machine one round may see none.
const maxRounds = 5;
const enoughTimeouts = 5;

test('sends that time out after the broker took them lose nothing and write nothing twice', async () => {
  await withAdmin(async (admin) => {
    if (!(await admin.listTopics()).includes(topic))
      await admin.createTopic({
        name: topic,
        partitions: 1,
        replicationFactor: 1,
        configEntries: { 'retention.ms': String(3_600_000) },
      });
  });
  // kafkajs reports each timed-out request through the logger: the test counts the produce ones, so a run in
  // which no request timed out (and nothing could be lost) says so instead of passing quietly.
  let timedOut = 0;
  const logger = pino(
    { level: 'error' },
    new Writable({
      write(chunk, _encoding, done) {
        // Produce requests only: opening a producer (authentication, its id) may time out too.
        if (/Produce\(.*timed out/.test(String(chunk))) timedOut++;
        done();
      },
    }),
  );
  const sasl = stack.kafkaAdminSasl();
  const kafka = connectKafka(
    {
      brokers: stack.kafkaBrokers(),
      clientId: 'primoart-test-sequence',
      connectTimeoutMs: 3_000,
      // Shorter than a produce of 100 KB takes now and then here: some requests time out after the
      // broker appended them, which is what made kafkajs reuse sequence numbers.
      requestTimeoutMs: 10,
      ...(sasl === undefined ? {} : { sasl }),
    },
    logger,
  );
  const deadline = Date.now() + 4 * 60_000;
  const untilDeadline = () => {
    if (Date.now() > deadline) throw new Error('sends still failing after 4 min');
  };
  // Opening authenticates, whose requests may time out too: tried again, as sends are.
  let producer: Producer | undefined;
  while (producer === undefined) {
    untilDeadline();
    producer = await kafka.producer().catch(() => undefined);
  }
  const run = randomUUID();
  const value = Buffer.alloc(100_000, 1);
  let records = 0;
  let failedSends = 0;
  // Each lane sends one record at a time and sends it again until it is acknowledged, as robots do.
  const lane = async (sender: Producer, last: number) => {
    while (records < last) {
      const key = `${run}:${records++}`;
      for (;;) {
        untilDeadline();
        try {
          await sender.send([{ topic, messages: [{ key, value }] }]);
          break;
        } catch {
          failedSends++;
        }
      }
    }
  };
  for (let round = 0; round < maxRounds && timedOut < enoughTimeouts; round++) {
    const last = records + recordsPerRound;
    await Promise.all(Array.from({ length: concurrency }, () => lane(producer, last)));
  }
  await producer.disconnect();

  const copies = new Map<string, number>();
  for (const message of await readTopicSnapshot(kafkaConnection(), topic, { timeoutMs: 120_000 })) {
    const key = message.key?.toString() ?? '';
    if (key.startsWith(run)) copies.set(key, (copies.get(key) ?? 0) + 1);
  }
  const twice = [...copies.values()].filter((n) => n > 1).length;
  process.stderr.write(
    `# ${timedOut} request(s) timed out, ${failedSends} send(s) failed and were sent again; ` +
      `${records - copies.size} missing, ${twice} written twice\n`,
  );
  assert.ok(timedOut > 0, 'no request timed out: this run proved nothing (the machine was too fast)');
  assert.equal(copies.size, records, 'every acknowledged record is in Kafka');
  // A send that failed for good may still have been written: the sender's retry is a second copy,
  // which the stores keep once (by result id or object key). Only those may be twice.
  assert.ok(twice <= failedSends, `${twice} written twice, but only ${failedSends} sends failed`);
});
