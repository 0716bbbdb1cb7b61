// Step slowdowns injected into a simulated fleet's history, judged in process by the real detector
// (`detectRun`) once per rule: how many runs (or rounds) after the step each rule opens a
// performance problem. Used by false-alarms.ts (its tables 2 and 3) and by the alerting test (the
// regression opens sooner than before, over many draws rather than one).
import type { SynthResult } from '../../schemas/record-types.ts';
import { type DetectorState, emptyDetectorState } from '../../workers/event-detector/detector-state.ts';
import { type ObservedRun, observedRunOf } from '../../workers/event-detector/observed-run.ts';
import { type DetectionContext, detectRun } from '../../workers/event-detector/transaction-judgement.ts';
import type { RunBands } from './hourly-bands.ts';

export interface JudgingRule {
  name: string;
  context: DetectionContext;
  /** Judge against the record's bands as published, not steadied (the detector before issue 13). */
  publishedBands: boolean;
}

/** A slowdown of one location of a transaction, or of every location (the whole transaction). */
export type SlowdownScope = 'location' | 'transaction';

export interface Slowdown {
  scope: SlowdownScope;
  transactionId: string;
  /** The slowed location (`location` scope). */
  location?: string;
  /** The step begins with the transaction's first run started at or after this. */
  atMs: number;
}

/** One slowdown of one magnitude for one rule: a copy of the transaction's state fed its runs, slowed. */
export interface SlowdownFork {
  rule: number;
  scope: SlowdownScope;
  location?: string;
  magnitude: number;
  state: DetectorState;
  /** Slowed runs fed. */
  runs: number;
  /**
   * Until the open (1 = the first slowed run opened it): runs of the slowed location (`location`),
   * or rounds, one run per location (`transaction`); undefined when not opened within max-runs.
   */
  delay?: number;
  done: boolean;
  /** The rule had a (chance) problem open when the slowdown began: not counted. */
  alreadyOpen?: boolean;
}

export interface SlowdownJudging {
  rules: readonly JudgingRule[];
  /** Sorted by `atMs`. */
  slowdowns: readonly Slowdown[];
  magnitudes: readonly number[];
  /** Runs (or rounds) after the step a slowdown may take to open. */
  maxRuns: number;
  /** Each transaction's number of locations (a round's runs). */
  locationsOf(transactionId: string): number;
  /** Called for every performance problem a rule opens on the undisturbed runs. */
  onChanceOpen?(rule: number, result: SynthResult): void;
  /** Called for every run before it is judged (progress). */
  onRun?(result: SynthResult): void;
}

const performanceOpen = (state: DetectorState | undefined, transactionId: string) =>
  state?.transactions[transactionId]?.open.performance !== undefined;

function judge(rule: JudgingRule, state: DetectorState, run: ObservedRun, bands: RunBands | undefined) {
  const baseline = (rule.publishedBands ? bands?.published : bands?.steadied) ?? null;
  return detectRun(state, run, { location: baseline, overall: null }, rule.context).state;
}

/**
 * Judges the runs (in start order, with the bands learned before each) by every rule, and each
 * slowdown, forked from a rule's state of its transaction when it begins, by that rule. Returns
 * every fork, done or not.
 */
export function judgeSlowdowns(
  runs: Iterable<{ result: SynthResult; bands?: RunBands }>,
  judging: SlowdownJudging,
): SlowdownFork[] {
  const { rules, slowdowns, magnitudes, maxRuns } = judging;
  /** Per rule, per transaction: the detector's state of that transaction alone. */
  const states = rules.map(() => new Map<string, DetectorState>());
  let next = 0;
  const forks = new Map<string, SlowdownFork[]>();
  const finished: SlowdownFork[] = [];
  for (const { result, bands } of runs) {
    judging.onRun?.(result);
    const run = observedRunOf(result);
    const id = run.transaction_id;
    const startedMs = result.started_at.getTime();
    // Slowdowns that begin with this run fork every rule's state of its transaction.
    for (; next < slowdowns.length && (slowdowns[next] as Slowdown).atMs <= startedMs; next++) {
      const slowdown = slowdowns[next] as Slowdown;
      const list = forks.get(slowdown.transactionId) ?? [];
      for (const [i] of rules.entries())
        for (const magnitude of magnitudes)
          list.push({
            rule: i,
            scope: slowdown.scope,
            ...(slowdown.location === undefined ? {} : { location: slowdown.location }),
            magnitude,
            state: states[i]?.get(slowdown.transactionId) ?? emptyDetectorState(),
            runs: 0,
            done: false,
          });
      forks.set(slowdown.transactionId, list);
    }
    for (const [i, rule] of rules.entries()) {
      const byTransaction = states[i] as Map<string, DetectorState>;
      const before = byTransaction.get(id);
      const after = judge(rule, before ?? emptyDetectorState(), run, bands);
      byTransaction.set(id, after);
      if (!performanceOpen(before, id) && performanceOpen(after, id)) judging.onChanceOpen?.(i, result);
    }
    const active = forks.get(id);
    if (active === undefined) continue;
    for (const fork of active) {
      if (fork.runs === 0 && performanceOpen(fork.state, id)) {
        fork.alreadyOpen = true;
        fork.done = true;
        continue;
      }
      const slowedHere = fork.scope === 'transaction' || fork.location === run.location;
      const slowed: ObservedRun = slowedHere
        ? { ...run, duration_ms: run.duration_ms * fork.magnitude }
        : run;
      fork.state = judge(rules[fork.rule] as JudgingRule, fork.state, slowed, bands);
      if (slowedHere) fork.runs += 1;
      const elapsed =
        fork.scope === 'transaction' ? Math.ceil(fork.runs / judging.locationsOf(id)) : fork.runs;
      if (performanceOpen(fork.state, id)) {
        fork.delay = elapsed;
        fork.done = true;
      } else if (elapsed >= maxRuns) fork.done = true;
    }
    const remaining = active.filter((fork) => !fork.done);
    finished.push(...active.filter((fork) => fork.done));
    if (remaining.length === 0) forks.delete(id);
    else forks.set(id, remaining);
  }
  for (const list of forks.values()) finished.push(...list);
  return finished;
}

/** The p-quantile (type 1) of sorted values. */
export function quantileOf(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

/**
 * The delays of one rule's forks of a scope and magnitude (those that began with no problem open):
 * median and p90, a slowdown not opened counting as later than any (Infinity), and the share not
 * opened.
 */
export function delaySummary(
  forks: readonly SlowdownFork[],
  rule: number,
  scope: SlowdownScope,
  magnitude: number,
): { count: number; median?: number; p90?: number; missed: number } {
  const mine = forks.filter(
    (f) => f.rule === rule && f.scope === scope && f.magnitude === magnitude && !f.alreadyOpen,
  );
  const opened = mine
    .map((f) => f.delay)
    .filter((d): d is number => d !== undefined)
    .sort((a, b) => a - b);
  const all = [...opened, ...new Array<number>(mine.length - opened.length).fill(Number.POSITIVE_INFINITY)];
  const median = quantileOf(all, 0.5);
  const p90 = quantileOf(all, 0.9);
  return {
    count: mine.length,
    ...(median === undefined ? {} : { median }),
    ...(p90 === undefined ? {} : { p90 }),
    missed: mine.length === 0 ? 0 : (mine.length - opened.length) / mine.length,
  };
}
