// Publishing a change an admin made through the console (a target SLA, a maintenance window) to its
// compacted topic: one record, resolved with where Kafka put it once Kafka acknowledged it
// (acks=all), or a 503 naming `kafka` when it did not within the bound. The console never writes to
// a store: the processes that read the topic act on the record.
import type { OutgoingMessage, Producer } from '../topics/port.ts';
import { DependencyUnavailableError } from './endpoint.ts';

/** The header naming the API key a record was published for (as the gateway's; CONTRACT.md). */
export const apiKeyIdHeader = 'primoart.api_key_id';

export interface PublishedRecord {
  partition: number;
  offset: string;
}

/**
 * Kafka did not acknowledge in time, or refused: the change may or may not be on the topic (a
 * request repeated is the same change again). The frame answers 503 naming `kafka`.
 */
export class NotPublishedError extends DependencyUnavailableError {
  constructor(message: string) {
    super('kafka', message);
    this.name = 'NotPublishedError';
  }
}

/** Send one record and wait, at most `timeoutMs`, for Kafka's acknowledgement. */
export async function publishAcknowledged(
  producer: Producer,
  topic: string,
  message: OutgoingMessage,
  timeoutMs: number,
): Promise<PublishedRecord> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new NotPublishedError(`no acknowledgement within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    const delivered = await Promise.race([
      producer.send([{ topic, messages: [message] }], { deadline: Date.now() + timeoutMs }),
      timedOut,
    ]);
    const [first] = delivered;
    if (first === undefined) throw new NotPublishedError('Kafka acknowledged no record');
    return { partition: first.partition, offset: first.baseOffset };
  } catch (error) {
    if (error instanceof NotPublishedError) throw error;
    throw new NotPublishedError((error as Error).message);
  } finally {
    clearTimeout(timer);
  }
}
