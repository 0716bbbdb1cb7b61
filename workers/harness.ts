// The one consume → decode → write → commit loop every worker runs.
//
// A worker supplies how to decode a message and how to write a batch idempotently; the harness
// owns the rest, once for all: batching, retries with backoff while a store is down (lag grows,
// nothing is lost), bisecting a failed batch to find the record that cannot be written,
// dead-lettering that record with its error and origin, committing offsets only after the store
// confirmed, a guard that stops the worker when most records fail (the worker is broken, not the
// data), and graceful hand-back of partitions on shutdown or rebalance.
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { WorkerConfig } from '../core/config-schema.ts';
import { topics } from '../topics/catalog.ts';
import type {
  BatchControl,
  ConsumedMessage,
  Consumer,
  KafkaConnection,
  PartitionBatch,
  Producer,
} from '../topics/port.ts';
import { classifyFailure, describeError, type FailureKind } from './failures.ts';

export interface DecodedRecord<T> {
  message: ConsumedMessage;
  record: T;
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
  /** Write idempotently; resolve only once the store confirmed. */
  write(records: Array<DecodedRecord<T>>): Promise<void>;
  /** Override the default transient/poison classification of write errors. */
  classify?(error: unknown): FailureKind;
}

export interface HarnessSettings {
  groupId: string;
  deadLetterTopic: string;
  batch: { maxRecords: number; maxBytes: number };
  retry: { initialMs: number; maxMs: number };
  /** A record that fails as poison this many times in a row is dead-lettered. */
  poisonAttempts: number;
  /** Stop the worker when at least `minDeadLetters` of the last `window` records were dead-lettered. */
  guard: { window: number; minDeadLetters: number };
  fromBeginning: boolean;
}

