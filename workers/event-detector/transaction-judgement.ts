// A run, or a no-data check, judged for the whole detector state: the series' state machines
// (run-judgement.ts, silence-check.ts) and then what is alerted per transaction
// (transaction-problems.ts).
import type { DetectedEvent, EventKind } from '../../schemas/record-types.ts';
import type { RunBaselines } from './baseline-band.ts';
import {
  type DetectorState,
  locationLabel,
  locationOfLabel,
  type SeriesState,
  seriesKey,
} from './detector-state.ts';
import type { ObservedRun } from './observed-run.ts';
import { judgeTogether } from './pooled-performance.ts';
import { clearProblem, describeSeries } from './problem-transitions.ts';
import { type JudgementContext, judgeRun } from './run-judgement.ts';
import { detectSilence, type SilenceContext } from './silence-check.ts';
import {
  type AlertContext,
  foldTransitions,
  renameProblems,
  transactionWith,
} from './transaction-problems.ts';

export type DetectionContext = JudgementContext & AlertContext;

/**
 * Judge a run for its series (its location's; runs without a location have one series of their
 * own, `<transaction_id>|*`), then fold what changed into its transaction's problems. Returns the
 * new state; the given one is not modified.
 */
export function detectRun(
  state: DetectorState,
  run: ObservedRun,
  baselines: RunBaselines,
  context: DetectionContext,
): { state: DetectorState; events: DetectedEvent[] } {
  const key = seriesKey(run.transaction_id, run.location);
  const before = state.series[key];
  const baseline = run.location === null ? baselines.overall : baselines.location;
  const judged = judgeRun(before, run, run.location, baseline, context);
  if (judged.ignored !== undefined) return { state, events: [] };
  const series = { ...state.series, [key]: judged.state };
  const events: DetectedEvent[] = [];
  const lookupBefore = (k: string) => state.series[k];
  let transaction = transactionWith(state.transactions[run.transaction_id], run, [
    locationLabel(run.location),
  ]);
  const known = state.transactions[run.transaction_id];
  if (known !== undefined && known.transaction_name !== run.transaction_name) {
    // Renamed: the series' names are still the old ones until judged (only this run's is new).
    const renamed = renameProblems(
      { ...transaction, transaction_name: known.transaction_name },
      run.transaction_name,
      { occurred_at: run.finished_at, result_id: run.result_id, robot_id: run.robot_id },
      lookupBefore,
      context,
    );
    transaction = renamed.transaction;
    events.push(...renamed.events);
    // Every series now carries the new name: a later event of a series that has not reported since
    // (a clear by the no-data check, alerts per location) must name the alert as it was moved.
    for (const label of transaction.locations) {
      const k = seriesKey(run.transaction_id, locationOfLabel(label));
      const s = series[k];
      if (s !== undefined && s.transaction_name !== run.transaction_name)
        series[k] = { ...s, transaction_name: run.transaction_name };
    }
  }
  // The transaction's locations judged together may open more of them (pooled-performance.ts).
  const together = judgeTogether(transaction, series, key, run, baseline, context);
  transaction = together.transaction;
  const folded = foldTransitions(
    transaction,
    (k) => series[k],
    [...judged.events, ...together.events],
    context,
  );
  events.push(...folded.events);
  return {
    state: {
      version: 2,
      series,
      transactions: { ...state.transactions, [run.transaction_id]: folded.transaction },
    },
    events,
  };
}

/**
 * The no-data check over the whole state (`detectSilence`), its transitions folded per
 * transaction.
 */
export function detectSilentTransactions(
  state: DetectorState,
  now: Date,
  context: SilenceContext & AlertContext,
): { state: DetectorState; events: DetectedEvent[] } {
  const checked = detectSilence(state, now, context);
  const byTransaction = new Map<string, DetectedEvent[]>();
  for (const event of checked.events) {
    const list = byTransaction.get(event.transaction_id) ?? [];
    list.push(event);
    byTransaction.set(event.transaction_id, list);
  }
  const transactions = { ...checked.state.transactions };
  const events: DetectedEvent[] = [];
  const series = (k: string): SeriesState | undefined => checked.state.series[k];
  for (const [id, transitions] of byTransaction) {
    const first = transitions[0] as DetectedEvent;
    const known = transactions[id] ?? transactionWith(undefined, first, []);
    const folded = foldTransitions(known, series, transitions, context);
    transactions[id] = folded.transaction;
    events.push(...folded.events);
  }
  return { state: { ...checked.state, transactions }, events };
}

/**
 * Forgets the series without a run for longer than `forgetAfterMs` at `now` (a location retired, a
 * transaction deleted: kept forever they would grow the state, the start-up and every no-data
 * check without end). A forgotten series' open problems are cleared first, with events like any
 * clear (sent when an alert exists): a transaction's problem then names the locations still
 * failing, or clears. A transaction left without series is forgotten too.
 */
export function forgetIdleSeries(
  state: DetectorState,
  now: Date,
  forgetAfterMs: number,
  context: AlertContext,
): {
  state: DetectorState;
  events: DetectedEvent[];
  forgotten: { series: string[]; transactions: string[] };
} {
  const oldest = now.getTime() - forgetAfterMs;
  const idle = Object.entries(state.series).filter(
    ([, s]) => s.last_finished_at_ms !== null && s.last_finished_at_ms < oldest,
  );
  const forgotten = { series: idle.map(([key]) => key), transactions: [] as string[] };
  if (idle.length === 0) return { state, events: [], forgotten };
  const series = { ...state.series };
  const transactions = { ...state.transactions };
  const events: DetectedEvent[] = [];
  const byTransaction = new Map<string, Array<[string, SeriesState]>>();
  for (const entry of idle) {
    const list = byTransaction.get(entry[1].transaction_id) ?? [];
    list.push(entry);
    byTransaction.set(entry[1].transaction_id, list);
  }
  for (const [id, gone] of byTransaction) {
    const transitions: DetectedEvent[] = [];
    for (const [key, s] of gone) {
      const days = Math.floor((now.getTime() - (s.last_finished_at_ms ?? 0)) / 86_400_000);
      const cleared: SeriesState = { ...s, open: { ...s.open } };
      for (const kind of Object.keys(s.open) as EventKind[])
        transitions.push(
          clearProblem(cleared, {
            kind,
            at: now,
            // No run: a forgotten clear's id is made of its time, so it never equals an earlier
            // event of the series' last run (a no-data clear at that run would have the same id,
            // and sinks and the forwarder would take this one for it).
            result_id: null,
            robot_id: null,
            value: 'forgotten',
            text: `${describeSeries(s)}: no run for ${days} days, forgotten`,
            baseline: null,
            // Closing is not alerting: a forgotten problem's alert is closed in any window.
            maintenance: undefined,
          }),
        );
      delete series[key];
    }
    const known = transactions[id];
    if (known === undefined) continue;
    const labels = new Set(gone.map(([, s]) => locationLabel(s.location)));
    const left = { ...known, locations: known.locations.filter((label) => !labels.has(label)) };
    const folded = foldTransitions(left, (k) => series[k], transitions, context);
    events.push(...folded.events);
    if (folded.transaction.locations.length === 0 && Object.keys(folded.transaction.open).length === 0) {
      delete transactions[id];
      forgotten.transactions.push(id);
    } else transactions[id] = folded.transaction;
  }
  return { state: { version: 2, series, transactions }, events, forgotten };
}
