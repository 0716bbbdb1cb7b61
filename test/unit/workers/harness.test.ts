// The harness's delivery guarantees, against an in-memory Kafka: what is written, what is
// dead-lettered, and when offsets are committed.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { PoisonRecordError } from '../../../topics/poison-record.ts';
import type { ConsumedMessage } from '../../../topics/port.ts';
import type { FailureKind } from '../../../workers/failures.ts';
import {
  chunkMessages,
  type DecodedRecord,
  type HarnessSettings,
  startWorker,
} from '../../../workers/harness.ts';
import { consumedMessage, FakeKafka, partitionBatch } from './fake-kafka.ts';

const testTopic = 'primoart.test.results';
const deadLetterTopic = 'primoart.test.dead-letters';
// Every test finishes in milliseconds; a harness that loops forever fails here instead of hanging.
const bounded = { timeout: 5_000 };

// Workers of the current test: stopped after it, so a harness stuck in a retry loop (a failed or
// timed-out test) lets the test process exit instead of hanging the suite.
const runningWorkers: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(runningWorkers.splice(0).map((worker) => worker.stop()));
});

interface Scenario {
  decode?(message: ConsumedMessage): Promise<string>;
  write?(records: Array<DecodedRecord<string>>): Promise<void>;
  classify?(error: unknown): FailureKind;
  settings?: Partial<Omit<HarnessSettings, 'groupId' | 'deadLetterTopic'>>;
}

const offsetsOf = (records: Array<DecodedRecord<string>>) => records.map((r) => Number(r.message.offset));

async function startTestWorker(scenario: Scenario = {}) {
  const kafka = new FakeKafka();
  const metrics = new Registry();
  const fatalErrors: Error[] = [];
  /** The offsets of every write attempt, successful or not. */
  const writeAttempts: number[][] = [];
  /** The offsets the store confirmed, in order. */
  const written: number[] = [];
  const worker = await startWorker<string>(
    {
      name: 'test-worker',
      topics: [testTopic],
      decode: scenario.decode ?? (async (message) => String(message.value)),
      async write(records) {
        const offsets = offsetsOf(records);
        writeAttempts.push(offsets);
        await scenario.write?.(records);
        written.push(...offsets);
        kafka.timeline.push(`write ${offsets.join(',')}`);
      },
      ...(scenario.classify ? { classify: scenario.classify } : {}),
    },
    {
      groupId: 'primoart.test-worker',
      deadLetterTopic,
      batch: { maxRecords: 100, maxBytes: 1024 * 1024, maxWaitMs: 10 },
      retry: { initialMs: 2, maxMs: 8 },
      poisonAttempts: 3,
      guard: { window: 100, minDeadLetters: 100 },
      fromBeginning: true,
      ...scenario.settings,
    },
    { kafka, logger: pino({ level: 'silent' }), metrics, onFatal: (error) => fatalErrors.push(error) },
  );
  runningWorkers.push(worker);
  const consumer = kafka.consumers[0];
  const producer = kafka.producers[0];
  assert.ok(consumer && producer, 'the harness opened a consumer and a producer');
  return { kafka, metrics, worker, consumer, producer, fatalErrors, writeAttempts, written };
}

const connectionRefused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:15432'), { code: 'ECONNREFUSED' });
const commitOffsets = (commits: Array<{ offset: string }>) => commits.map((c) => c.offset);

test('offsets are committed only once the write resolved, as the last offset + 1', bounded, async () => {
  let writeStarted!: () => void;
  let confirmWrite!: () => void;
  const started = new Promise<void>((resolve) => {
    writeStarted = resolve;
  });
  const confirmed = new Promise<void>((resolve) => {
    confirmWrite = resolve;
  });
  const { consumer, kafka } = await startTestWorker({
    async write() {
      writeStarted();
      await confirmed;
    },
  });

  const delivery = consumer.deliver(partitionBatch(10, 3));
  await started;
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(consumer.commits, [], 'nothing committed while the store has not confirmed');

  confirmWrite();
  await delivery;
  assert.deepEqual(consumer.commits, [{ topic: testTopic, partition: 0, offset: '13' }]);
  assert.deepEqual(kafka.timeline, ['write 10,11,12', 'commit 13']);
});