export const defaultHarnessSettings: Omit<HarnessSettings, 'groupId' | 'deadLetterTopic'> = {
  batch: { maxRecords: 500, maxBytes: 8 * 1024 * 1024 },
  retry: { initialMs: 200, maxMs: 10_000 },
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

export const deadLetterHeaders = {
  error: 'primoart.error',
  kind: 'primoart.error.kind',
  worker: 'primoart.worker',
  topic: 'primoart.origin.topic',
  partition: 'primoart.origin.partition',
  offset: 'primoart.origin.offset',
  failedAt: 'primoart.failed_at',
} as const;

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
  const classify = definition.classify ?? classifyFailure;
  const recentOutcomes: boolean[] = []; // true = dead-lettered
  let fatal: Error | null = null;

  const producer: Producer = await deps.kafka.producer();
  const consumer: Consumer = await deps.kafka.consumer({
    groupId: settings.groupId,
    topics: definition.topics,
    fromBeginning: settings.fromBeginning,
    maxBytesPerPartition: settings.batch.maxBytes,
  });

  const labels = (topic: string) => ({ worker: definition.name, topic });

  /** Sleep in short steps so a stop or revocation is noticed and the group membership stays alive. */
  async function backoff(attempt: number, control: BatchControl): Promise<boolean> {
    const delay = Math.min(settings.retry.maxMs, settings.retry.initialMs * 2 ** Math.min(attempt, 16));
    const until = Date.now() + delay;
    while (Date.now() < until) {
      if (!control.stillAssigned() || fatal) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, until - Date.now())));
      await control.heartbeat().catch(() => undefined);
    }
    return control.stillAssigned() && !fatal;
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

  /** Dead-letter one message; retried until Kafka takes it, because the offset is committed after. */
  async function deadLetter(
    message: ConsumedMessage,
    error: unknown,
    control: BatchControl,
  ): Promise<boolean> {
    const description = describeError(error).slice(0, 4096);
    logger.error(
      { topic: message.topic, partition: message.partition, offset: message.offset, err: description },
      'dead-lettering a message that cannot be processed',
    );
    for (let attempt = 0; ; attempt++) {
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
                  [deadLetterHeaders.topic]: message.topic,
                  [deadLetterHeaders.partition]: String(message.partition),
                  [deadLetterHeaders.offset]: message.offset,
                  [deadLetterHeaders.failedAt]: new Date().toISOString(),
                },
              },
            ],
          },
        ]);
        metrics.deadLettered.inc(labels(message.topic));
        recordOutcome(true);
        return true;
      } catch (sendError) {
        logger.warn({ err: describeError(sendError) }, 'dead-letter topic unavailable; retrying');
        if (!(await backoff(attempt, control))) return false;
      }
    }
  }

  /**
   * Write records until the store confirms. Transient failures are retried forever with backoff
   * (that is lag, not loss); a poison failure splits the batch to isolate the bad record.
   * Returns false when the partition was lost or the worker is stopping: nothing is committed then.
   */
  async function writeReliably(records: Array<DecodedRecord<T>>, control: BatchControl): Promise<boolean> {
    let poisonFailures = 0;
    for (let attempt = 0; ; attempt++) {
      if (records.length === 0) return true;
      try {
        await definition.write(records);
        metrics.written.inc(labels(records[0]?.message.topic ?? ''), records.length);
        for (let i = 0; i < records.length; i++) recordOutcome(false);
        return true;
      } catch (error) {
        const topic = records[0]?.message.topic ?? '';
        if (classify(error) === 'poison') {
          if (records.length > 1) {
            const middle = Math.ceil(records.length / 2);
            return (
              (await writeReliably(records.slice(0, middle), control)) &&
              (await writeReliably(records.slice(middle), control))
            );
          }
          poisonFailures++;
          const only = records[0] as DecodedRecord<T>;
          if (poisonFailures >= settings.poisonAttempts) return deadLetter(only.message, error, control);
        } else {
          logger.warn(
            { err: describeError(error), attempt, records: records.length },
            'write failed; will retry',
          );
        }
        metrics.retried.inc(labels(topic));
        if (!(await backoff(attempt, control))) return false;
      }
    }
  }

  /**
   * Decode a chunk. A message that can never be read is set aside for the dead-letter topic; a
   * failure that may pass (the registry is down) is retried like a store outage.
   */
  async function decodeReliably(chunk: ConsumedMessage[], control: BatchControl) {
    for (let attempt = 0; ; attempt++) {
      const decoded: Array<DecodedRecord<T>> = [];
      const unreadable: Array<{ message: ConsumedMessage; error: unknown }> = [];
      let transient: unknown;
      for (const message of chunk) {
        try {
          decoded.push({ message, record: await definition.decode(message) });
        } catch (error) {
          if (classifyFailure(error) === 'poison') unreadable.push({ message, error });
          else {
            transient = error;
            break;
          }
        }
      }
      if (transient === undefined) return { decoded, unreadable };
      logger.warn({ err: describeError(transient), attempt }, 'decoding failed; will retry');
      metrics.retried.inc(labels(chunk[0]?.topic ?? ''));
      if (!(await backoff(attempt, control))) return undefined;
    }
  }

  async function handleBatch(batch: PartitionBatch, control: BatchControl): Promise<void> {
    for (const chunk of chunkMessages(batch.messages, settings.batch)) {
      if (!control.stillAssigned() || fatal) return;
      const stopTimer = metrics.batchSeconds.startTimer(labels(batch.topic));
      metrics.consumed.inc(labels(batch.topic), chunk.length);
      const read = await decodeReliably(chunk, control);
      if (read === undefined) return;
      const { decoded, unreadable } = read;
      if (!(await writeReliably(decoded, control))) return;
      for (const { message, error } of unreadable) {
        if (!(await deadLetter(message, error, control))) return;
      }
      const last = chunk[chunk.length - 1] as ConsumedMessage;
      await control.commit(nextOffset(last));
      metrics.lag.set(
        { worker: definition.name, topic: batch.topic, partition: String(batch.partition) },
        Math.max(0, Number(batch.highWatermark) - Number(nextOffset(last))),
      );
      stopTimer();
    }
  }

  await consumer.run(handleBatch);
  logger.info({ group: settings.groupId, topics: definition.topics }, 'worker consuming');

  return {
    joined: () => consumer.joined(),
    assignment: () => consumer.assignment(),
    async stop() {
      await consumer.stop();
      await producer.disconnect();
    },
  };
}

/** Harness settings from a worker's config section, with the harness defaults for the rest. */
export function harnessSettingsFor(worker: string, section: WorkerConfig): HarnessSettings {
  return {
    ...defaultHarnessSettings,
    groupId: section.group_id ?? `primoart.${worker}`,
    deadLetterTopic: topics.deadLetters.name,
    batch: { maxRecords: section.batch.max_records, maxBytes: section.batch.max_bytes },
    retry: { initialMs: section.retry.initial_ms, maxMs: section.retry.max_ms },
  };
}
