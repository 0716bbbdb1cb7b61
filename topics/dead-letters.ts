// The dead-letter topic's contract: what a worker's harness writes there (the message byte for byte,
// with its error and origin in headers) and how `primoart dlq replay` sends one back. A replayed
// message goes to its origin topic, which every group reading that topic receives; it carries the
// group it is meant for, and the harness of every other group passes over it (one worker's fix must
// not make the baseline count a run twice).
import type { ConsumedMessage, Headers, OutgoingMessage } from './port.ts';

/** Headers a dead letter carries besides the original message's own. */
export const deadLetterHeaders = {
  error: 'primoart.error',
  kind: 'primoart.error.kind',
  worker: 'primoart.worker',
  /** The consumer group that dead-lettered it (absent on letters written before it was added). */
  group: 'primoart.group',
  topic: 'primoart.origin.topic',
  partition: 'primoart.origin.partition',
  offset: 'primoart.origin.offset',
  failedAt: 'primoart.failed_at',
} as const;

/** Headers of a message `dlq replay` sent back to its origin topic. */
export const replayHeaders = {
  /** Only the group named here processes the message; every other passes over it. */
  group: 'primoart.replay.group',
  /** The dead letter it came from (`partition:offset` on the dead-letter topic). */
  of: 'primoart.replay.of',
} as const;

const ownHeaders = new Set<string>([...Object.values(deadLetterHeaders), ...Object.values(replayHeaders)]);

/** True when `message` is a replayed dead letter meant for another consumer group than `groupId`. */
export function replayedForAnotherGroup(message: Pick<ConsumedMessage, 'headers'>, groupId: string): boolean {
  const target = message.headers[replayHeaders.group];
  return target !== undefined && target !== groupId;
}

export interface DeadLetter {
  /** `partition:offset` on the dead-letter topic: how `dlq show` and the replay ledger name it. */
  ref: string;
  partition: number;
  offset: string;
  /** When it was dead-lettered (the failed_at header, else the message's timestamp). */
  failedAt: Date;
  worker: string;
  /** The group that dead-lettered it; undefined on letters from before the header existed. */
  group: string | undefined;
  origin: { topic: string; partition: number; offset: string };
  error: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Every header, the dead-letter ones included. */
  headers: Headers;
  /** The message's own headers, as it had them before it failed. */
  originalHeaders: Headers;
  /** The dead letter this one was replayed from, when a replay failed again. */
  replayOf: string | undefined;
}

export const deadLetterRef = (partition: number, offset: string): string => `${partition}:${offset}`;

/** A message of the dead-letter topic read as a dead letter; missing headers read as ''/NaN. */
export function parseDeadLetter(message: ConsumedMessage): DeadLetter {
  const h = message.headers;
  const failedAt = new Date(h[deadLetterHeaders.failedAt] ?? Number.NaN);
  const originalHeaders: Headers = {};
  for (const [name, value] of Object.entries(h)) if (!ownHeaders.has(name)) originalHeaders[name] = value;
  return {
    ref: deadLetterRef(message.partition, message.offset),
    partition: message.partition,
    offset: message.offset,
    failedAt: Number.isNaN(failedAt.getTime()) ? new Date(message.timestamp) : failedAt,
    worker: h[deadLetterHeaders.worker] ?? '',
    group: h[deadLetterHeaders.group],
    origin: {
      topic: h[deadLetterHeaders.topic] ?? '',
      partition: Number(h[deadLetterHeaders.partition] ?? Number.NaN),
      offset: h[deadLetterHeaders.offset] ?? '',
    },
    error: h[deadLetterHeaders.error] ?? '',
    key: message.key,
    value: message.value,
    headers: h,
    originalHeaders,
    replayOf: h[replayHeaders.of],
  };
}

export interface DeadLetterFilter {
  worker?: string;
  group?: string;
  /** Dead-lettered at or after this time. */
  since?: Date;
}

export function matchesFilter(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  if (filter.worker !== undefined && letter.worker !== filter.worker) return false;
  if (filter.group !== undefined && letter.group !== filter.group) return false;
  if (filter.since !== undefined && letter.failedAt.getTime() < filter.since.getTime()) return false;
  return true;
}

/**
 * The message `dlq replay` sends back: the original key, value and headers, addressed to `group`
 * (the group that dead-lettered it), naming the dead letter it comes from. Same key, so the same
 * partition as the original while the topic keeps its partition count: its order among the
 * transaction's other records is where a late redelivery would put it.
 */
export function replayMessage(letter: DeadLetter, group: string): OutgoingMessage {
  return {
    key: letter.key,
    value: letter.value,
    headers: { ...letter.originalHeaders, [replayHeaders.group]: group, [replayHeaders.of]: letter.ref },
  };
}