test(
  'a transient write failure pauses the partition and is retried until it succeeds, then committed',
  bounded,
  async () => {
    let failuresLeft = 3;
    const { consumer, producer, kafka, writeAttempts } = await startTestWorker({
      async write() {
        if (failuresLeft-- > 0) throw connectionRefused();
      },
    });

    await consumer.deliver(partitionBatch(10, 3));

    assert.deepEqual(writeAttempts, [
      [10, 11, 12],
      [10, 11, 12],
      [10, 11, 12],
      [10, 11, 12],
    ]);
    assert.equal(producer.sent.length, 0, 'nothing dead-lettered for a store outage');
    assert.deepEqual(
      kafka.timeline,
      ['pause', 'pause', 'pause', 'write 10,11,12', 'commit 13'],
      'paused instead of sleeping, committed once, after the success',
    );
    assert.equal(consumer.pauses.length, 3);
    const [first = 0, second = 0] = consumer.pauses;
    assert.ok(second > first, `the pause grows (${consumer.pauses.join(', ')})`);
  },
);

test(
  'a store outage mid-batch: what was written stays committed, the rest waits uncommitted and is written once when the store is back',
  bounded,
  async () => {
    // What the integration outage tests (PostgreSQL, MinIO, VictoriaLogs) prove of the harness, here
    // for any store: many failed attempts are lag (the lag gauge), never loss, doubles, dead letters
    // or a stopped worker.
    const failedAttempts = 20;
    let failuresLeft = failedAttempts;
    let lagDuringOutage: number | undefined;
    const { consumer, producer, kafka, metrics, written, fatalErrors } = await startTestWorker({
      settings: { batch: { maxRecords: 2, maxBytes: 1024 * 1024, maxWaitMs: 10 } },
      async write(records) {
        if (offsetsOf(records)[0] === 0 || failuresLeft <= 0) return;
        failuresLeft--;
        if (failuresLeft === 0) {
          const lag = await metrics.getSingleMetric('primoart_worker_lag')?.get();
          lagDuringOutage = lag?.values[0]?.value;
        }
        throw connectionRefused();
      },
    });

    await consumer.deliver(partitionBatch(0, 6));

    assert.deepEqual(written, [0, 1, 2, 3, 4, 5], 'every record confirmed once, in order');
    assert.deepEqual(
      kafka.timeline,
      [
        'write 0,1',
        'commit 2',
        ...Array(failedAttempts).fill('pause'),
        'write 2,3',
        'commit 4',
        'write 4,5',
        'commit 6',
      ],
      'nothing committed while the store was down',
    );
    assert.equal(lagDuringOutage, 4, 'the records behind the outage show as lag');
    const lagAfter = await metrics.getSingleMetric('primoart_worker_lag')?.get();
    assert.equal(lagAfter?.values[0]?.value, 0);
    const retried = await metrics.getSingleMetric('primoart_worker_retries_total')?.get();
    assert.equal(retried?.values[0]?.value, failedAttempts);
    assert.equal(producer.sent.length, 0, 'nothing dead-lettered for a store outage');
    assert.deepEqual(fatalErrors, [], 'the worker keeps running');
  },
);

test('a partition revoked during write retries is given up without a commit', bounded, async () => {
  const { consumer, producer, writeAttempts } = await startTestWorker({
    async write() {
      if (writeAttempts.length === 3) consumer.revoke(testTopic, 0);
      throw connectionRefused();
    },
  });

  await consumer.deliver(partitionBatch(10, 3));

  assert.equal(writeAttempts.length, 3, 'no write attempt after the revocation');
  assert.deepEqual(consumer.commits, []);
  assert.equal(producer.sent.length, 0);
});

