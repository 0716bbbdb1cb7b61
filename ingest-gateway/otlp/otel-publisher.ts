// Publishes the records of one OTLP request to its topic and resolves only once Kafka
// acknowledged all of them (acks=all, idempotent producer), like the results publisher. Records
// that cannot be encoded or would exceed the topic's message size are refused one by one instead.
import type { TopicSpec } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import type { OutgoingMessage, Producer } from '../../topics/port.ts';
import { sendWithin } from '../publisher.ts';

/** Room left in a Kafka message for the key, headers and batch framing. */
const framingBytes = 1024;

export interface KeyedRecord<R> {
  key: string;
  record: R;
}

export interface PublishOutcome {
  published: number;
  /** Records refused before sending, by their index in the input, with the reason. */
  refused: Array<{ index: number; message: string }>;
}

export interface TopicPublisher<R> {
  publish(records: Array<KeyedRecord<R>>): Promise<PublishOutcome>;
}

export function createTopicPublisher<R>(options: {
  producer: Producer;
  topic: TopicSpec;
  codec: ValueCodec<R>;
  /** Give up waiting for Kafka after this long; the exporter retries on the 503. */
  timeoutMs: number;
}): TopicPublisher<R> {
  const { producer, topic, codec, timeoutMs } = options;
  const maxValueBytes = topic.maxMessageBytes - framingBytes;
  return {
    async publish(records) {
      const refused: PublishOutcome['refused'] = [];
      const messages: OutgoingMessage[] = [];
      for (const [index, { key, record }] of records.entries()) {
        let value: Buffer;
        try {
          value = await codec.encode(record);
        } catch (error) {
          refused.push({ index, message: `cannot be encoded: ${(error as Error).message.slice(0, 200)}` });
          continue;
        }
        if (value.length > maxValueBytes) {
          refused.push({ index, message: `is ${value.length} bytes encoded, over ${maxValueBytes}` });
          continue;
        }
        messages.push({ key, value });
      }
      if (messages.length === 0) return { published: 0, refused };
      await sendWithin(producer, [{ topic: topic.name, messages }], timeoutMs);
      return { published: messages.length, refused };
    },
  };
}
