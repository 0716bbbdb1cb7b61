// Every threshold of the detection rules, with its default in one place.

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

export const defaultDetectorOptions: DetectorOptions = {
  availability: { open: 3, window: 5, clearAfter: 3 },
  performance: { open: 5, window: 5, majorFactor: 1.5 },
  degraded: { open: 3, window: 5, clearAfter: 3 },
  noData: { missedIntervals: 3 },
  ordering: { graceMs: 2 * 60_000 },
};

export interface DetectorOptionsOverrides {
  availability?: Partial<DetectorOptions['availability']>;
  performance?: Partial<DetectorOptions['performance']>;
  degraded?: Partial<DetectorOptions['degraded']>;
  noData?: Partial<DetectorOptions['noData']>;
  ordering?: Partial<DetectorOptions['ordering']>;
}

/** The defaults with some thresholds replaced; throws naming the first threshold that makes no sense. */
export function detectorOptions(overrides: DetectorOptionsOverrides = {}): DetectorOptions {
  const options: DetectorOptions = {
    availability: { ...defaultDetectorOptions.availability, ...overrides.availability },
    performance: { ...defaultDetectorOptions.performance, ...overrides.performance },
    degraded: { ...defaultDetectorOptions.degraded, ...overrides.degraded },
    noData: { ...defaultDetectorOptions.noData, ...overrides.noData },
    ordering: { ...defaultDetectorOptions.ordering, ...overrides.ordering },
  };
  for (const name of ['availability', 'performance', 'degraded'] as const) {
    const rule = options[name];
    if (!Number.isInteger(rule.window) || rule.window < 1)
      throw new RangeError(`${name}.window must be an integer ≥ 1`);
    if (!Number.isInteger(rule.open) || rule.open < 1 || rule.open > rule.window) {
      throw new RangeError(`${name}.open must be an integer between 1 and ${name}.window`);
    }
  }
  for (const name of ['availability', 'degraded'] as const) {
    const clearAfter = options[name].clearAfter;
    if (!Number.isInteger(clearAfter) || clearAfter < 1)
      throw new RangeError(`${name}.clearAfter must be an integer ≥ 1`);
  }
  if (!(options.performance.majorFactor > 1)) throw new RangeError('performance.majorFactor must be > 1');
  if (!(options.noData.missedIntervals > 0)) throw new RangeError('noData.missedIntervals must be > 0');
  if (!Number.isInteger(options.ordering.graceMs) || options.ordering.graceMs < 0)
    throw new RangeError('ordering.graceMs must be an integer ≥ 0');
  return options;
}
