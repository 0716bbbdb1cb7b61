// The performance rule of one series: is it slower than its baseline band, and since when?
//
// `sequential` (the default) judges the recent runs together: a one-sided CUSUM (Page 1954) over
// each run's standardised log duration z = ln(duration / p50) / σ, σ = ln(p90 / p10) / (2 · z90),
// against the run's (steadied, see baseline-band.ts) band. Durations are close to log-normal, so z
// is ~N(0, 1) while nothing changed and ~N(δ, 1) after a step to × exp(δσ). The CUSUM
// S = max(0, S + z − k) is the likelihood-ratio test for a step of 2k σ at an unknown time; it opens
// at S ≥ h. Its false alarms per run and its delays are known (Siegmund's approximation) and
// measured on the simulated fleet by scripts/fleet/false-alarms.ts (README, "Rules and defaults").
//
// `count` is the rule before: above p90 in `open` of the last `window` judged runs.
import type { BaselineBand, ProblemSeverity } from '../../schemas/record-types.ts';
import { z90 } from './baseline-band.ts';
import type { DetectorOptions } from './detector-options.ts';
import type { PerformanceJudgement, RememberedRun, SeriesState } from './detector-state.ts';

type PerformanceOptions = DetectorOptions['performance'];

/**
 * One run's z is held to ±4: a single run, however slow (a one-off timeout), adds at most 4 − k to
 * the evidence, so it never opens a problem alone, and a single very fast one cannot wipe it out.
 */
const zLimit = 4;

/** What the rule emits: an open (new, or another severity) or a clear, with the event's value and text. */
export type PerformanceChange =
  | { action: 'open'; severity: ProblemSeverity; value: string; text: string }
  | { action: 'clear'; value: string; text: string };

/** How a run's duration compares with its band; FAIL runs and learning or missing bands are unjudged. */
export function scoreRun(
  status: RememberedRun['status'],
  durationMs: number,
  baseline: BaselineBand | null,
  majorFactor: number,
): { performance: PerformanceJudgement; log_ratio?: number } {
  if (status === 'FAIL' || baseline === null || baseline.state !== 'ready')
    return { performance: 'unjudged' };
  const performance =
    durationMs > baseline.p90_ms * majorFactor
      ? 'very_slow'
      : durationMs > baseline.p90_ms
        ? 'slow'
        : 'within';
  const logRatio = Math.log(durationMs / baseline.p50_ms);
  return Number.isFinite(logRatio) ? { performance, log_ratio: logRatio } : { performance };
}

/** σ of ln duration of a band: its p10–p90 width over that of a standard normal. */
export function bandSpread(baseline: BaselineBand): number {
  return Math.log(baseline.p90_ms / baseline.p10_ms) / (2 * z90);
}

/** A judged run's z = ln(duration / p50) / σ against its band, held to ±4; undefined when there is none. */
export function standardScore(run: RememberedRun, baseline: BaselineBand): number | undefined {
  const spread = bandSpread(baseline);
  if (run.log_ratio === undefined || !(spread > 0)) return undefined;
  return Math.max(-zLimit, Math.min(zLimit, run.log_ratio / spread));
}

/** A duration as people read it: 850 ms, 5.2 s, 74 s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 1000)} s`;
}

/**
 * The rule for a series whose latest judged run is already in `series.recent` (`run`). Updates the
 * series' evidence in place (the series is the caller's copy) and says what to emit, if anything.
 */
export function performanceChange(
  series: SeriesState,
  run: RememberedRun,
  baseline: BaselineBand,
  options: PerformanceOptions,
  where: string,
): PerformanceChange | undefined {
  if (options.method === 'count') {
    delete series.performance_cusum;
    return countChange(series, run, baseline, options, where);
  }
  return sequentialChange(series, run, baseline, options, where);
}