test('stopping the worker during write retries gives the batch up without a commit', bounded, async () => {
  let stopping: Promise<void> | undefined;
  const { consumer, producer, worker, writeAttempts } = await startTestWorker({
    async write() {
      if (writeAttempts.length === 2) stopping = worker.stop();
      throw connectionRefused();
    },
  });

  await consumer.deliver(partitionBatch(10, 3));
  await stopping;

  assert.equal(writeAttempts.length, 2);
  assert.deepEqual(consumer.commits, []);
  assert.equal(producer.sent.length, 0);
  assert.ok(producer.disconnected, 'stop() disconnects the producer');
});

test(
  'a partition revoked between chunks keeps the first chunk committed and drops the rest',
  bounded,
  async () => {
    const { consumer, written } = await startTestWorker({
      settings: { batch: { maxRecords: 2, maxBytes: 1024 * 1024, maxWaitMs: 10 } },
      async write() {
        consumer.revoke(testTopic, 0);
      },
    });

    await consumer.deliver(partitionBatch(0, 5));

    assert.deepEqual(written, [0, 1]);
    assert.deepEqual(commitOffsets(consumer.commits), ['2']);
  },
);

test(
  'a poison record in a batch is isolated by bisection and dead-lettered with its origin',
  bounded,
  async () => {
    const batch = partitionBatch(10, 8);
    const badValue = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x7f]);
    const badKey = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
    batch.messages[5] = consumedMessage(15, {
      key: badKey,
      value: badValue,
      headers: { traceparent: '00-trace-span-01' },
    });
    const { consumer, producer, kafka, written, writeAttempts } = await startTestWorker({
      async write(records) {
        if (offsetsOf(records).includes(15)) throw new PoisonRecordError('value out of range for column');
      },
    });

    await consumer.deliver(batch);

    assert.deepEqual(written, [10, 11, 12, 13, 14, 16, 17], 'every good record written, in order');
    assert.equal(writeAttempts.filter((offsets) => offsets.length === 1 && offsets[0] === 15).length, 3);
    assert.equal(producer.sent.length, 1);
    const [deadLetter] = producer.sent;
    assert.ok(deadLetter);
    assert.equal(deadLetter.topic, deadLetterTopic);
    assert.deepEqual(deadLetter.key, badKey, 'the original key bytes');
    assert.deepEqual(deadLetter.value, badValue, 'the original value bytes');
    const headers = deadLetter.headers ?? {};
    assert.match(headers['primoart.error'] ?? '', /PoisonRecordError: value out of range for column/);
    assert.equal(headers['primoart.origin.topic'], testTopic);
    assert.equal(headers['primoart.origin.partition'], '0');
    assert.equal(headers['primoart.origin.offset'], '15');
    assert.equal(headers['primoart.worker'], 'test-worker');
    assert.equal(headers.traceparent, '00-trace-span-01', 'the original headers travel along');
    assert.deepEqual(commitOffsets(consumer.commits), ['18'], 'the commit covers the whole chunk');
    assert.equal(kafka.timeline.at(-1), 'commit 18', 'committed after the dead letter was sent');
  },
);

test(
  'pg data exceptions (SQLSTATE 22P05) are poison: each bad record is dead-lettered',
  bounded,
  async () => {
    const badOffsets = [2, 5];
    const { consumer, producer, kafka, written } = await startTestWorker({
      settings: { poisonAttempts: 2 },
      async write(records) {
        if (offsetsOf(records).some((offset) => badOffsets.includes(offset))) {
          throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
        }
      },
    });

    await consumer.deliver(partitionBatch(0, 7));

    assert.deepEqual(written, [0, 1, 3, 4, 6]);
    assert.deepEqual(
      producer.sent.map((m) => m.headers?.['primoart.origin.offset']),
      ['2', '5'],
    );
    assert.match(producer.sent[0]?.headers?.['primoart.error'] ?? '', /\[22P05\]/);
    assert.deepEqual(commitOffsets(consumer.commits), ['7']);
    assert.equal(kafka.timeline.at(-1), 'commit 7');
  },
);

