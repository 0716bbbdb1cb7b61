// The one consume → decode → write → commit loop every worker runs.
//
// A worker supplies how to decode a message and how to write a batch idempotently; the harness
// owns the rest, once for all: batching, retries with backoff while a store is down (lag grows,
// nothing is lost), bisecting a failed batch to find the record that cannot be written,
// dead-lettering that record with its error and origin, producing what a write emits (its output)
// before committing, committing offsets only after the store and Kafka confirmed, a guard that
// stops the worker when most records fail (the worker is broken, not the data), periodic tasks,
// and graceful hand-back of partitions on shutdown or rebalance. Steps as in Sentry's Arroyo:
// decode → write → produce → commit.
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type Repeating, repeatEvery } from '../core/repeat.ts';
import { defaultGroupOf } from '../topics/acls.ts';
import { topics } from '../topics/catalog.ts';
import { deadLetterHeaders, replayedForAnotherGroup } from '../topics/dead-letters.ts';
import type {
  BatchControl,
  ConsumedMessage,
  Consumer,
  KafkaConnection,
  PartitionBatch,
  Producer,
} from '../topics/port.ts';
import { classifyFailure, describeError, type FailureKind } from './failures.ts';
import { batchSchema, type HarnessSection, retrySchema } from './worker-config.ts';

export interface DecodedRecord<T> {
  message: ConsumedMessage;
  record: T;
}

/** One message a worker emits, already encoded, to a topic of the catalog. */
export interface OutputMessage {
  topic: { name: string; maxMessageBytes: number };
  key: string;
  value: Buffer;
  headers?: Record<string, string>;
}

/** What a write (or a periodic task) emits: produced by the harness before it commits. */
export interface Output {
  messages: OutputMessage[];
  /**
   * Called once Kafka acknowledged every message, before the offsets are committed: what must not
   * be kept unless the output went out (the event detector's state) is kept here.
   */
  produced?(): void;
}

/** Work a worker does now and then besides its input (a no-data check, a heartbeat watch). */
export interface PeriodicTask {
  /** Names the task in its log lines: "<name> failed; will try again". */
  name: string;
  everyMs: number;
  /** Run once as soon as the worker joined its group; default: first after `everyMs`. */
  startNow?: boolean;
  /**
   * Whether to run this time, asked before the task waits for its turn: a slow question (one to
   * Kafka's admin API) must not hold an `exclusive` worker's writes back. Default: always.
   */
  due?(): Promise<boolean>;
  /** Logged and tried again next time when it fails; its output is produced like a write's. */
  run(): Promise<Output | undefined>;
}

export interface WorkerDefinition<T> {
  /** Also the consumer group id suffix and the `worker` label of every metric. */
  name: string;
  topics: string[];
  /**
   * Turn a message into a record. Throw PoisonRecordError for a message that can never be read
   * (it is dead-lettered); any other error is taken as passing (registry down) and retried.
   */
  decode(message: ConsumedMessage): Promise<T>;
  /**
   * Write idempotently; resolve only once the store confirmed, with what the records made the
   * worker emit (produced, acknowledged and `produced()` called before the offsets are committed).
   */
  write(records: Array<DecodedRecord<T>>): Promise<Output | undefined> | Promise<void>;
  /** Override the default transient/poison classification of write errors. */
  classify?(error: unknown): FailureKind;
  /** Started once the worker joined its group, stopped before it hands back its partitions. */
  periodic?: PeriodicTask[];
  /**
   * One write or periodic task at a time, each with its produce step (a worker judging from one
   * in-memory state, whose batches of different partitions must not interleave).
   */
  exclusive?: boolean;
}

