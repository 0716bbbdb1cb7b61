// What `primoart replay` decides and says, without Kafka: where `--from` points, the per-partition
// plan a dry run prints, how far a group still is from the end captured when its offsets moved, and
// the lines that report it.
import { formatDuration, formatEta } from '../../core/progress.ts';
import { table } from '../../core/text-table.ts';
import type { ReplayFrom, ReplayTarget } from '../../topics/admin.ts';
import type { GroupMember } from '../../topics/port.ts';

/** `--from`: `earliest`, `latest`, an RFC 3339 time, or an offset applied to every partition. */
export function parseReplayFrom(value: string): ReplayFrom {
  if (value === 'earliest' || value === 'latest') return { kind: value };
  if (/^[0-9]+$/.test(value)) return { kind: 'offset', offset: String(BigInt(value)) };
  const ms = Date.parse(value);
  // Date.parse also takes "1" or "March 7": only a dated time is a time here.
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new Error(
      `--from takes 'earliest', 'latest', an RFC 3339 time (2026-03-01T00:00:00Z) or an offset, not '${value}'`,
    );
  }
  return { kind: 'time', timestampMs: ms };
}

/** How a summary names the start: "earliest", "2026-03-01T00:00:00.000Z", "offset 1200". */
export function describeFrom(from: ReplayFrom): string {
  switch (from.kind) {
    case 'earliest':
    case 'latest':
      return from.kind;
    case 'time':
      return new Date(from.timestampMs).toISOString();
    case 'offset':
      return `offset ${from.offset}`;
  }
}

/** `--timeout`: seconds, or a number with s, min/m or h ("90s", "30m", "2h"). */
export function parseTimeout(value: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)\s*(s|m|min|h)?$/.exec(value.trim());
  const amount = Number(match?.[1]);
  if (match === null || !(amount > 0))
    throw new Error(`--timeout takes a duration such as 90s, 30m or 2h, not '${value}'`);
  const unit = match[2] === 'h' ? 3_600_000 : match[2] === 'm' || match[2] === 'min' ? 60_000 : 1_000;
  return amount * unit;
}

/** One partition of a replay: where the group is, where it moves, and where the topic ends now. */
export interface PlannedPartition {
  topic: string;
  partition: number;
  /** The group's committed offset now; '-1' when it has none there. */
  committed: string;
  /** Where the replay moves it. */
  target: string;
  /** The topic's end offset now: the group has caught up once it has committed this far. */
  end: string;
}

/** The plan of one topic, from the targets (admin.replayTargets) and the group's committed offsets. */
export function planTopic(
  topic: string,
  targets: readonly ReplayTarget[],
  committed: ReadonlyArray<{ partition: number; offset: string }>,
): PlannedPartition[] {
  const now = new Map(committed.map((c) => [c.partition, c.offset]));
  return targets.map((t) => ({
    topic,
    partition: t.partition,
    committed: now.get(t.partition) ?? '-1',
    target: t.offset,
    end: t.high,
  }));
}

/** Records between the target and the end: what the group reads again (offsets, so on a compacted topic at most that many). */
export const recordsOf = (p: PlannedPartition): number => Math.max(0, Number(p.end) - Number(p.target));

export const totalRecords = (plan: readonly PlannedPartition[]): number =>
  plan.reduce((sum, p) => sum + recordsOf(p), 0);

export const count = (n: number): string => n.toLocaleString('en-US');

/** `--dry-run`: every partition, committed now → target, the records that is, and a total line. */
export function formatPlan(plan: readonly PlannedPartition[]): string {
  const rows = plan.map((p) => [
    p.topic,
    String(p.partition),
    p.committed === '-1' ? '-' : p.committed,
    p.target,
    p.end,
    count(recordsOf(p)),
  ]);
  const topics = new Set(plan.map((p) => p.topic)).size;
  return (
    table([['TOPIC', 'PARTITION', 'COMMITTED', 'MOVE TO', 'END', 'RECORDS'], ...rows]) +
    `total: ${count(totalRecords(plan))} records on ${plan.length} partitions of ${topics} topic(s)\n`
  );
}

/**
 * Records the group has still to commit before it reaches the end captured in the plan: per
 * partition, end − committed (a partition without a commit counts from its target). A group that
 * went past the end (records published meanwhile) has nothing left there.
 */
export function recordsLeft(
  plan: readonly PlannedPartition[],
  committed: ReadonlyMap<string, string>,
): number {
  return plan.reduce((sum, p) => {
    const at = committed.get(partitionKey(p.topic, p.partition));
    const from = at === undefined || at === '-1' ? Number(p.target) : Number(at);
    return sum + Math.max(0, Math.min(Number(p.end) - from, recordsOf(p)));
  }, 0);
}

export const partitionKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/** The live line: "replay of G from earliest: 12,400 of 48,210 records left · 2,100/s · ETA 6 s". */
export function progressLine(label: string, left: number, total: number, perSecond: number): string {
  return `${label}: ${count(left)} of ${count(total)} records left · ${count(Math.round(perSecond))}/s · ${formatEta(left, perSecond)}`;
}

/** The result line, ending with the record count and the time it took. */
export function caughtUpLine(label: string, total: number, elapsedMs: number): string {
  return `${label}: caught up, ${count(total)} records reprocessed in ${formatDuration(elapsedMs)}`;
}

/** A group's members as an operator finds them: "primoart@/10.0.0.5 (member primoart-1f…)". */
export function describeMembers(members: readonly GroupMember[]): string {
  return members
    .map((m) => `${m.clientId}@${m.clientHost.replace(/^\//, '')} (member ${m.memberId})`)
    .join(', ');
}