function sequentialChange(
  series: SeriesState,
  run: RememberedRun,
  baseline: BaselineBand,
  options: PerformanceOptions,
  where: string,
): PerformanceChange | undefined {
  const { k, h } = options.cusum;
  const open = series.open.performance;
  // State saved before this rule (or by the count rule) has no evidence: an open problem starts
  // from the full threshold, so it clears only after runs back at the usual time, not at once.
  const saved = series.performance_cusum;
  const before =
    saved !== undefined && Number.isFinite(saved.value) && Number.isFinite(saved.runs)
      ? saved
      : { value: open === undefined ? 0 : h, runs: 0 };
  const z = standardScore(run, baseline);
  if (z === undefined) return undefined;
  const raised = Math.max(0, before.value + z - k);
  // While open the evidence is held at h: a long slowdown does not pile up hours of evidence that
  // would keep the problem open long after it ended.
  const value = open === undefined ? raised : Math.min(raised, h);
  const runs = value > 0 ? before.runs + 1 : 0;
  series.performance_cusum = { value, runs };

  const p50 = formatDuration(baseline.p50_ms);
  const latest = formatDuration(run.duration_ms);
  if (open === undefined) {
    if (value < h) return undefined;
    const shift = recentShift(series, runs);
    return {
      action: 'open',
      severity: shift.ratio >= options.majorFactor ? 'major' : 'warning',
      value: `${latest} (${shift.ratio.toFixed(2)}× usual)`,
      text: `${where} took ${shift.ratio.toFixed(2)}× its usual time over the last ${shift.runs} runs (p50 ${p50}, latest ${latest})`,
    };
  }
  if (value === 0) {
    const shift = recentShift(series, options.window);
    return {
      action: 'clear',
      value: `${latest} (${shift.ratio.toFixed(2)}× usual)`,
      text: `${where} is back to its usual time: ${shift.ratio.toFixed(2)}× over the last ${shift.runs} runs (p50 ${p50}, latest ${latest})`,
    };
  }
  // Severity follows the runs since the evidence began (at most those remembered), re-judged only
  // on a run that adds to the evidence (a recovering series just drains, then clears), and with a
  // margin so that a slowdown right at the factor does not flip between warning and major.
  if (z <= k) return undefined;
  const shift = recentShift(series, runs);
  const severity: ProblemSeverity =
    shift.ratio >= options.majorFactor
      ? 'major'
      : shift.ratio < (1 + options.majorFactor) / 2
        ? 'warning'
        : open.severity;
  if (severity === open.severity) return undefined;
  return {
    action: 'open',
    severity,
    value: `${latest} (${shift.ratio.toFixed(2)}× usual)`,
    text: `${where} took ${shift.ratio.toFixed(2)}× its usual time over the last ${shift.runs} runs (p50 ${p50}, latest ${latest})`,
  };
}

/** The geometric mean of duration / p50 over the last `wanted` judged runs remembered (at least one). */
export function recentShift(series: SeriesState, wanted: number): { ratio: number; runs: number } {
  const ratios = series.recent
    .map((r) => r.log_ratio)
    .filter((r): r is number => r !== undefined)
    .slice(-Math.max(1, wanted));
  const mean = ratios.reduce((sum, r) => sum + r, 0) / Math.max(1, ratios.length);
  return { ratio: Math.exp(mean), runs: ratios.length };
}

/** The rule before: above p90 in `open` of the last `window` judged runs; clears when `window` are within. */
function countChange(
  series: SeriesState,
  run: RememberedRun,
  baseline: BaselineBand,
  options: PerformanceOptions,
  where: string,
): PerformanceChange | undefined {
  const judged = series.recent.filter((r) => r.performance !== 'unjudged').slice(-options.window);
  const slow = judged.filter((r) => r.performance === 'slow' || r.performance === 'very_slow').length;
  const verySlow = judged.filter((r) => r.performance === 'very_slow').length;
  const severity: ProblemSeverity = verySlow >= options.open ? 'major' : 'warning';
  const open = series.open.performance;
  const factorNote = severity === 'major' ? ` × ${options.majorFactor}` : '';
  if (slow >= options.open && open?.severity !== severity) {
    return {
      action: 'open',
      severity,
      value: `${run.duration_ms} ms`,
      text: `${where} took longer than its p90 baseline${factorNote} (${Math.round(baseline.p90_ms)}${factorNote} ms) in ${slow} of its last ${judged.length} judged runs; latest ${run.duration_ms} ms`,
    };
  }
  if (open !== undefined && judged.length >= options.window && slow === 0) {
    return {
      action: 'clear',
      value: `${run.duration_ms} ms`,
      text: `${where} is back within its baseline band: the last ${judged.length} judged runs at or below p90 (${Math.round(baseline.p90_ms)} ms)`,
    };
  }
  return undefined;
}
