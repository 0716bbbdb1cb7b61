// What a write emits and what a worker does now and then, against an in-memory Kafka: the harness
// produces a write's output before it commits (Arroyo's Produce step), a failed produce means no
// commit and a retry, and periodic tasks run in turn with the writes, their output produced too.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { PoisonRecordError } from '../../../topics/poison-record.ts';
import {
  type DecodedRecord,
  type Output,
  type PeriodicTask,
  partsBelow,
  startWorker,
} from '../../../workers/harness.ts';
import { FakeKafka, partitionBatch } from './fake-kafka.ts';

const testTopic = 'primoart.test.results';
const outputTopic = { name: 'primoart.test.output', maxMessageBytes: 64 };
const bounded = { timeout: 5_000 };

const runningWorkers: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(runningWorkers.splice(0).map((worker) => worker.stop()));
});

async function startOutputWorker(options: {
  write(records: Array<DecodedRecord<string>>): Promise<Output | undefined>;
  periodic?: PeriodicTask[];
  exclusive?: boolean;
}) {
  const kafka = new FakeKafka();
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line).msg) });
  const worker = await startWorker<string>(
    {
      name: 'test-worker',
      topics: [testTopic],
      decode: async (message) => String(message.value),
      write: options.write,
      ...(options.periodic === undefined ? {} : { periodic: options.periodic }),
      ...(options.exclusive === undefined ? {} : { exclusive: options.exclusive }),
    },
    {
      groupId: 'primoart.test-worker',
      deadLetterTopic: 'primoart.test.dead-letters',
      batch: { maxRecords: 100, maxBytes: 1024 * 1024, maxWaitMs: 10 },
      retry: { initialMs: 2, maxMs: 8 },
      poisonAttempts: 3,
      guard: { window: 100, minDeadLetters: 100 },
      fromBeginning: true,
    },
    { kafka, logger, metrics: new Registry(), onFatal: () => {} },
  );
  runningWorkers.push(worker);
  const consumer = kafka.consumers[0];
  const producer = kafka.producers[0];
  assert.ok(consumer && producer);
  return { kafka, worker, consumer, producer, warnings };
}

/** A task that runs every millisecond from the moment the worker joined. */
const everyMs = (run: () => Promise<void>): PeriodicTask => ({
  name: 'test check',
  everyMs: 1,
  startNow: true,
  async run() {
    await run();
    return undefined;
  },
});

const outputOf = (records: Array<DecodedRecord<string>>, produced?: () => void): Output => ({
  messages: records.map(({ record }) => ({
    topic: outputTopic,
    key: record,
    value: Buffer.from(`out-${record}`),
    headers: { 'primoart.test': 'yes' },
  })),
  ...(produced === undefined ? {} : { produced }),
});

test(
  'a write’s output is produced, then produced() is called, then the offsets are committed',
  bounded,
  async () => {
    const { kafka, consumer, producer } = await startOutputWorker({
      async write(records) {
        kafka.timeline.push(`write ${records.length}`);
        return outputOf(records, () => kafka.timeline.push('produced'));
      },
    });
    await consumer.deliver(partitionBatch(0, 2));
    assert.deepEqual(kafka.timeline, [
      'write 2',
      `send ${outputTopic.name}`,
      `send ${outputTopic.name}`,
      'produced',
      'commit 2',
    ]);
    assert.deepEqual(
      producer.sent.map(({ topic, key, value, headers }) => [topic, key, String(value), headers]),
      [
        [outputTopic.name, 'value-0', 'out-value-0', { 'primoart.test': 'yes' }],
        [outputTopic.name, 'value-1', 'out-value-1', { 'primoart.test': 'yes' }],
      ],
    );
  },
);

test('a failed produce means no commit, no produced(), and the batch written again', bounded, async () => {
  let writes = 0;
  let producedCalls = 0;
  const { kafka, consumer, producer } = await startOutputWorker({
    async write(records) {
      writes++;
      kafka.timeline.push('write');
      return outputOf(records, () => {
        producedCalls++;
      });
    },
  });
  // Even an error a worker's classify would call poison: Kafka failing is never the records' fault.
  producer.failNextSends(1, new PoisonRecordError('looks like poison, but it is the broker'));
  await consumer.deliver(partitionBatch(0, 1));
  assert.deepEqual(kafka.timeline, [
    'write',
    'send failed',
    'pause',
    'write',
    `send ${outputTopic.name}`,
    'commit 1',
  ]);
  assert.equal(writes, 2);
  assert.equal(producedCalls, 1);
  assert.equal(consumer.commits.length, 1);
});

