// A transaction's locations judged together for performance.
//
// Each location series has its own CUSUM (performance-rule.ts), and a single series cannot see a
// × 1.25 step in fewer than ~16 of its runs without more chance alarms than on-call people accept
// (Lorden's bound; README, "Rules and defaults"). A slowdown of the application behind a
// transaction slows every location at once, though: one more CUSUM over the judged runs of all its
// locations, in the order they arrive, gathers the same evidence from every location's runs, so it
// opens in fewer rounds of the schedule (a round: one run per location, Checkly's "one run"). Its
// threshold is higher than a series' (`cusum.pooledH`), as it sees as many runs a day as all the
// locations together and must stay as quiet per transaction.
//
// What it opens is the performance problem of each location that has evidence of its own (its
// CUSUM above 0; the run's own location if none has), started at the full threshold `cusum.h`
// exactly as a problem its own CUSUM opened: each clears when its own evidence is back at 0, and
// the transaction's problem (transaction-problems.ts) lists them as ever. While any location has a
// performance problem the pooled evidence is held at its threshold, so it re-opens nothing, and a
// long slowdown does not pile up evidence that keeps it going after the slowdown ends.
import { maintenanceWindowAt } from '../../schemas/maintenance-window.ts';
import type { BaselineBand, DetectedEvent } from '../../schemas/record-types.ts';
import {
  locationOfLabel,
  type RememberedRun,
  type SeriesState,
  seriesKey,
  type TransactionState,
} from './detector-state.ts';
import type { ObservedRun } from './observed-run.ts';
import { formatDuration, recentShift, standardScore } from './performance-rule.ts';
import { describeSeries, openProblem } from './problem-transitions.ts';
import type { JudgementContext } from './run-judgement.ts';

/**
 * Adds the judged run (the newest of `series[runKey]`) to the transaction's pooled evidence and
 * opens its locations' performance problems when it reaches `cusum.pooledH`. `series` is the
 * caller's copy: the locations opened are replaced in it. Returns the transaction (a copy when
 * changed) and the series' open events, to be folded with the run's own.
 */
export function judgeTogether(
  transaction: TransactionState,
  series: Record<string, SeriesState>,
  runKey: string,
  run: ObservedRun,
  baseline: BaselineBand | null,
  context: JudgementContext,
): { transaction: TransactionState; events: DetectedEvent[] } {
  const performance = context.options.performance;
  const { k, h, pooledH } = performance.cusum;
  if (performance.method !== 'sequential' || pooledH === 0 || transaction.locations.length < 2) {
    if (transaction.performance_pooled === undefined) return { transaction, events: [] };
    const { performance_pooled: _, ...without } = transaction;
    return { transaction: without, events: [] };
  }
  const judged = series[runKey]?.recent.at(-1) as RememberedRun | undefined;
  if (judged === undefined || judged.result_id !== run.result_id || baseline?.state !== 'ready')
    return { transaction, events: [] };
  const z = standardScore(judged, baseline);
  if (z === undefined) return { transaction, events: [] };

  const labels = transaction.locations;
  const keyOf = (label: string) => seriesKey(transaction.transaction_id, locationOfLabel(label));
  const anyOpen = labels.some((label) => series[keyOf(label)]?.open.performance !== undefined);
  const before = transaction.performance_pooled ?? { value: anyOpen ? pooledH : 0, runs: 0 };
  const raised = Math.max(0, before.value + z - k);
  const value = anyOpen ? Math.min(raised, pooledH) : raised;
  const pooled = { value, runs: value > 0 ? before.runs + 1 : 0 };
  const next = { ...transaction, performance_pooled: pooled };
  if (anyOpen || value < pooledH) return { transaction: next, events: [] };

  const withEvidence = labels.map(keyOf).filter((key) => (series[key]?.performance_cusum?.value ?? 0) > 0);
  // The run's own location last, as the transaction's event takes the last cause's band; it alone
  // when no location has evidence of its own.
  const opening =
    withEvidence.length === 0 || withEvidence.includes(runKey)
      ? [...withEvidence.filter((key) => key !== runKey), runKey]
      : withEvidence;
  const maintenance = maintenanceWindowAt(
    context.maintenance,
    { transaction_id: run.transaction_id, service: run.service },
    run.finished_at,
  );
  const events: DetectedEvent[] = [];
  for (const key of opening) {
    const before = series[key];
    if (before === undefined) continue;
    const opened: SeriesState = { ...before, open: { ...before.open } };
    const own = Math.max(1, before.performance_cusum?.runs ?? 0);
    const shift = recentShift(opened, own);
    // From the full threshold, as its own CUSUM would have opened it: it clears as such a problem does.
    opened.performance_cusum = { value: h, runs: shift.runs };
    const ratio = `${shift.ratio.toFixed(2)}×`;
    events.push(
      openProblem(opened, shift.ratio >= performance.majorFactor ? 'major' : 'warning', {
        kind: 'performance',
        at: run.finished_at,
        result_id: run.result_id,
        robot_id: run.robot_id,
        value: `${ratio} usual`,
        // The transaction's problem joins these texts: the reason is given once, by the first.
        text:
          `${describeSeries(opened)} took ${ratio} its usual time over its last ${shift.runs} runs` +
          (events.length === 0
            ? `, and the transaction's ${labels.length} locations together were slower than usual over ` +
              `their last ${pooled.runs} runs (latest ${formatDuration(run.duration_ms)})`
            : ''),
        baseline: key === runKey ? baseline : null,
        maintenance,
      }),
    );
    series[key] = opened;
  }
  return { transaction: next, events };
}