test("a worker's own classify decides what is poison", bounded, async () => {
  const { consumer, producer, written } = await startTestWorker({
    settings: { poisonAttempts: 1 },
    classify: (error) => (error instanceof RangeError ? 'poison' : 'transient'),
    async write(records) {
      if (offsetsOf(records).includes(1)) throw new RangeError('timestamp before 1970');
    },
  });

  await consumer.deliver(partitionBatch(0, 3));

  assert.deepEqual(written, [0, 2]);
  assert.deepEqual(
    producer.sent.map((m) => m.headers?.['primoart.origin.offset']),
    ['1'],
  );
  assert.deepEqual(commitOffsets(consumer.commits), ['3']);
});

test(
  'a partition revoked while a poison record is retried is given up without a commit',
  bounded,
  async () => {
    let poisonFailures = 0;
    const { consumer, producer } = await startTestWorker({
      settings: { poisonAttempts: 5 },
      async write(records) {
        if (offsetsOf(records).includes(1)) {
          if (++poisonFailures === 3) consumer.revoke(testTopic, 0);
          throw new PoisonRecordError('bad record');
        }
      },
    });

    await consumer.deliver(partitionBatch(0, 3));

    assert.equal(producer.sent.length, 0, 'not dead-lettered before its attempts were used up');
    assert.deepEqual(consumer.commits, []);
  },
);

test('a message that cannot be decoded is dead-lettered and the rest written', bounded, async () => {
  const { consumer, producer, kafka, written } = await startTestWorker({
    async decode(message) {
      if (message.offset === '11') throw new PoisonRecordError('unknown schema id 99');
      return String(message.value);
    },
  });

  await consumer.deliver(partitionBatch(10, 4));

  assert.deepEqual(written, [10, 12, 13]);
  assert.deepEqual(
    producer.sent.map((m) => [m.headers?.['primoart.origin.offset'], String(m.value)]),
    [['11', 'value-11']],
  );
  assert.match(producer.sent[0]?.headers?.['primoart.error'] ?? '', /unknown schema id 99/);
  assert.deepEqual(kafka.timeline, ['write 10,12,13', `send ${deadLetterTopic}`, 'commit 14']);
});

test(
  'a dead letter replayed for another group is committed and never written; one for this group is written',
  bounded,
  async () => {
    const { consumer, kafka, written, producer } = await startTestWorker();
    const replayed = (offset: number, group: string) =>
      consumedMessage(offset, {
        headers: { 'primoart.replay.group': group, 'primoart.replay.of': `0:${offset}` },
      });
    await consumer.deliver({
      topic: testTopic,
      partition: 0,
      highWatermark: '23',
      messages: [
        consumedMessage(20),
        replayed(21, 'primoart.baseline'),
        replayed(22, 'primoart.test-worker'),
      ],
    });
    assert.deepEqual(written, [20, 22]);
    assert.deepEqual(kafka.timeline, ['write 20,22', 'commit 23']);
    assert.equal(producer.sent.length, 0, 'nothing dead-lettered');
  },
);

test('a dead letter names the group that dead-lettered it', bounded, async () => {
  const { consumer, producer } = await startTestWorker({
    async decode(message) {
      if (message.offset === '5') throw new PoisonRecordError('unknown schema id 7');
      return String(message.value);
    },
  });
  await consumer.deliver(partitionBatch(5, 1));
  assert.equal(producer.sent[0]?.headers?.['primoart.group'], 'primoart.test-worker');
});

test('a transient decode failure (registry down) is retried, not dead-lettered', bounded, async () => {
  let failuresLeft = 2;
  const { consumer, producer, kafka, written } = await startTestWorker({
    async decode(message) {
      if (message.offset === '11' && failuresLeft-- > 0) throw new Error('schema registry unavailable');
      return String(message.value);
    },
  });

  await consumer.deliver(partitionBatch(10, 4));

  assert.deepEqual(written, [10, 11, 12, 13]);
  assert.equal(producer.sent.length, 0);
  assert.deepEqual(kafka.timeline, ['pause', 'pause', 'write 10,11,12,13', 'commit 14']);
});

