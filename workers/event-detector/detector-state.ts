// The detector's whole memory, as plain data: it can be written to a store after every batch and
// read back after a restart (`serialiseDetectorState` / `parseDetectorState`). The series are the
// internal state machines (one per transaction and location); the transactions hold what is alerted.
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
  /** ln(duration / p50) of a judged run; absent for unjudged runs and in state saved before it. */
  log_ratio?: number;
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
  /**
   * The sequential performance rule's evidence (performance-rule.ts): the CUSUM and the judged runs
   * since it last was 0. Absent in state saved before that rule and while `method: count` judges.
   */
  performance_cusum?: { value: number; runs: number };
}

/**
 * A problem of a transaction as alerted: one per transaction and kind over its location series
 * (with `alerts.per: location`, unused: each series' own problem is the alert).
 */
export interface TransactionProblem {
  severity: ProblemSeverity;
  opened_at_ms: number;
  /** Whether an unsuppressed open was ever emitted, i.e. whether there is an alert to close. */
  announced: boolean;
  /** Whether the latest open of this problem was emitted suppressed. */
  suppressed: boolean;
  /** The failing locations (`locationLabel`), sorted, as the latest open named them. */
  locations: string[];
  /** The transaction name the latest open carried: Alerta's resource is made of it (see `renamed`). */
  name: string;
}

export interface TransactionState {
  transaction_id: string;
  /** As the latest run named them. */
  transaction_name: string;
  service: string;
  environment: string;
  /** The locations (`locationLabel`) the detector keeps a series of, sorted. */
  locations: string[];
  open: Partial<Record<EventKind, TransactionProblem>>;
  /**
   * The CUSUM over the judged runs of all its locations together (pooled-performance.ts) and the
   * runs since it last was 0. Absent with a single location, under `method: count`, and in state
   * saved before it.
   */
  performance_pooled?: { value: number; runs: number };
}

export interface DetectorState {
  version: 2;
  /** By `seriesKey`. */
  series: Record<string, SeriesState>;
  /** By transaction id. */
  transactions: Record<string, TransactionState>;
}

export function emptyDetectorState(): DetectorState {
  return { version: 2, series: {}, transactions: {} };
}

export function seriesKey(transactionId: string, location: string | null): string {
  return location === null ? `${transactionId}|*` : `${transactionId}|${location}`;
}

/** A series' location as a transaction lists it: its key, '' for runs sent without a location. */
export function locationLabel(location: string | null): string {
  return location ?? '';
}

/** The inverse of `locationLabel`. */
export function locationOfLabel(label: string): string | null {
  return label === '' ? null : label;
}

export function serialiseDetectorState(state: DetectorState): string {
  return JSON.stringify(state);
}

function checkSeries(key: string, series: unknown): asserts series is SeriesState {
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

function checkTransaction(id: string, transaction: unknown): asserts transaction is TransactionState {
  const t = transaction as Partial<TransactionState> | null;
  if (
    typeof t !== 'object' ||
    t === null ||
    t.transaction_id !== id ||
    !Array.isArray(t.locations) ||
    typeof t.open !== 'object' ||
    t.open === null
  ) {
    throw new TypeError(`detector state: transaction ${id} is malformed`);
  }
}

/**
 * Version 1 judged every located run twice: at its location and for the transaction overall
 * (`<id>|*`). Version 2 alerts per transaction over its location series, so an overall series of a
 * transaction that has location series is dropped; `|*` stays only for runs without a location.
 * The transactions' problems are rebuilt from their series' open problems (announced when any
 * location's was). Alerts raised by version 1 had other Alerta resources: see the README, "Upgrading".
 */
function upgradeFromVersion1(series: Record<string, SeriesState>): DetectorState {
  const located = new Set<string>();
  for (const s of Object.values(series)) if (s.location !== null) located.add(s.transaction_id);
  // The alerts version 1 raised have other resources (closed by hand, README "Upgrading"): every
  // open problem is taken as never announced and suppressed, so the next bad run announces it
  // under its new resource, and a clear before that is recorded, not sent.
  const unannounced = (open: SeriesState['open']) =>
    Object.fromEntries(
      Object.entries(open).map(([kind, problem]) => [
        kind,
        { ...problem, announced: false, suppressed: true },
      ]),
    );
  const kept: Record<string, SeriesState> = {};
  for (const [key, s] of Object.entries(series))
    if (s.location !== null || !located.has(s.transaction_id))
      kept[key] = { ...s, open: unannounced(s.open) };
  const transactions: Record<string, TransactionState> = {};
  for (const s of Object.values(kept)) {
    const transaction = transactions[s.transaction_id] ?? {
      transaction_id: s.transaction_id,
      transaction_name: s.transaction_name,
      service: s.service,
      environment: s.environment,
      locations: [],
      open: {},
    };
    transactions[s.transaction_id] = transaction;
    transaction.locations = [...transaction.locations, locationLabel(s.location)].sort();
    for (const [kind, problem] of Object.entries(s.open) as Array<[EventKind, OpenProblem]>) {
      const known = transaction.open[kind];
      transaction.open[kind] = {
        severity:
          known === undefined || rank(problem.severity) > rank(known.severity)
            ? problem.severity
            : known.severity,
        opened_at_ms: Math.min(known?.opened_at_ms ?? problem.opened_at_ms, problem.opened_at_ms),
        announced: false,
        suppressed: true,
        locations: [...(known?.locations ?? []), locationLabel(s.location)].sort(),
        name: s.transaction_name,
      };
    }
  }
  return { version: 2, series: kept, transactions };
}

const severityRanks: Record<ProblemSeverity, number> = { warning: 1, major: 2, critical: 3 };

/** Orders severities: warning < major < critical. */
export function rank(severity: ProblemSeverity): number {
  return severityRanks[severity];
}

/**
 * Reads what `serialiseDetectorState` wrote (or version 1, upgraded); throws on anything else
 * rather than start from a wrong memory.
 */
export function parseDetectorState(text: string): DetectorState {
  return checkedDetectorState(JSON.parse(text));
}

/** The state of parsed JSON (`parseDetectorState`, or a store's rows read one by one), checked. */
export function checkedDetectorState(parsed: unknown): DetectorState {
  if (typeof parsed !== 'object' || parsed === null) throw new TypeError('detector state: not an object');
  const candidate = parsed as { version?: unknown; series?: unknown; transactions?: unknown };
  if (candidate.version !== 1 && candidate.version !== 2)
    throw new TypeError(`detector state: unknown version ${String(candidate.version)}`);
  const isMap = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isMap(candidate.series)) throw new TypeError('detector state: series must be an object');
  for (const [key, s] of Object.entries(candidate.series)) checkSeries(key, s);
  const series = candidate.series as Record<string, SeriesState>;
  if (candidate.version === 1) return upgradeFromVersion1(series);
  if (!isMap(candidate.transactions)) throw new TypeError('detector state: transactions must be an object');
  for (const [id, t] of Object.entries(candidate.transactions)) checkTransaction(id, t);
  return { version: 2, series, transactions: candidate.transactions as Record<string, TransactionState> };
}
