// Operations on the cluster that the CLI and tests share: make topics match the catalog, measure
// lag, and move a consumer group's offsets for a replay.
import { replicationOf, type TopicSpec, topicConfigEntries } from './catalog.ts';
import type { Admin, PartitionReplicas, TopicOffsets } from './port.ts';

export interface TopicChange {
  topic: string;
  action: 'created' | 'partitions' | 'replication' | 'config' | 'unchanged';
  detail: string;
}

/** What every topic is replicated as on this cluster, and the brokers replicas may be placed on. */
interface Replication {
  replicationFactor: number;
  minInsyncReplicas: number;
  brokerIds: number[];
}

/**
 * Create missing topics, add partitions, move partitions to the cluster's replication factor, and
 * reset drifted configs (min.insync.replicas included). Idempotent.
 */
export async function applyCatalog(admin: Admin, catalog: readonly TopicSpec[]): Promise<TopicChange[]> {
  const existing = new Set(await admin.listTopics());
  const present = catalog.filter((spec) => existing.has(spec.name)).map((spec) => spec.name);
  const [cluster, placed] = await Promise.all([
    admin.describeCluster(),
    present.length === 0 ? Promise.resolve([]) : admin.partitionReplicas(present),
  ]);
  // The cluster's size: the brokers serving, or more if replicas already live on more (one of them
  // down right now must not shrink every topic's replication).
  const brokerIds = [
    ...new Set([
      ...cluster.brokers.map((broker) => broker.nodeId),
      ...placed.flatMap((topic) => topic.partitions.flatMap((p) => p.replicas)),
    ]),
  ].sort((a, b) => a - b);
  const replication = { ...replicationOf(brokerIds.length), brokerIds };
  const replicasOf = new Map(placed.map((topic) => [topic.topic, topic.partitions]));
  // Topics are independent of each other: all are compared at once (one after another took ~9 s
  // for the catalog on a local broker, mostly waiting on round trips); changes keep catalog order.
  const perTopic = await Promise.allSettled(
    catalog.map((spec) => applyTopic(admin, spec, replication, replicasOf.get(spec.name))),
  );
  // Every topic's request has ended before a failure is reported (none left running unobserved).
  const failure = perTopic.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return perTopic.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
}

async function applyTopic(
  admin: Admin,
  spec: TopicSpec,
  replication: Replication,
  placed: PartitionReplicas[] | undefined,
): Promise<TopicChange[]> {
  const wanted = {
    ...topicConfigEntries(spec),
    'min.insync.replicas': String(replication.minInsyncReplicas),
  };
  if (placed === undefined) {
    const created = await admin.createTopic({
      name: spec.name,
      partitions: spec.partitions,
      replicationFactor: replication.replicationFactor,
      configEntries: wanted,
    });
    if (created)
      return [
        {
          topic: spec.name,
          action: 'created',
          detail: `${spec.partitions} partitions, replication factor ${replication.replicationFactor}`,
        },
      ];
    // It existed after all: the broker that listed the topics had not yet heard of it (a cluster's
    // brokers learn a new topic one after another). Compared like any existing topic.
    const [found] = await admin.partitionReplicas([spec.name]);
    return applyTopic(admin, spec, replication, found?.partitions ?? []);
  }
  const changes: TopicChange[] = [];
  const moves = replicaMoves(placed, replication);
  if (moves.length > 0) {
    await admin.reassignPartitions(spec.name, moves);
    const from = [...new Set(placed.map((p) => p.replicas.length))].join('/');
    changes.push({
      topic: spec.name,
      action: 'replication',
      detail: `replication factor ${from} → ${replication.replicationFactor}: ${moves.length} partition(s) reassigned (Kafka copies them in the background)`,
    });
  }
  const partitions = await admin.partitionCount(spec.name);
  if (partitions < spec.partitions) {
    await admin.addPartitions(spec.name, spec.partitions);
    changes.push({ topic: spec.name, action: 'partitions', detail: `${partitions} → ${spec.partitions}` });
  } else if (partitions > spec.partitions) {
    // Kafka cannot remove partitions; say so instead of pretending.
    changes.push({
      topic: spec.name,
      action: 'unchanged',
      detail: `has ${partitions} partitions, catalog says ${spec.partitions}: Kafka cannot shrink a topic`,
    });
  }
  const current = await admin.describeTopicConfig(spec.name, Object.keys(wanted));
  const drift = Object.entries(wanted).filter(([key, value]) => current[key] !== value);
  if (drift.length > 0) {
    await admin.alterTopicConfig(spec.name, wanted);
    changes.push({
      topic: spec.name,
      action: 'config',
      detail: drift.map(([key, value]) => `${key}: ${current[key] ?? '(unset)'} → ${value}`).join(', '),
    });
  } else if (partitions === spec.partitions && moves.length === 0) {
    changes.push({ topic: spec.name, action: 'unchanged', detail: 'matches the catalog' });
  }
  return changes;
}