test('dead-lettering is retried while the producer fails and the offset waits for it', bounded, async () => {
  const { consumer, producer, kafka } = await startTestWorker({
    async decode(message) {
      if (message.offset === '1') throw new PoisonRecordError('truncated Avro');
      return String(message.value);
    },
  });
  producer.failNextSends(2, new Error('leader not available'));

  await consumer.deliver(partitionBatch(0, 3));

  assert.equal(producer.sendAttempts, 3);
  assert.equal(producer.sent.length, 1);
  // Each failed send pauses the partition; on resume the uncommitted records are written again
  // (idempotently) before the dead letter is retried. The commit waits for the dead letter.
  assert.deepEqual(kafka.timeline, [
    'write 0,2',
    'send failed',
    'pause',
    'write 0,2',
    'send failed',
    'pause',
    'write 0,2',
    `send ${deadLetterTopic}`,
    'commit 3',
  ]);
});

test(
  'a partition revoked while the dead-letter topic is down is given up without a commit',
  bounded,
  async () => {
    const { consumer, producer } = await startTestWorker({
      async decode(message) {
        if (message.offset === '1') throw new PoisonRecordError('truncated Avro');
        return String(message.value);
      },
    });
    producer.failNextSends(1_000, new Error('leader not available'));
    producer.onSendAttempt = (attempt) => {
      if (attempt === 2) consumer.revoke(testTopic, 0);
    };

    await consumer.deliver(partitionBatch(0, 3));

    assert.equal(producer.sendAttempts, 2);
    assert.deepEqual(consumer.commits, []);
  },
);

const poisonAt = (offsets: number[]) => ({
  async decode(message: ConsumedMessage) {
    if (offsets.includes(Number(message.offset))) throw new PoisonRecordError('unreadable');
    return String(message.value);
  },
});

test(
  'the guard calls onFatal when minDeadLetters of the last window were dead-lettered',
  bounded,
  async () => {
    const { consumer, fatalErrors } = await startTestWorker({
      ...poisonAt([1, 4, 7]),
      settings: { guard: { window: 10, minDeadLetters: 3 } },
    });

    await consumer.deliver(partitionBatch(0, 10));

    assert.equal(fatalErrors.length, 1);
    assert.match(fatalErrors[0]?.message ?? '', /3 of the last 10 records were dead-lettered/);
  },
);

test('the guard stays quiet below minDeadLetters', bounded, async () => {
  const { consumer, fatalErrors, producer } = await startTestWorker({
    ...poisonAt([1, 4]),
    settings: { guard: { window: 10, minDeadLetters: 3 } },
  });

  await consumer.deliver(partitionBatch(0, 10));

  assert.equal(producer.sent.length, 2);
  assert.deepEqual(fatalErrors, []);
});

test('the guard calls onFatal only once however many records follow', bounded, async () => {
  const { consumer, fatalErrors, producer } = await startTestWorker({
    ...poisonAt([0, 1, 2, 3, 4, 5]),
    settings: { guard: { window: 10, minDeadLetters: 2 } },
  });

  await consumer.deliver(partitionBatch(0, 10));

  assert.equal(producer.sent.length, 6);
  assert.equal(fatalErrors.length, 1);
});

test('the guard only counts the last window records', bounded, async () => {
  const settings = { guard: { window: 4, minDeadLetters: 2 } };
  const slidOut = await startTestWorker({ ...poisonAt([0, 5]), settings });
  await slidOut.consumer.deliver(partitionBatch(0, 1));
  await slidOut.consumer.deliver(partitionBatch(1, 4));
  await slidOut.consumer.deliver(partitionBatch(5, 1));
  assert.deepEqual(slidOut.fatalErrors, [], 'the first dead letter left the window of 4');

  const within = await startTestWorker({ ...poisonAt([0, 3]), settings });
  await within.consumer.deliver(partitionBatch(0, 1));
  await within.consumer.deliver(partitionBatch(1, 2));
  await within.consumer.deliver(partitionBatch(3, 1));
  assert.equal(within.fatalErrors.length, 1, '2 of the last 4 were dead-lettered');
});

