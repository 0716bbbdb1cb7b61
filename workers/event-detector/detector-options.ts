// Every threshold of the detection rules; their defaults are the `detection` schema's
// (detection-config.ts), and thresholds set in code are checked the same way.
import { checkDetectorOptions, defaultDetectionSettings } from './detection-config.ts';

export interface CountRule {
  /** Open when at least `open` of the last `window` runs match. */
  open: number;
  window: number;
}

export interface DetectorOptions {
  /** FAIL in `open` of the last `window` runs → critical; clears after `clearAfter` non-FAIL runs in a row. */
  availability: CountRule & { clearAfter: number };
  /**
   * Duration above the baseline's p90 in `open` of the last `window` judged runs → warning, major when
   * those runs are above p90 × `majorFactor`; clears when the last `window` judged runs are all at or
   * below p90. Judged runs: not FAIL, and judged against a baseline in state `ready`.
   */
  performance: CountRule & { majorFactor: number };
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
  performance?: Partial<DetectorOptions['performance']>;
  degraded?: Partial<DetectorOptions['degraded']>;
  noData?: Partial<DetectorOptions['noData']>;
  ordering?: Partial<DetectorOptions['ordering']>;
}

/** The defaults with some thresholds replaced; throws naming the first threshold that makes no sense. */
export function detectorOptions(overrides: DetectorOptionsOverrides = {}): DetectorOptions {
  return checkDetectorOptions({
    availability: { ...defaultDetectorOptions.availability, ...overrides.availability },
    performance: { ...defaultDetectorOptions.performance, ...overrides.performance },
    degraded: { ...defaultDetectorOptions.degraded, ...overrides.degraded },
    noData: { ...defaultDetectorOptions.noData, ...overrides.noData },
    ordering: { ...defaultDetectorOptions.ordering, ...overrides.ordering },
  });
}
