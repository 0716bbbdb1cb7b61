// A process's own materialised view of a compacted topic: every key's latest value, kept in memory
// and updated within moments of a change. The gateway serves definitions and API keys from such
// views, so it needs no database and every instance converges on its own.
//
// Each view reads the whole topic from the beginning with a consumer group of its own that never
// commits (a view is rebuilt at every start; the topic is the source of truth). A null value (a
// tombstone) deletes the key.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ConsumedMessage, Consumer, KafkaConnection } from './port.ts';
import { partitionEnds } from './topic-snapshot.ts';

export interface CompactedViewOptions<T> {
  kafka: KafkaConnection;
  topic: string;
  /** Turn a message value into the view's value; a message that cannot be read is logged and skipped. */
  decode(value: Buffer, message: ConsumedMessage): Promise<T>;
  logger: Logger;
  /** Called after each change (set or delete) has been applied. */
  onChange?(key: string, value: T | undefined): void;
}

export interface CompactedView<T> {
  get(key: string): T | undefined;
  entries(): IterableIterator<[string, T]>;
  size(): number;
  /** Resolves once everything that was in the topic when the view started has been read. */
  caughtUp(): Promise<void>;
  /** Bumped on every applied change: a cheap version for ETags and caches. */
  revision(): number;
  stop(): Promise<void>;
}

export async function startCompactedView<T>(options: CompactedViewOptions<T>): Promise<CompactedView<T>> {
  const { kafka, topic, logger } = options;
  const values = new Map<string, T>();
  let revision = 0;

  // What "caught up" means: every partition read up to its end offset as of now.
  const remaining = await partitionEnds(kafka, topic);
  let markCaughtUp: () => void = () => {};
  const caughtUp = new Promise<void>((resolve) => {
    markCaughtUp = resolve;
  });
  if (remaining.size === 0) markCaughtUp();

  const consumer: Consumer = await kafka.consumer({
    groupId: `primoart.view.${topic}.${randomUUID()}`,
    topics: [topic],
    fromBeginning: true,
  });
  await consumer.run(async (batch, control) => {
    for (const message of batch.messages) {
      const key = message.key?.toString('utf8');
      if (key === undefined) continue;
      if (message.value === null || message.value.length === 0) {
        values.delete(key);
        revision++;
        options.onChange?.(key, undefined);
      } else {
        try {
          const value = await options.decode(message.value, message);
          values.set(key, value);
          revision++;
          options.onChange?.(key, value);
        } catch (error) {
          logger.error(
            { topic, partition: message.partition, offset: message.offset, err: (error as Error).message },
            'skipping an unreadable record in a compacted view',
          );
        }
      }
    }
    const last = batch.messages[batch.messages.length - 1];
    if (last !== undefined) control.markProcessed(last.offset);
    const end = remaining.get(batch.partition);
    if (last !== undefined && end !== undefined && BigInt(last.offset) + 1n >= end) {
      remaining.delete(batch.partition);
      if (remaining.size === 0) markCaughtUp();
    }
  });

  return {
    get: (key) => values.get(key),
    entries: () => values.entries(),
    size: () => values.size,
    caughtUp: () => caughtUp,
    revision: () => revision,
    stop: () => consumer.stop(),
  };
}

/**
 * `view.caughtUp()`, or a rejection naming `what` once `timeoutMs` passed: a start that waits for
 * a view must fail with a reason, not hang, when the topic cannot be read.
 */
export async function caughtUpWithin(
  view: Pick<CompactedView<unknown>, 'caughtUp'>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} were not read within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([view.caughtUp(), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
