// Publishes accepted results (and their screenshots) to Kafka and resolves only once Kafka
// acknowledged every record with acks=all. The caller answers 2xx only after that.

import { topics } from '../topics/catalog.ts';
import type { ValueCodec } from '../topics/codec.ts';
import type { OutgoingMessage, Producer } from '../topics/port.ts';

export interface PreparedResult<R, A> {
  /** The TransactionResult record, keyed by transaction_id so one transaction's runs stay in order. */
  record: R;
  transactionId: string;
  /** Screenshot records, keyed by their deterministic object key. */
  artifacts: Array<{ objectKey: string; record: A }>;
}

export class KafkaUnavailableError extends Error {
  override readonly name = 'KafkaUnavailableError';
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
    await Promise.race([producer.send(batches), timeout]);
  } catch (error) {
    if (error instanceof KafkaUnavailableError) throw error;
    throw new KafkaUnavailableError((error as Error).message);
  } finally {
    clearTimeout(timer);
  }
}

export interface ResultPublisher<R, A> {
  publish(results: Array<PreparedResult<R, A>>): Promise<void>;
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
    async publish(results) {
      if (results.length === 0) return;
      // Encoding never waits on the registry (the codec's cache is warm); a failure here is a bug,
      // answered as a 500 — never with a status a library attached to its own error.
      const [resultMessages, artifactMessages] = await Promise.all([
        Promise.all(
          results.map(async (r) => ({ key: r.transactionId, value: await resultCodec.encode(r.record) })),
        ),
        Promise.all(
          results.flatMap((r) =>
            r.artifacts.map(async (a) => ({ key: a.objectKey, value: await artifactCodec.encode(a.record) })),
          ),
        ),
      ]).catch((error: unknown) => {
        throw new Error(`encoding a record failed: ${(error as Error).message}`);
      });
      const batches: Array<{ topic: string; messages: typeof resultMessages }> = [
        { topic: topics.synthResults.name, messages: resultMessages },
      ];
      // Screenshots go in the same produce call: a result is never acknowledged without its images.
      if (artifactMessages.length > 0)
        batches.unshift({ topic: topics.synthArtifacts.name, messages: artifactMessages });
      await sendWithin(producer, batches, timeoutMs);
    },
  };
}
