// Writes definition changes to the compacted topic and resolves only once Kafka acknowledged them
// (acks=all), like results. Keyed by uuid, so every change to one definition lands on one partition
// in order and compaction keeps its latest version.
//
// A large request is sent in several produce calls whose records add up to at most `chunkBytes`, so
// no partition's record batch outgrows the topic's max.message.bytes. Kafka has no atomic write across
// partitions here: when it fails part-way the caller answers 503 and the admin repeats the request,
// which is safe because an upsert by uuid is idempotent.
import type { TransactionDefinitionRecord } from '../schemas/index.ts';
import { topics } from '../topics/catalog.ts';
import type { ValueCodec } from '../topics/codec.ts';
import type { Headers, OutgoingMessage, Producer } from '../topics/port.ts';
import { sendWithin } from './publisher.ts';

/** `provenance`: the headers every record (tombstones too) carries (provenance.ts). */
export interface DefinitionPublisher {
  upsert(records: TransactionDefinitionRecord[], provenance: Headers): Promise<void>;
  /** Publish a tombstone for `uuid`. */
  remove(uuid: string, provenance: Headers): Promise<void>;
}

export function createDefinitionPublisher(options: {
  producer: Producer;
  codec: ValueCodec<TransactionDefinitionRecord>;
  /** Give up waiting for Kafka after this long (per produce call). */
  timeoutMs: number;
  chunkBytes?: number;
}): DefinitionPublisher {
  const { producer, codec, timeoutMs, chunkBytes = 1024 * 1024 } = options;

  const send = async (messages: OutgoingMessage[]): Promise<void> => {
    await sendWithin(producer, [{ topic: topics.synthDefinitions.name, messages }], timeoutMs);
  };

  return {
    async upsert(records, provenance) {
      // Encoding never waits on the registry (the codec's cache is warm); a failure here is a bug,
      // answered as a 500, never with a status a library attached to its own error.
      const messages = await Promise.all(
        records.map(async (record) => ({
          key: record.uuid,
          value: await codec.encode(record),
          headers: provenance,
        })),
      ).catch((error: unknown) => {
        throw new Error(`encoding a transaction definition failed: ${(error as Error).message}`);
      });
      let chunk: OutgoingMessage[] = [];
      let size = 0;
      for (const message of messages) {
        if (chunk.length > 0 && size + message.value.length > chunkBytes) {
          await send(chunk);
          chunk = [];
          size = 0;
        }
        chunk.push(message);
        size += message.value.length;
      }
      if (chunk.length > 0) await send(chunk);
    },
    remove: (uuid, provenance) => send([{ key: uuid, value: null, headers: provenance }]),
  };
}
