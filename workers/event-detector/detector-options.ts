// Every threshold of the detection rules; their defaults are the `detection` schema's
// (detection-config.ts), and thresholds set in code are checked the same way.
import { checkDetectorOptions, defaultDetectionSettings } from './detection-config.ts';

export interface CountRule {
  /** Open when at least `open` of the last `window` runs match. */
  open: number;
  window: number;
}

export type PerformanceMethod = 'sequential' | 'count';

export interface DetectorOptions {
  /** FAIL in `open` of the last `window` runs → critical; clears after `clearAfter` non-FAIL runs in a row. */
  availability: CountRule & { clearAfter: number };
  /**
   * How slow runs open a problem (judged runs: not FAIL, against a baseline in state `ready`):
   * - `sequential` (default): a one-sided CUSUM over the runs' standardised log durations,
   *   z = ln(duration / p50) / σ with σ = ln(p90 / p10) / 2.563 of the run's band, each z held to
   *   ±4 so one run alone never opens: S = max(0, S + z − `cusum.k`), open at S ≥ `cusum.h`, held at
   *   `cusum.h` while open, clear when S is back at 0. Major when the runs since S left 0 took
   *   `majorFactor` × p50 or more (geometric mean); back to warning below the midpoint to 1.
   *   A transaction with several locations also keeps one such CUSUM over the runs of all of them
   *   (pooled-performance.ts): at `cusum.pooledH` (0: never) the locations with evidence of their own
   *   open together.
   * - `count` (the rule before): above p90 in `open` of the last `window` judged runs → warning,
   *   major when that many are above p90 × `majorFactor`; clears when the last `window` judged runs
   *   are all at or below p90.
   */
  performance: CountRule & {
    method: PerformanceMethod;
    majorFactor: number;
    cusum: { k: number; h: number; pooledH: number };
  };
  /** WARNING in `open` of the last `window` runs → warning; clears after `clearAfter` OK runs in a row. */
  degraded: CountRule & { clearAfter: number };
  /** A series is silent once nothing arrived for `missedIntervals` × its schedule interval. */
  noData: { missedIntervals: number };
  /**
   * A run that finished up to `graceMs` before the newest judged run of its series is still judged
   * (the robots of several locations report one schedule slot in any order, and the overall series
   * sees them all); an older one is ignored, so a replay cannot flip a state back.
   */
  ordering: { graceMs: number };
}

/** Every default: an empty `detection` parsed by its schema (detection-config.ts). */
export const defaultDetectorOptions: DetectorOptions = defaultDetectionSettings().options;

export interface DetectorOptionsOverrides {
  availability?: Partial<DetectorOptions['availability']>;
  performance?: Partial<Omit<DetectorOptions['performance'], 'cusum'>> & {
    cusum?: Partial<DetectorOptions['performance']['cusum']>;
  };
  degraded?: Partial<DetectorOptions['degraded']>;
  noData?: Partial<DetectorOptions['noData']>;
  ordering?: Partial<DetectorOptions['ordering']>;
}

/** The defaults with some thresholds replaced; throws naming the first threshold that makes no sense. */
export function detectorOptions(overrides: DetectorOptionsOverrides = {}): DetectorOptions {
  return checkDetectorOptions({
    availability: { ...defaultDetectorOptions.availability, ...overrides.availability },
    performance: {
      ...defaultDetectorOptions.performance,
      ...overrides.performance,
      cusum: { ...defaultDetectorOptions.performance.cusum, ...overrides.performance?.cusum },
    },
    degraded: { ...defaultDetectorOptions.degraded, ...overrides.degraded },
    noData: { ...defaultDetectorOptions.noData, ...overrides.noData },
    ordering: { ...defaultDetectorOptions.ordering, ...overrides.ordering },
  });
}
