// The numbers of one baseline: duration quantiles and availability over a set of runs.
import { quantile } from 'simple-statistics';

export interface DurationBand {
  p10: number;
  p50: number;
  p90: number;
}

export interface BandStatistics {
  /** Runs counted, FAIL included. */
  runs: number;
  /** Non-FAIL runs, the ones with a duration. */
  durationSamples: number;
  /** null while no run has a duration. */
  duration: DurationBand | null;
  /** Share of non-FAIL runs; null without runs. */
  availability: number | null;
}

export interface SampleRow {
  duration_ms: number | null;
  failed: number;
}

/**
 * simple-statistics' quantile is R's / numpy's default (type 7): linear interpolation at position
 * (n − 1)·p of the sorted values. With few samples it leans slightly toward the median (see README).
 */
export function bandStatistics(rows: readonly SampleRow[]): BandStatistics {
  const durations: number[] = [];
  let failures = 0;
  for (const row of rows) {
    if (row.failed !== 0) failures++;
    else if (row.duration_ms !== null) durations.push(row.duration_ms);
  }
  const [p10, p50, p90] = durations.length === 0 ? [] : quantile(durations, [0.1, 0.5, 0.9]);
  return {
    runs: rows.length,
    durationSamples: durations.length,
    duration: p10 === undefined || p50 === undefined || p90 === undefined ? null : { p10, p50, p90 },
    availability: rows.length === 0 ? null : (rows.length - failures) / rows.length,
  };
}
