// Watching a group reprocess after its offsets moved: its committed offsets read every half second
// until each partition reached the end captured at the move, with records left, rate and ETA on the
// live line (on a terminal; core/progress.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import { type Progress, rateMeter } from '../../core/progress.ts';
import type { Admin } from '../../topics/port.ts';
import { type PlannedPartition, partitionKey, progressLine, recordsLeft, totalRecords } from './plan.ts';

export type CatchUp =
  | { outcome: 'caught-up' }
  /** Not there within the timeout, or stopped by `signal`: what was left then. */
  | { outcome: 'timeout' | 'stopped'; left: number };

export interface CatchUpOptions {
  admin: Admin;
  group: string;
  plan: readonly PlannedPartition[];
  /** The start of every live line: "replay of G from earliest". */
  label: string;
  progress: Progress;
  timeoutMs: number;
  /** Aborted: the wait ends at once (Ctrl-C, the reprocessing worker exited). */
  signal?: AbortSignal;
  pollMs?: number;
}

/** The group's committed offsets on the plan's topics, by `topic/partition`. */
async function committedOffsets(
  admin: Admin,
  group: string,
  topics: readonly string[],
): Promise<Map<string, string>> {
  const read = await Promise.all(
    topics.map(async (topic) =>
      (await admin.groupOffsets(group, topic)).map(
        (c) => [partitionKey(topic, c.partition), c.offset] as const,
      ),
    ),
  );
  return new Map(read.flat());
}

export async function waitCaughtUp(options: CatchUpOptions): Promise<CatchUp> {
  const { admin, group, plan, label, progress, signal } = options;
  const topics = [...new Set(plan.map((p) => p.topic))];
  const total = totalRecords(plan);
  const deadline = Date.now() + options.timeoutMs;
  const meter = rateMeter(10_000);
  let left = total;
  for (;;) {
    if (signal?.aborted) return { outcome: 'stopped', left };
    try {
      left = recordsLeft(plan, await committedOffsets(admin, group, topics));
    } catch {
      // A read the broker did not answer (a leader moving): the next one will.
    }
    if (left === 0) return { outcome: 'caught-up' };
    progress.update(progressLine(label, left, total, meter.sample(total - left)));
    if (Date.now() >= deadline) return { outcome: 'timeout', left };
    try {
      await sleep(options.pollMs ?? 500, undefined, signal === undefined ? {} : { signal });
    } catch {
      return { outcome: 'stopped', left };
    }
  }
}
