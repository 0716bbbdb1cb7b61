// Every message a topic holds right now, with offsets and headers: what operator commands read
// (`primoart dlq list`). The end of each partition is taken when the read starts, so a topic that
// keeps growing still ends; the consumer group is a throw-away one that never commits, so nothing
// is left behind in `primoart lag`.
import { randomUUID } from 'node:crypto';
import type { ConsumedMessage, KafkaConnection } from './port.ts';

/** Each partition's end offset now, for the partitions that hold anything (a read of them ends there). */
export async function partitionEnds(kafka: KafkaConnection, topic: string): Promise<Map<number, bigint>> {
  const admin = await kafka.admin();
  try {
    const offsets = await admin.topicOffsets(topic);
    return new Map(
      offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]),
    );
  } finally {
    await admin.disconnect();
  }
}

export async function readTopicSnapshot(
  kafka: KafkaConnection,
  topic: string,
  options: { timeoutMs?: number; groupPrefix?: string } = {},
): Promise<ConsumedMessage[]> {
  const ends = await partitionEnds(kafka, topic);
  const messages: ConsumedMessage[] = [];
  if (ends.size === 0) return messages;

  const remaining = new Set(ends.keys());
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const consumer = await kafka.consumer({
    groupId: `${options.groupPrefix ?? 'primoart.cli.read'}.${randomUUID()}`,
    topics: [topic],
    fromBeginning: true,
  });
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.run(async (batch, control) => {
      const end = ends.get(batch.partition);
      if (end === undefined) return;
      for (const message of batch.messages) if (BigInt(message.offset) < end) messages.push(message);
      const last = batch.messages.at(-1);
      if (last === undefined) return;
      control.markProcessed(last.offset);
      if (BigInt(last.offset) + 1n >= end && remaining.delete(batch.partition) && remaining.size === 0)
        done();
    });
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`reading ${topic} took longer than ${Math.round(timeoutMs / 1000)} s`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await consumer.stop();
  }
  return messages.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}
