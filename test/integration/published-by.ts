// "A refused request published nothing", for one test among others publishing to the same topics:
// the gateway stamps every record it publishes for a request with the id of the key that
// authenticated it (ingest-gateway/provenance.ts), so a test whose gateway knows keys of its own reads
// what was appended to the gateway's topics between two positions and looks for its keys' ids. A
// topic's end offset, which the tests compared before, moves with every other test's records too.
import { randomUUID } from 'node:crypto';
import { configKeyId } from '../../auth/key-store.ts';
import { sha256Hex } from '../../core/sha256.ts';
import { gatewayBusAccess } from '../../ingest-gateway/bus-access.ts';
import { apiKeyIdHeader } from '../../ingest-gateway/provenance.ts';
import { topics } from '../../topics/catalog.ts';
import type { Admin } from '../../topics/port.ts';
import { kafkaConnection, waitFor, withAdmin } from './stack.ts';

/**
 * Every topic a gateway can publish a request's records to: a test's gateway logs in as the
 * gateway's Kafka identity, whose ACLs allow writing no other. The "last used" record of a key
 * (primoart.auth.key-usage.v1, at most one a minute per key, whatever the request) is bookkeeping,
 * not a request's content.
 */
export const requestTopics: readonly string[] = gatewayBusAccess.writes.filter(
  (name) => name !== topics.apiKeyUsage.name,
);

/** Each partition's end offset on every request topic (topic → partition → offset). */
export type Positions = Record<string, Record<number, bigint>>;

/** Where the request topics end now: the start or the end of a window of published records. */
export async function positions(admin: Admin): Promise<Positions> {
  const existing = new Set(await admin.listTopics());
  const ends = await Promise.all(
    requestTopics.map(async (topic) =>
      existing.has(topic)
        ? Object.fromEntries((await admin.topicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]))
        : {},
    ),
  );
  return Object.fromEntries(requestTopics.map((topic, i) => [topic, ends[i] ?? {}]));
}

/** A record some test key's request published. */
export interface StampedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  /** The key id in its provenance header. */
  keyId: string;
  /** The record's Kafka key (a uuid, a transaction id, …) as text. */
  key: string | undefined;
  tombstone: boolean;
}

/**
 * The records appended to the request topics between `from` and `to` whose provenance names one of
 * `keyIds`, in topic, partition and offset order. Only that window is read (a throw-away consumer
 * group placed at `from`), so it takes as long as what every test published meanwhile.
 */
export async function recordsStampedBy(
  keyIds: Iterable<string>,
  from: Positions,
  to: Positions,
): Promise<StampedRecord[]> {
  const wanted = new Set(keyIds);
  // Partitions with something to read: their first offset to read and the first not to.
  const windows = new Map<string, { start: bigint; end: bigint }>();
  for (const [topic, ends] of Object.entries(to)) {
    for (const [partition, end] of Object.entries(ends)) {
      const start = from[topic]?.[Number(partition)] ?? 0n;
      if (end > start) windows.set(`${topic}/${partition}`, { start, end });
    }
  }
  if (windows.size === 0) return [];
  const readTopics = [...new Set([...windows.keys()].map((at) => at.slice(0, at.lastIndexOf('/'))))];
  const groupId = `primoart.it.published-by.${randomUUID().slice(0, 8)}`;
  await withAdmin(async (admin) => {
    for (const topic of readTopics) {
      const offsets = Object.entries(to[topic] ?? {}).map(([partition, end]) => ({
        partition: Number(partition),
        offset: String(windows.get(`${topic}/${partition}`)?.start ?? end),
      }));
      await admin.setGroupOffsets(groupId, topic, offsets);
    }
  });
  const found = new Map<string, StampedRecord>();
  const remaining = new Set(windows.keys());
  const consumer = await kafkaConnection().consumer({ groupId, topics: readTopics, fromBeginning: false });
  try {
    await consumer.run(async (batch, control) => {
      const at = `${batch.topic}/${batch.partition}`;
      const window = windows.get(at);
      for (const message of batch.messages) {
        const offset = BigInt(message.offset);
        // Past the window: compaction may have removed its last records, so any later one ends it.
        if (window === undefined || offset >= window.end - 1n) remaining.delete(at);
        if (window === undefined || offset >= window.end) break;
        const keyId = message.headers[apiKeyIdHeader];
        if (keyId === undefined || !wanted.has(keyId)) continue;
        // The port redelivers what was not marked processed: each offset is taken once.
        found.set(`${at}/${offset}`, {
          topic: batch.topic,
          partition: batch.partition,
          offset,
          keyId,
          key: message.key?.toString('utf8'),
          tombstone: message.value === null,
        });
      }
      const last = batch.messages.at(-1);
      if (last !== undefined) control.markProcessed(last.offset);
    });
    await waitFor(
      `the records published between two positions (${[...remaining].join(', ')} left)`,
      async () => remaining.size === 0,
      // A bound, not an expectation: the window holds what every test published meanwhile.
      180_000,
      50,
    );
  } finally {
    await consumer.stop();
  }
  const order = (a: StampedRecord, b: StampedRecord) =>
    a.topic.localeCompare(b.topic) || a.partition - b.partition || (a.offset < b.offset ? -1 : 1);
  return [...found.values()].sort(order);
}

/** A record as a failure line names it. */
export const describeRecord = (record: StampedRecord): string =>
  `${record.topic}/${record.partition}@${record.offset} (key ${record.key ?? 'null'}${record.tombstone ? ', a tombstone' : ''}, published for ${record.keyId})`;

/**
 * A config-file key of the test's own: its name is unique, so its id (`config:<name>`) is on no
 * record another test's gateway publishes (every test's gateway has keys named `admin` and `robot`).
 */
export function ownKey(role: string, scopes: readonly string[], extra: Record<string, unknown> = {}) {
  const name = `${role}-${randomUUID().slice(0, 8)}`;
  const secret = `test-${name}-${randomUUID()}`;
  return { secret, id: configKeyId(name), config: { name, sha256: sha256Hex(secret), scopes, ...extra } };
}
