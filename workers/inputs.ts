// Decoding by topic, one way for every worker: each input topic with its codec and what a record
// of it becomes; a message is decoded by the topic it came from.
import type { ValueCodec } from '../topics/codec.ts';
import { PoisonRecordError } from '../topics/poison-record.ts';
import type { ConsumedMessage } from '../topics/port.ts';
import type { WorkerDefinition } from './harness.ts';

/** One input topic: its codec and what a record of it becomes. */
export interface Input<T> {
  topic: { name: string };
  decode(message: ConsumedMessage): Promise<T>;
}

/**
 * An input topic read through its codec. A tombstone (no value) is poison unless `tombstone`
 * says what it means (a deleted definition).
 */
export function input<R, T>(
  topic: { name: string },
  codec: ValueCodec<R>,
  toRecord: (value: R, message: ConsumedMessage) => T | Promise<T>,
  options: { tombstone?(message: ConsumedMessage): T | Promise<T> } = {},
): Input<T> {
  return {
    topic,
    async decode(message) {
      if (message.value === null) {
        if (options.tombstone !== undefined) return options.tombstone(message);
        throw new PoisonRecordError(`empty message value (tombstone) on ${message.topic}`);
      }
      return toRecord(await codec.decode(message.value), message);
    },
  };
}

/** A definition's `topics` and `decode` from its inputs: a message is decoded by the topic it came from. */
export function decodeByTopic<T>(
  worker: string,
  inputs: ReadonlyArray<Input<T>>,
): Pick<WorkerDefinition<T>, 'topics' | 'decode'> {
  const byTopic = new Map(inputs.map((entry) => [entry.topic.name, entry]));
  // Two inputs on one topic would leave one of them never used, silently.
  if (byTopic.size !== inputs.length) throw new Error(`${worker}: an input topic is named twice`);
  return {
    topics: [...byTopic.keys()],
    async decode(message) {
      const entry = byTopic.get(message.topic);
      if (entry === undefined) throw new PoisonRecordError(`${worker} does not read ${message.topic}`);
      return entry.decode(message);
    },
  };
}