test('once the guard tripped, the following chunks are neither written nor committed', bounded, async () => {
  const { consumer, fatalErrors, written } = await startTestWorker({
    ...poisonAt([0, 1]),
    settings: {
      batch: { maxRecords: 2, maxBytes: 1024 * 1024, maxWaitMs: 10 },
      guard: { window: 10, minDeadLetters: 2 },
    },
  });

  await consumer.deliver(partitionBatch(0, 6));

  assert.equal(fatalErrors.length, 1);
  assert.deepEqual(written, []);
  assert.deepEqual(commitOffsets(consumer.commits), ['2']);
});

const chunkOffsets = (chunks: ConsumedMessage[][]) =>
  chunks.map((chunk) => chunk.map((m) => Number(m.offset)));

test('chunkMessages splits by record count', () => {
  const { messages } = partitionBatch(0, 5);
  assert.deepEqual(chunkOffsets(chunkMessages(messages, { maxRecords: 2, maxBytes: 1024 })), [
    [0, 1],
    [2, 3],
    [4],
  ]);
});

test('chunkMessages splits by key + value bytes, a chunk may fill the limit exactly', () => {
  // Each test message is 5 key bytes + 7 value bytes = 12 bytes.
  const { messages } = partitionBatch(0, 5);
  assert.deepEqual(chunkOffsets(chunkMessages(messages, { maxRecords: 100, maxBytes: 24 })), [
    [0, 1],
    [2, 3],
    [4],
  ]);
  assert.deepEqual(chunkOffsets(chunkMessages(messages, { maxRecords: 100, maxBytes: 23 })), [
    [0],
    [1],
    [2],
    [3],
    [4],
  ]);
});

test('chunkMessages puts a message larger than maxBytes alone in its own chunk', () => {
  const messages = [
    consumedMessage(0),
    consumedMessage(1, { value: Buffer.alloc(100) }),
    consumedMessage(2),
    consumedMessage(3),
  ];
  assert.deepEqual(chunkOffsets(chunkMessages(messages, { maxRecords: 100, maxBytes: 30 })), [
    [0],
    [1],
    [2, 3],
  ]);
  assert.deepEqual(
    chunkOffsets(
      chunkMessages([consumedMessage(7, { value: Buffer.alloc(100) })], { maxRecords: 10, maxBytes: 30 }),
    ),
    [[7]],
  );
});

test('the harness writes and commits chunk by chunk', bounded, async () => {
  const { consumer, kafka } = await startTestWorker({
    settings: { batch: { maxRecords: 2, maxBytes: 1024 * 1024, maxWaitMs: 10 } },
  });

  await consumer.deliver(partitionBatch(0, 5));

  assert.deepEqual(kafka.timeline, ['write 0,1', 'commit 2', 'write 2,3', 'commit 4', 'write 4', 'commit 5']);
});

test('the written metric counts only records the store confirmed', bounded, async () => {
  const { consumer, metrics } = await startTestWorker({
    async write(records) {
      if (offsetsOf(records).includes(1)) throw new PoisonRecordError('bad record');
    },
  });

  await consumer.deliver(partitionBatch(0, 4));

  const written = await metrics.getSingleMetric('primoart_worker_written_total')?.get();
  assert.equal(written?.values[0]?.value, 3, '3 of the 4 records were written, one was dead-lettered');
});

test(
  'every counter is exported at 0 before the first message, so the first dead letter is a rise',
  bounded,
  async () => {
    const { metrics } = await startTestWorker();
    for (const name of ['consumed', 'written', 'retries', 'dead_lettered']) {
      const counter = await metrics.getSingleMetric(`primoart_worker_${name}_total`)?.get();
      assert.deepEqual(
        counter?.values.map(({ labels, value }) => ({ labels, value })),
        [{ labels: { worker: 'test-worker', topic: testTopic }, value: 0 }],
        name,
      );
    }
  },
);
