// Publishes the encoded records of one OTLP request to its topic and resolves only once Kafka
// acknowledged all of them (acks=all, idempotent producer), like the results publisher.
// Kafka refuses a produce request whose batch for one partition is over the topic's
// max.message.bytes, however small each record: so the records go in consecutive sends of at
// most `chunkBytes` each, and one request of any size (5,000 spans of one trace, all on one
// partition) is published whole. If a later send fails the exporter gets 503 and sends the whole
// request again: the records of earlier sends are then in the topic twice (at least once).
import type { TopicSpec } from '../../topics/catalog.ts';
import type { Headers, OutgoingMessage, Producer } from '../../topics/port.ts';
import { sendWithin } from '../publisher.ts';
import { unpackRecords } from './request-processing.ts';

/** Room left in a Kafka message for the key, headers and batch framing. */
const framingBytes = 1024;
/** What a record adds to a batch beyond its key and value (length, attributes, offsets: varints). */
const recordOverheadBytes = 32;
/**
 * Sends are at most this large even where the topic allows more: the client encodes (and
 * checksums) each send on the event loop, and smaller sends keep that slice short.
 */
const defaultChunkBytes = 1024 * 1024;

/** The largest record value a topic takes: what the decoder refuses beyond (partial success). */
export function maxValueBytes(topic: TopicSpec): number {
  return topic.maxMessageBytes - framingBytes;
}

export interface TopicPublisher {
  /**
   * Publish the records of request-processing's packRecords, each with the `provenance` headers
   * (provenance.ts); throws KafkaUnavailableError.
   */
  publish(packed: Uint8Array, provenance: Headers): Promise<void>;
}

export function createTopicPublisher(options: {
  producer: Producer;
  topic: TopicSpec;
  /** Give up waiting for Kafka after this long; the exporter retries on the 503. */
  timeoutMs: number;
  chunkBytes?: number;
}): TopicPublisher {
  const { producer, topic, timeoutMs } = options;
  const chunkBytes = Math.min(options.chunkBytes ?? defaultChunkBytes, maxValueBytes(topic));
  return {
    async publish(packed, provenance) {
      let chunk: OutgoingMessage[] = [];
      let size = 0;
      for (const { key, value } of unpackRecords(packed)) {
        const recordBytes = key.length + value.length + recordOverheadBytes;
        // A record larger than a chunk (but within maxValueBytes) goes alone.
        if (chunk.length > 0 && size + recordBytes > chunkBytes) {
          await sendWithin(producer, [{ topic: topic.name, messages: chunk }], timeoutMs);
          chunk = [];
          size = 0;
        }
        chunk.push({ key, value, headers: provenance });
        size += recordBytes;
      }
      if (chunk.length > 0) await sendWithin(producer, [{ topic: topic.name, messages: chunk }], timeoutMs);
    },
  };
}
