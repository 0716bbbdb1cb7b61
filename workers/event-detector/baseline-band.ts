// What the event detector needs from a baseline: the band a run's duration is judged against.
// The baseline worker supplies one per series (transaction × location, and transaction overall).
import type { BaselineBand } from '../../schemas/record-types.ts';

/** The bands that apply to one run: its location's, and its transaction's over all locations. */
export interface RunBaselines {
  location: BaselineBand | null;
  overall: BaselineBand | null;
}

/** The shape of a duration baseline as the baseline worker computes it (quantiles without units). */
export interface ComputedBaseline {
  state: 'learning' | 'ready';
  duration: { p10: number; p50: number; p90: number } | null;
  durationSamples: number;
}

/** The band of a computed baseline; null while it has no duration (no run has passed yet). */
export function bandOf(baseline: ComputedBaseline | null | undefined): BaselineBand | null {
  if (baseline === null || baseline === undefined || baseline.duration === null) return null;
  return {
    state: baseline.state,
    p10_ms: baseline.duration.p10,
    p50_ms: baseline.duration.p50,
    p90_ms: baseline.duration.p90,
    samples: baseline.durationSamples,
  };
}
