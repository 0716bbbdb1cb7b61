// The detector's whole memory, as plain data: it can be written to a store after every batch and
// read back after a restart (`serialiseDetectorState` / `parseDetectorState`).
import type { EventKind, ProblemSeverity, RunStatus } from '../../schemas/record-types.ts';

/** How a run's duration compared with its band; `unjudged` for FAIL runs and learning baselines. */
export type PerformanceJudgement = 'unjudged' | 'within' | 'slow' | 'very_slow';

export interface RememberedRun {
  result_id: string;
  /** Absent in state saved before runs were told apart by robot (see `isSameRun`). */
  robot_id?: string;
  status: RunStatus;
  duration_ms: number;
  finished_at_ms: number;
  performance: PerformanceJudgement;
}

export interface OpenProblem {
  severity: ProblemSeverity;
  opened_at_ms: number;
  /** Whether an unsuppressed open was ever emitted, i.e. whether there is an alert to close. */
  announced: boolean;
  /** Whether the latest open of this problem was emitted suppressed. */
  suppressed: boolean;
}

export interface SeriesState {
  transaction_id: string;
  /** Null for the transaction over all locations. */
  location: string | null;
  /** As the latest run named them. */
  transaction_name: string;
  service: string;
  environment: string;
  last_result_id: string | null;
  /** The robot of `last_result_id`; absent in state saved before runs were told apart by robot. */
  last_robot_id?: string | null;
  last_finished_at_ms: number | null;
  /** The latest runs, oldest first, as many as the longest rule window. */
  recent: RememberedRun[];
  /** Runs in a row without FAIL, and with status OK. */
  fail_free_streak: number;
  ok_streak: number;
  open: Partial<Record<EventKind, OpenProblem>>;
}

export interface DetectorState {
  version: 1;
  /** By `seriesKey`. */
  series: Record<string, SeriesState>;
}

export function emptyDetectorState(): DetectorState {
  return { version: 1, series: {} };
}

export function seriesKey(transactionId: string, location: string | null): string {
  return location === null ? `${transactionId}|*` : `${transactionId}|${location}`;
}

export function serialiseDetectorState(state: DetectorState): string {
  return JSON.stringify(state);
}

/** Reads what `serialiseDetectorState` wrote; throws on anything else rather than start from a wrong memory. */
export function parseDetectorState(text: string): DetectorState {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null) throw new TypeError('detector state: not an object');
  const candidate = parsed as { version?: unknown; series?: unknown };
  if (candidate.version !== 1)
    throw new TypeError(`detector state: unknown version ${String(candidate.version)}`);
  if (typeof candidate.series !== 'object' || candidate.series === null || Array.isArray(candidate.series)) {
    throw new TypeError('detector state: series must be an object');
  }
  for (const [key, series] of Object.entries(candidate.series as Record<string, unknown>)) {
    const s = series as Partial<SeriesState> | null;
    if (
      typeof s !== 'object' ||
      s === null ||
      typeof s.transaction_id !== 'string' ||
      !Array.isArray(s.recent) ||
      typeof s.open !== 'object' ||
      s.open === null
    ) {
      throw new TypeError(`detector state: series ${key} is malformed`);
    }
  }
  return parsed as DetectorState;
}