test(
  'produced() failing (the state kept after the output) is retried, never dead-lettered',
  bounded,
  async () => {
    let producedCalls = 0;
    const { kafka, consumer, producer } = await startOutputWorker({
      async write(records) {
        kafka.timeline.push('write');
        return outputOf(records, () => {
          producedCalls++;
          // What a worker's classify would call poison: the records' output is already out, so
          // splitting them off to the dead letters would lose them.
          // More failures than the harness's poison attempts (3), then it works.
          if (producedCalls <= 3) throw new PoisonRecordError('state file not saved');
        });
      },
    });
    await consumer.deliver(partitionBatch(0, 1));
    assert.equal(producedCalls, 4);
    assert.equal(consumer.commits.length, 1);
    assert.deepEqual(
      producer.sent.filter(({ topic }) => topic !== outputTopic.name),
      [],
      'nothing dead-lettered',
    );
    assert.equal(kafka.timeline.filter((entry) => entry === 'write').length, 4);
  },
);

test('a write without output commits as before', bounded, async () => {
  const { kafka, consumer, producer } = await startOutputWorker({
    async write() {
      kafka.timeline.push('write');
      return undefined;
    },
  });
  await consumer.deliver(partitionBatch(0, 3));
  assert.deepEqual(kafka.timeline, ['write', 'commit 3']);
  assert.equal(producer.sendAttempts, 0);
});

test('output is sent in parts below half the topic’s message limit', () => {
  const messages = [10, 10, 10, 40, 5].map((size) => ({ value: Buffer.alloc(size) }));
  assert.deepEqual(
    partsBelow(messages, 32).map((part) => part.map((m) => m.value.length)),
    [[10, 10, 10], [40], [5]],
  );
});

test(
  'a periodic task runs after the worker joined, its output produced; a failure is logged and retried',
  bounded,
  async () => {
    let runs = 0;
    const { producer, warnings } = await startOutputWorker({
      async write() {
        return undefined;
      },
      periodic: [
        {
          name: 'test check',
          everyMs: 5,
          startNow: true,
          async run() {
            runs++;
            if (runs === 1) throw new Error('store busy');
            return {
              messages: [{ topic: outputTopic, key: `run-${runs}`, value: Buffer.from('x') }],
            };
          },
        },
      ],
    });
    while (producer.sent.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(producer.sent[0]?.key, 'run-2');
    assert.ok(warnings.includes('test check failed; will try again'), JSON.stringify(warnings));
  },
);

test('an exclusive worker never runs a periodic task while a write is in flight', bounded, async () => {
  let active = 0;
  let overlapped = false;
  let taskRuns = 0;
  const busy = async () => {
    active++;
    if (active > 1) overlapped = true;
    await new Promise((resolve) => setTimeout(resolve, 3));
    active--;
  };
  const { consumer } = await startOutputWorker({
    exclusive: true,
    async write() {
      await busy();
      return undefined;
    },
    periodic: [
      everyMs(async () => {
        taskRuns++;
        await busy();
      }),
    ],
  });
  for (let i = 0; i < 20; i++) await consumer.deliver(partitionBatch(i, 1));
  assert.ok(taskRuns > 0);
  assert.equal(overlapped, false);
});

test(
  'a periodic task asks whether it is due before its turn: a slow answer holds no write back',
  bounded,
  async () => {
    let answer: (due: boolean) => void = () => {};
    let asked = false;
    let runs = 0;
    const { consumer } = await startOutputWorker({
      exclusive: true,
      async write() {
        return undefined;
      },
      periodic: [
        {
          name: 'slow check',
          everyMs: 60_000,
          startNow: true,
          due: () => {
            asked = true;
            return new Promise<boolean>((resolve) => {
              answer = resolve;
            });
          },
          async run() {
            runs++;
            return undefined;
          },
        },
      ],
    });
    while (!asked) await new Promise((resolve) => setTimeout(resolve, 1));
    // The question is still open: the writes go on and commit meanwhile.
    await consumer.deliver(partitionBatch(0, 1));
    await consumer.deliver(partitionBatch(1, 1));
    assert.equal(consumer.commits.length, 2);
    assert.equal(runs, 0);
    answer(true);
    while (runs === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal(runs, 1);
  },
);

test('stop() stops the periodic tasks: nothing runs after it', bounded, async () => {
  let runs = 0;
  const { worker } = await startOutputWorker({
    async write() {
      return undefined;
    },
    periodic: [
      everyMs(async () => {
        runs++;
      }),
    ],
  });
  while (runs === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  await worker.stop();
  const after = runs;
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(runs, after);
});
