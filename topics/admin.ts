// Operations on the cluster that the CLI and tests share: make topics match the catalog, measure
// lag, and move a consumer group's offsets for a replay.
import { type TopicSpec, topicConfigEntries } from './catalog.ts';
import type { Admin } from './port.ts';

export interface TopicChange {
  topic: string;
  action: 'created' | 'partitions' | 'config' | 'unchanged';
  detail: string;
}

/** Create missing topics, add partitions, and reset drifted configs. Idempotent. */
export async function applyCatalog(admin: Admin, catalog: readonly TopicSpec[]): Promise<TopicChange[]> {
  const existing = new Set(await admin.listTopics());
  // Topics are independent of each other: all are compared at once (one after another took ~9 s
  // for the catalog on a local broker, mostly waiting on round trips); changes keep catalog order.
  const perTopic = await Promise.allSettled(
    catalog.map((spec) => applyTopic(admin, spec, existing.has(spec.name))),
  );
  // Every topic's request has ended before a failure is reported (none left running unobserved).
  const failure = perTopic.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return perTopic.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
}

async function applyTopic(admin: Admin, spec: TopicSpec, exists: boolean): Promise<TopicChange[]> {
  const wanted = topicConfigEntries(spec);
  if (!exists) {
    await admin.createTopic({ name: spec.name, partitions: spec.partitions, configEntries: wanted });
    return [{ topic: spec.name, action: 'created', detail: `${spec.partitions} partitions` }];
  }
  const changes: TopicChange[] = [];
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
  } else if (partitions === spec.partitions) {
    changes.push({ topic: spec.name, action: 'unchanged', detail: 'matches the catalog' });
  }
  return changes;
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

export type ReplayFrom = { kind: 'earliest' } | { kind: 'latest' } | { kind: 'time'; timestampMs: number };

/**
 * Move a group's offsets on a topic. Kafka only allows this while the group has no live member,
 * so the caller stops the group's workers first (the CLI says so when the broker refuses).
 */
export async function resetGroupOffsets(admin: Admin, group: string, topic: string, from: ReplayFrom) {
  let partitions: Array<{ partition: number; offset: string }>;
  if (from.kind === 'time') {
    partitions = await admin.topicOffsetsAt(topic, from.timestampMs);
  } else {
    const offsets = await admin.topicOffsets(topic);
    partitions = offsets.map((o) => ({
      partition: o.partition,
      offset: from.kind === 'earliest' ? o.low : o.high,
    }));
  }
  await admin.setGroupOffsets(group, topic, partitions);
  return partitions;
}
