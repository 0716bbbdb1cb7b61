// Publishes accepted results (and their screenshots) to Kafka and resolves only once Kafka
// acknowledged every record with acks=all. The caller answers 2xx only after that.

import { setImmediate as nextTurn } from 'node:timers/promises';
import { topics } from '../topics/catalog.ts';
import type { ValueCodec } from '../topics/codec.ts';
import type { Headers, OutgoingMessage, Producer } from '../topics/port.ts';

export interface PreparedResult<R, A> {
  /** The TransactionResult record, keyed by transaction_id so one transaction's runs stay in order. */
  record: R;
  transactionId: string;
  /** Screenshot records, keyed by their deterministic object key. */
  artifacts: Array<{ objectKey: string; record: A }>;
}

export class KafkaUnavailableError extends Error {
  override readonly name: string = 'KafkaUnavailableError';
}

/**
 * Kafka refused a record (or a partition's batch of them) as larger than the topic takes: retrying
 * cannot help. A KafkaUnavailableError still, so an API that does not tell the two apart keeps its
 * answer; the results API answers 413.
 */
export class RecordTooLargeError extends KafkaUnavailableError {
  override readonly name = 'RecordTooLargeError';
}

// The protocol errors (kafkajs gives them as `type`) that mean "too large", wherever in the chain
// of causes and aggregated errors the client put them.
const tooLargeErrorTypes = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

function isTooLarge(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { type, cause, errors } = error as { type?: unknown; cause?: unknown; errors?: unknown };
  if (typeof type === 'string' && tooLargeErrorTypes.has(type)) return true;
  if (isTooLarge(cause, depth + 1)) return true;
  return Array.isArray(errors) && errors.some((inner) => isTooLarge(inner, depth + 1));
}

/**
 * Send and wait for Kafka's acknowledgement at most `timeoutMs`; any failure becomes a
 * KafkaUnavailableError, which the APIs answer with 503 and Retry-After.
 */
export async function sendWithin(
  producer: Producer,
  batches: Array<{ topic: string; messages: OutgoingMessage[] }>,
  timeoutMs: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new KafkaUnavailableError(`no acknowledgement within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    // The deadline: a send still waiting its turn when this gives up is never made (a Kafka outage
    // would otherwise queue every request's send, answered 503 long since, and send them all later).
    await Promise.race([producer.send(batches, { deadline: Date.now() + timeoutMs }), timeout]);
  } catch (error) {
    if (error instanceof KafkaUnavailableError) throw error;
    if (isTooLarge(error)) throw new RecordTooLargeError((error as Error).message);
    throw new KafkaUnavailableError((error as Error).message);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Messages grouped into sends whose values add up to at most `maxBytes` (a bigger message goes
 * alone). kafkajs puts every message of one send for one partition into a single record batch, and
 * Kafka refuses a batch over the topic's max.message.bytes: many records that each fit may not fit
 * together.
 */
export function groupedBySize(messages: OutgoingMessage[], maxBytes: number): OutgoingMessage[][] {
  const groups: OutgoingMessage[][] = [];
  let group: OutgoingMessage[] = [];
  let groupBytes = 0;
  for (const message of messages) {
    const bytes = (message.value?.length ?? 0) + (message.key?.length ?? 0);
    if (group.length > 0 && groupBytes + bytes > maxBytes) {
      groups.push(group);
      group = [];
      groupBytes = 0;
    }
    group.push(message);
    groupBytes += bytes;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** Room left in a send for the record batch's own header and each record's framing. */
const batchOverheadBytes = 64 * 1024;

export interface ResultPublisher<R, A> {
  /** `provenance`: the headers every record carries (provenance.ts). */
  publish(results: Array<PreparedResult<R, A>>, provenance: Headers): Promise<void>;
}

export function createResultPublisher<R, A>(options: {
  producer: Producer;
  resultCodec: ValueCodec<R>;
  artifactCodec: ValueCodec<A>;
  /** Give up waiting for Kafka after this long; the client retries (robots do). */
  timeoutMs: number;
}): ResultPublisher<R, A> {
  const { producer, resultCodec, artifactCodec, timeoutMs } = options;
  return {
    async publish(results, provenance) {
      if (results.length === 0) return;
      // One record encoded per event-loop turn: a batch of a hundred large results encoded in one
      // go would hold the loop for all of them.
      const encodeEach = async <T>(items: Array<{ key: string; record: T }>, codec: ValueCodec<T>) => {
        const messages: OutgoingMessage[] = [];
        for (const item of items) {
          if (messages.length > 0) await nextTurn();
          messages.push({ key: item.key, value: await codec.encode(item.record), headers: provenance });
        }
        return messages;
      };
      let artifactMessages: OutgoingMessage[];
      let resultMessages: OutgoingMessage[];
      // Encoding never waits on the registry (the codec's cache is warm); a failure here is a bug,
      // answered as a 500 — never with a status a library attached to its own error.
      try {
        artifactMessages = await encodeEach(
          results.flatMap((r) => r.artifacts.map((a) => ({ key: a.objectKey, record: a.record }))),
          artifactCodec,
        );
        resultMessages = await encodeEach(
          results.map((r) => ({ key: r.transactionId, record: r.record })),
          resultCodec,
        );
      } catch (error) {
        throw new Error(`encoding a record failed: ${(error as Error).message}`);
      }
      // Screenshots first, results after them, each in sends that fit the topic's message limit: a
      // result is never acknowledged without its images. A send that fails after others succeeded
      // leaves records the robot's retry re-sends; stores keep one copy per result_id and object key.
      for (const { topic, messages } of [
        { topic: topics.synthArtifacts, messages: artifactMessages },
        { topic: topics.synthResults, messages: resultMessages },
      ]) {
        for (const group of groupedBySize(messages, topic.maxMessageBytes - batchOverheadBytes)) {
          await sendWithin(producer, [{ topic: topic.name, messages: group }], timeoutMs);
        }
      }
    },
  };
}