/** Consecutive parts whose values add up to at most `limit` bytes (a bigger value goes alone). */
export function partsBelow<T extends { value: Buffer }>(messages: T[], limit: number): T[][] {
  const parts: T[][] = [];
  let part: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    if (part.length > 0 && bytes + message.value.length > limit) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(message);
    bytes += message.value.length;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/**
 * Producing an output failed (Kafka down or slow), or keeping what depended on it did (`produced()`:
 * the event detector's state file): never the records' fault, so always retried, never
 * dead-lettered — a record whose output is already out must not be split off as poison.
 */
class OutputNotProduced extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}: ${describeError(cause)}`, { cause });
    this.name = 'OutputNotProduced';
  }
}

/**
 * The Produce step: an output's messages (in parts Kafka takes), acknowledged, then `produced()`
 * so the worker keeps what depended on them. The harness runs it after each write and periodic
 * task, before committing.
 */
export async function produceOutput(
  producer: Pick<Producer, 'send'>,
  output: Output | undefined,
): Promise<void> {
  if (output === undefined) return;
  const byTopic = new Map<string, OutputMessage[]>();
  for (const message of output.messages) {
    const list = byTopic.get(message.topic.name) ?? [];
    list.push(message);
    byTopic.set(message.topic.name, list);
  }
  try {
    for (const [topic, messages] of byTopic) {
      // Kafka refuses a partition's batch over the topic's max.message.bytes; half of it leaves
      // headroom for keys and record framing.
      const limit = (messages[0]?.topic.maxMessageBytes ?? 0) / 2;
      for (const part of partsBelow(messages, limit)) {
        await producer.send([
          {
            topic,
            messages: part.map(({ key, value, headers }) => ({
              key,
              value,
              ...(headers === undefined ? {} : { headers }),
            })),
          },
        ]);
      }
    }
  } catch (error) {
    throw new OutputNotProduced('output not produced', error);
  }
  try {
    output.produced?.();
  } catch (error) {
    throw new OutputNotProduced('output produced, but not kept', error);
  }
}

export interface HarnessSettings {
  groupId: string;
  deadLetterTopic: string;
  batch: { maxRecords: number; maxBytes: number; maxWaitMs: number };
  retry: { initialMs: number; maxMs: number };
  /** A record that fails as poison this many times in a row is dead-lettered. */
  poisonAttempts: number;
  /** Stop the worker when at least `minDeadLetters` of the last `window` records were dead-lettered. */
  guard: { window: number; minDeadLetters: number };
  fromBeginning: boolean;
}

// The batch and retry defaults are the config section's (worker-config.ts), stated once there.
const defaultBatch = batchSchema.parse(undefined);
const defaultRetry = retrySchema.parse(undefined);

export const defaultHarnessSettings: Omit<HarnessSettings, 'groupId' | 'deadLetterTopic'> = {
  batch: {
    maxRecords: defaultBatch.max_records,
    maxBytes: defaultBatch.max_bytes,
    maxWaitMs: defaultBatch.max_wait_ms,
  },
  retry: { initialMs: defaultRetry.initial_ms, maxMs: defaultRetry.max_ms },
  poisonAttempts: 3,
  guard: { window: 100, minDeadLetters: 50 },
  fromBeginning: true,
};

export interface HarnessDeps {
  kafka: KafkaConnection;
  logger: Logger;
  metrics: Registry;
  /** Called once when the worker must stop itself (the guard tripped); the process exits non-zero. */
  onFatal(error: Error): void;
}

export interface RunningWorker {
  joined(): Promise<void>;
  stop(): Promise<void>;
  assignment(): Array<{ topic: string; partition: number }>;
}

function workerMetrics(registry: Registry) {
  const labelNames = ['worker', 'topic'] as const;
  return {
    consumed: new Counter({
      name: 'primoart_worker_consumed_total',
      help: 'Messages consumed',
      labelNames,
      registers: [registry],
    }),
    written: new Counter({
      name: 'primoart_worker_written_total',
      help: 'Records the store confirmed',
      labelNames,
      registers: [registry],
    }),
    retried: new Counter({
      name: 'primoart_worker_retries_total',
      help: 'Write attempts retried after a transient failure',
      labelNames,
      registers: [registry],
    }),
    passedOver: new Counter({
      name: 'primoart_worker_passed_over_total',
      help: 'Replayed dead letters meant for another consumer group, committed without being written',
      labelNames,
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'primoart_worker_dead_lettered_total',
      help: 'Messages sent to the dead-letter topic',
      labelNames,
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'primoart_worker_batch_seconds',
      help: 'Time from taking a batch to committing it',
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'primoart_worker_lag',
      help: 'Messages behind the partition end, as of the last batch',
      labelNames: ['worker', 'topic', 'partition'],
      registers: [registry],
    }),
  };
}

/** Split a partition's messages into write batches bounded by count and bytes. */
export function chunkMessages(messages: ConsumedMessage[], limits: { maxRecords: number; maxBytes: number }) {
  const chunks: ConsumedMessage[][] = [];
  let current: ConsumedMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = (message.value?.length ?? 0) + (message.key?.length ?? 0);
    if (current.length > 0 && (current.length >= limits.maxRecords || bytes + size > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const nextOffset = (message: ConsumedMessage): string => (BigInt(message.offset) + 1n).toString();

export async function startWorker<T>(
  definition: WorkerDefinition<T>,
  settings: HarnessSettings,
  deps: HarnessDeps,
): Promise<RunningWorker> {
  const { logger } = deps;
  const metrics = workerMetrics(deps.metrics);
  const userClassify = definition.classify ?? classifyFailure;
  const classify = (error: unknown): FailureKind =>
    error instanceof OutputNotProduced ? 'transient' : userClassify(error);
  const recentOutcomes: boolean[] = []; // true = dead-lettered
  let fatal: Error | null = null;

  const producer: Producer = await deps.kafka.producer();
  const consumer: Consumer = await deps.kafka.consumer({
    groupId: settings.groupId,
    topics: definition.topics,
    fromBeginning: settings.fromBeginning,
    maxBytesPerPartition: settings.batch.maxBytes,
    // Batching by time: the broker holds a fetch until this much data is there or maxWaitMs passed.
    minBytes: Math.min(settings.batch.maxBytes, 256 * 1024),
    maxWaitMs: settings.batch.maxWaitMs,
    // A consumer kafkajs will not restart: exit (a supervisor starts the worker again, from the last
    // committed offset) rather than run on consuming nothing.
    onDead: (error) => {
      if (fatal !== null) return;
      fatal = new Error(`the Kafka consumer stopped for good: ${error.message}`);
      logger.error({ err: error }, 'the Kafka consumer stopped and kafkajs will not restart it; exiting');
      deps.onFatal(fatal);
    },
  });

  // Writes and periodic tasks of an `exclusive` worker run one at a time, each with its produce step.
  let queue: Promise<unknown> = Promise.resolve();
  function inTurn<R>(work: () => Promise<R>): Promise<R> {
    if (definition.exclusive !== true) return work();
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  }

  const produce = (output: Output | undefined) => produceOutput(producer, output);

  const writeAndProduce = (records: Array<DecodedRecord<T>>): Promise<void> =>
    // A write with nothing to emit resolves to nothing (void): no Produce step.
    inTurn(async () => produce((await definition.write(records)) ?? undefined));

  const labels = (topic: string) => ({ worker: definition.name, topic });
  // Every counter exists at 0 from the start: an increase() over a series that first appears at 1
  // has no earlier sample to rise from, and the first dead letter would go unnoticed.
  for (const topic of definition.topics) {
    for (const counter of [
      metrics.consumed,
      metrics.written,
      metrics.retried,
      metrics.deadLettered,
      metrics.passedOver,
    ]) {
      counter.inc(labels(topic), 0);
    }
  }
  // Which partitions this instance holds: with several instances on one group, where they went.
  new Gauge({
    name: 'primoart_worker_assigned',
    help: '1 for each partition currently assigned to this worker instance',
    labelNames: ['worker', 'topic', 'partition'],
    registers: [deps.metrics],
    collect() {
      this.reset();
      for (const { topic, partition } of consumer.assignment()) {
        this.set({ worker: definition.name, topic, partition: String(partition) }, 1);
      }
    },
  });
  const setLag = (batch: PartitionBatch, nextToRead: string) =>
    metrics.lag.set(
      { worker: definition.name, topic: batch.topic, partition: String(batch.partition) },
      Math.max(0, Number(batch.highWatermark) - Number(nextToRead)),
    );

  /**
   * Retry bookkeeping per partition. A failure that may pass (store or registry down) pauses the
   * partition and returns; when it resumes, Kafka hands back everything after the last commit and
   * the work is tried again. Nothing sleeps in the poll loop, and other partitions keep flowing.
   */
  const retries = new Map<string, { attempt: number }>();
  const retryStateOf = (topic: string, partition: number) => {
    const key = `${topic}/${partition}`;
    let state = retries.get(key);
    if (state === undefined) {
      state = { attempt: 0 };
      retries.set(key, state);
    }
    return state;
  };

  function pauseForRetry(control: BatchControl, state: { attempt: number }): void {
    const delay = Math.min(settings.retry.maxMs, settings.retry.initialMs * 2 ** Math.min(state.attempt, 16));
    state.attempt++;
    control.pauseFor(delay);
  }

  function recordOutcome(deadLettered: boolean): void {
    recentOutcomes.push(deadLettered);
    if (recentOutcomes.length > settings.guard.window) recentOutcomes.shift();
    const count = recentOutcomes.filter(Boolean).length;
    if (count >= settings.guard.minDeadLetters && fatal === null) {
      fatal = new Error(
        `${definition.name}: ${count} of the last ${recentOutcomes.length} records were dead-lettered; ` +
          'stopping instead of dead-lettering the whole stream (the worker or its store is likely broken)',
      );
      deps.onFatal(fatal);
    }
  }

  /** Dead-letter one message; false when Kafka did not take it (the partition then retries later). */
  async function deadLetter(message: ConsumedMessage, error: unknown): Promise<boolean> {
    const description = describeError(error).slice(0, 4096);
    try {
      await producer.send([
        {
          topic: settings.deadLetterTopic,
          messages: [
            {
              key: message.key,
              value: message.value ?? Buffer.alloc(0),
              headers: {
                ...message.headers,
                [deadLetterHeaders.error]: description,
                [deadLetterHeaders.kind]: 'poison',
                [deadLetterHeaders.worker]: definition.name,
                [deadLetterHeaders.group]: settings.groupId,
                [deadLetterHeaders.topic]: message.topic,
                [deadLetterHeaders.partition]: String(message.partition),
                [deadLetterHeaders.offset]: message.offset,
                [deadLetterHeaders.failedAt]: new Date().toISOString(),
              },
            },
          ],
        },
      ]);
    } catch (sendError) {
      logger.warn({ err: describeError(sendError) }, 'dead-letter topic unavailable; will retry');
      return false;
    }
    logger.error(
      { topic: message.topic, partition: message.partition, offset: message.offset, err: description },
      'dead-lettered a message that cannot be processed',
    );
    metrics.deadLettered.inc(labels(message.topic));
    recordOutcome(true);
    return true;
  }

  /**
   * Write records; 'done' once the store confirmed every record that can be written. A poison
   * failure splits the batch to isolate the bad record, which is dead-lettered once it has failed
   * `poisonAttempts` times in a row; any other failure is 'retry' (lag, never loss): the partition
   * pauses, and the uncommitted records are written again (idempotently) when it resumes.
   */
  async function writeReliably(
    records: Array<DecodedRecord<T>>,
    control: BatchControl,
  ): Promise<'done' | 'retry' | 'lost'> {
    if (records.length === 0) return 'done';
    const topic = records[0]?.message.topic ?? '';
    try {
      await writeAndProduce(records);
    } catch (error) {
      metrics.retried.inc(labels(topic));
      if (classify(error) !== 'poison') {
        logger.warn({ err: describeError(error), records: records.length }, 'write failed; will retry');
        return 'retry';
      }
      if (records.length > 1) {
        const middle = Math.ceil(records.length / 2);
        const first = await writeReliably(records.slice(0, middle), control);
        return first === 'done' ? writeReliably(records.slice(middle), control) : first;
      }
      // One record failed as poison: try it alone a few times at once (a misclassified hiccup passes),
      // then set it aside.
      const only = records[0] as DecodedRecord<T>;
      let lastError = error;
      for (let attempt = 2; attempt <= settings.poisonAttempts; attempt++) {
        if (!control.stillAssigned()) return 'lost';
        try {
          await writeAndProduce(records);
          metrics.written.inc(labels(topic), 1);
          recordOutcome(false);
          return 'done';
        } catch (again) {
          if (classify(again) !== 'poison') return 'retry';
          lastError = again;
        }
      }
      if (!control.stillAssigned()) return 'lost';
      return (await deadLetter(only.message, lastError)) ? 'done' : 'retry';
    }
    metrics.written.inc(labels(topic), records.length);
    for (let i = 0; i < records.length; i++) recordOutcome(false);
    return 'done';
  }

  /**
   * Decode a chunk. A message that can never be read is set aside for the dead-letter topic; a
   * failure that may pass (the registry is down) makes the whole chunk wait, like a store outage.
   */
  async function decodeChunk(chunk: ConsumedMessage[]) {
    const decoded: Array<DecodedRecord<T>> = [];
    const unreadable: Array<{ message: ConsumedMessage; error: unknown }> = [];
    for (const message of chunk) {
      // A dead letter `primoart dlq replay` sent back for another group's worker: committed with
      // the chunk, never written here.
      if (replayedForAnotherGroup(message, settings.groupId)) {
        metrics.passedOver.inc(labels(message.topic));
        continue;
      }
      try {
        decoded.push({ message, record: await definition.decode(message) });
      } catch (error) {
        if (classifyFailure(error) === 'poison') unreadable.push({ message, error });
        else {
          logger.warn({ err: describeError(error) }, 'decoding failed; will retry');
          metrics.retried.inc(labels(message.topic));
          return undefined;
        }
      }
    }
    return { decoded, unreadable };
  }

  async function handleBatch(batch: PartitionBatch, control: BatchControl): Promise<void> {
    const state = retryStateOf(batch.topic, batch.partition);
    // Lag as of now, also while a store outage keeps this batch from being committed.
    const first = batch.messages[0];
    if (first !== undefined) setLag(batch, first.offset);
    for (const chunk of chunkMessages(batch.messages, settings.batch)) {
      if (!control.stillAssigned() || fatal) return;
      const stopTimer = metrics.batchSeconds.startTimer(labels(batch.topic));
      metrics.consumed.inc(labels(batch.topic), chunk.length);
      const read = await decodeChunk(chunk);
      if (read === undefined) return pauseForRetry(control, state);
      const written = await writeReliably(read.decoded, control);
      if (written === 'lost') return;
      if (written === 'retry') return pauseForRetry(control, state);
      for (const { message, error } of read.unreadable) {
        if (!(await deadLetter(message, error))) return pauseForRetry(control, state);
      }
      const last = chunk[chunk.length - 1] as ConsumedMessage;
      await control.commit(nextOffset(last));
      state.attempt = 0;
      setLag(batch, nextOffset(last));
      stopTimer();
    }
  }

  /** A periodic task: run in turn with the writes, its output produced; a failure waits for the next time. */
  function startTask(task: PeriodicTask): Repeating {
    const runOnce = async (): Promise<void> => {
      try {
        if (task.due !== undefined && !(await task.due())) return;
        await inTurn(async () => produce(await task.run()));
      } catch (error) {
        logger.warn({ err: describeError(error) }, `${task.name} failed; will try again`);
      }
    };
    if (task.startNow === true) return repeatEvery(task.everyMs, runOnce);
    let stopped = false;
    let repeating: Repeating | undefined;
    const first = setTimeout(() => {
      if (!stopped) repeating = repeatEvery(task.everyMs, runOnce);
    }, task.everyMs);
    return {
      async stop() {
        stopped = true;
        clearTimeout(first);
        await repeating?.stop();
      },
    };
  }

  await consumer.run(handleBatch);
  logger.info({ group: settings.groupId, topics: definition.topics }, 'worker consuming');
  let tasks: Repeating[] = [];
  let stopping = false;
  const joined = consumer.joined().then(() => {
    if (!stopping) tasks = (definition.periodic ?? []).map(startTask);
  });

  return {
    joined: () => joined,
    assignment: () => consumer.assignment(),
    async stop() {
      stopping = true;
      await Promise.all(tasks.map((task) => task.stop()));
      await consumer.stop();
      await producer.disconnect();
    },
  };
}

/** The consumer group a worker runs with: its section's `group_id`, else `primoart.<worker>`. */
export const groupIdOf = (worker: string, section: { group_id?: string | undefined } | undefined): string =>
  section?.group_id ?? defaultGroupOf(worker);

/** Harness settings from a worker's config section, with the harness defaults for the rest. */
export function harnessSettingsFor(worker: string, section: HarnessSection): HarnessSettings {
  return {
    ...defaultHarnessSettings,
    groupId: groupIdOf(worker, section),
    deadLetterTopic: topics.deadLetters.name,
    batch: {
      maxRecords: section.batch.max_records,
      maxBytes: section.batch.max_bytes,
      maxWaitMs: section.batch.max_wait_ms,
    },
    retry: { initialMs: section.retry.initial_ms, maxMs: section.retry.max_ms },
  };
}