/**
 * The partitions whose replica count is not the cluster's factor, with a new replica set each: the
 * current replicas kept (leader first), brokers added starting at a different one per partition so
 * the copies spread, or the last ones dropped.
 */
export function replicaMoves(
  placed: readonly PartitionReplicas[],
  replication: Replication,
): Array<{ partition: number; replicas: number[] }> {
  const { replicationFactor, brokerIds } = replication;
  return placed.flatMap(({ partition, replicas }) => {
    if (replicas.length === replicationFactor) return [];
    if (replicas.length > replicationFactor)
      return [{ partition, replicas: replicas.slice(0, replicationFactor) }];
    const rotated = brokerIds.map((_, i) => brokerIds[(partition + i) % brokerIds.length] as number);
    const added = rotated
      .filter((id) => !replicas.includes(id))
      .slice(0, replicationFactor - replicas.length);
    return [{ partition, replicas: [...replicas, ...added] }];
  });
}

export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  committed: string;
  end: string;
  lag: number;
}

/** Lag of a group on a topic: end offset minus committed offset (a partition never committed counts from the start). */
export async function groupLag(admin: Admin, group: string, topic: string): Promise<PartitionLag[]> {
  const [ends, committed] = await Promise.all([admin.topicOffsets(topic), admin.groupOffsets(group, topic)]);
  const byPartition = new Map(committed.map((c) => [c.partition, c.offset]));
  return ends
    .map((end) => {
      const offset = byPartition.get(end.partition) ?? '-1';
      const from = offset === '-1' ? end.low : offset;
      return {
        group,
        topic,
        partition: end.partition,
        committed: offset,
        end: end.high,
        lag: Math.max(0, Number(end.high) - Number(from)),
      };
    })
    .sort((a, b) => a.partition - b.partition);
}

export type ReplayFrom =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'time'; timestampMs: number }
  /** The same offset on every partition, each clamped to what its partition holds. */
  | { kind: 'offset'; offset: string };

/** Where a replay moves one partition of a topic, with what the partition holds now. */
export interface ReplayTarget {
  partition: number;
  /** The partition's first and next offsets now (its end: where a caught-up group stands). */
  low: string;
  high: string;
  /** The offset the group moves to: within [low, high]. */
  offset: string;
}

/**
 * The offset a replay moves a partition to. A time's offset comes from the broker (the first record
 * at or after it; the end when there is none); an offset number is clamped into [low, high], so
 * `--from 0` on a partition whose start was deleted by retention starts at its first record.
 */
export function replayOffset(from: ReplayFrom, held: TopicOffsets, offsetAtTime?: string): string {
  const clamp = (offset: bigint) => {
    const [low, high] = [BigInt(held.low), BigInt(held.high)];
    return String(offset < low ? low : offset > high ? high : offset);
  };
  switch (from.kind) {
    case 'earliest':
      return held.low;
    case 'latest':
      return held.high;
    case 'offset':
      return clamp(BigInt(from.offset));
    case 'time':
      return clamp(BigInt(offsetAtTime ?? held.high));
  }
}

/** Where a replay would move a group on a topic, partition by partition; changes nothing. */
export async function replayTargets(admin: Admin, topic: string, from: ReplayFrom): Promise<ReplayTarget[]> {
  const [held, atTime] = await Promise.all([
    admin.topicOffsets(topic),
    from.kind === 'time' ? admin.topicOffsetsAt(topic, from.timestampMs) : Promise.resolve([]),
  ]);
  const timeOffsets = new Map(atTime.map((p) => [p.partition, p.offset]));
  return held
    .map((partition) => ({
      partition: partition.partition,
      low: partition.low,
      high: partition.high,
      offset: replayOffset(from, partition, timeOffsets.get(partition.partition)),
    }))
    .sort((a, b) => a.partition - b.partition);
}

/**
 * Move a group's offsets on a topic. Kafka only allows this while the group has no live member,
 * so the caller stops the group's workers first (`primoart replay` does, on the local stack).
 */
export async function resetGroupOffsets(
  admin: Admin,
  group: string,
  topic: string,
  from: ReplayFrom,
): Promise<Array<{ partition: number; offset: string }>> {
  const partitions = (await replayTargets(admin, topic, from)).map(({ partition, offset }) => ({
    partition,
    offset,
  }));
  await admin.setGroupOffsets(group, topic, partitions);
  return partitions;
}
