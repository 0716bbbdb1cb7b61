// The event detector's part of its worker section (`workers.event-detector.detection` and
// `.maintenance_windows`), validated with the rest of primoart.yml by core/config-schema.ts. Every
// threshold's default is stated here, in the schema, and only here; the cross-checks (open ≤
// window, …) are `checkDetectorOptions`, which detector-options.ts uses for thresholds set in code.
import { z } from 'zod';
import type { DetectorOptions } from './detector-options.ts';

export interface DetectionSettings {
  options: DetectorOptions;
  /** How often the no-data check runs. */
  noDataCheckIntervalMs: number;
}

/** The options unchanged; throws naming the first threshold that makes no sense. */
export function checkDetectorOptions(options: DetectorOptions): DetectorOptions {
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
  if (options.performance.method !== 'sequential' && options.performance.method !== 'count')
    throw new RangeError("performance.method must be 'sequential' or 'count'");
  if (!(options.performance.cusum.k > 0)) throw new RangeError('performance.cusum.k must be > 0');
  if (!(options.performance.cusum.h > 0)) throw new RangeError('performance.cusum.h must be > 0');
  if (!(options.performance.cusum.pooledH >= 0))
    throw new RangeError('performance.cusum.pooledH must be ≥ 0 (0: locations judged alone)');
  if (!(options.noData.missedIntervals > 0)) throw new RangeError('noData.missedIntervals must be > 0');
  if (!Number.isInteger(options.ordering.graceMs) || options.ordering.graceMs < 0)
    throw new RangeError('ordering.graceMs must be an integer ≥ 0');
  return options;
}

const count = z.number().int().min(1);

/** A missing `detection` (or part of it, or key) takes the defaults stated here. */
export const detectionSchema = z
  .strictObject({
    /** FAIL in 3 of the last 5 runs: critical; clears after 3 non-FAIL runs in a row. */
    availability: z
      .strictObject({ open: count.default(3), window: count.default(5), clear_after: count.default(3) })
      .prefault({}),
    /**
     * `sequential` (default): a CUSUM of the runs' standardised log durations against their band
     * opens at `cusum.h`, with allowance `cusum.k` (in σ of ln duration) per run; the defaults keep
     * chance opens below 0.01 per series-day on the simulated fleet (README, "Rules and defaults").
     * A transaction's locations are also judged together: one CUSUM over the runs of all of them
     * opens at `cusum.pooled_h` (0: never), which sees a slowdown of the whole transaction in fewer
     * rounds of its schedule than any one location can.
     * `count`: above p90 in `open` of the last `window` judged runs. Either: major from × `major_factor`.
     */
    performance: z
      .strictObject({
        method: z.enum(['sequential', 'count']).default('sequential'),
        open: count.default(5),
        window: count.default(5),
        major_factor: z.number().gt(1).default(1.5),
        cusum: z
          .strictObject({
            k: z.number().positive().default(0.5),
            h: z.number().positive().default(9.5),
            pooled_h: z.number().min(0).default(12),
          })
          .prefault({}),
      })
      .prefault({}),
    /** WARNING in 3 of the last 5 runs: warning; clears after 3 OK runs in a row. */
    degraded: z
      .strictObject({ open: count.default(3), window: count.default(5), clear_after: count.default(3) })
      .prefault({}),
    no_data: z
      .strictObject({
        /** Silent once nothing arrived for this many schedule intervals. */
        missed_intervals: z.number().positive().default(3),
        /** How often the no-data check runs. */
        check_interval_ms: count.default(30_000),
      })
      .prefault({}),
    /** A run finished up to this long before the newest judged run of its series is still judged. */
    ordering: z
      .strictObject({
        grace_ms: z
          .number()
          .int()
          .min(0)
          .default(2 * 60_000),
      })
      .prefault({}),
  })
  .prefault({})
  .transform((detection, ctx): DetectionSettings => {
    const { availability, performance, degraded, no_data, ordering } = detection;
    try {
      const options = checkDetectorOptions({
        availability: {
          open: availability.open,
          window: availability.window,
          clearAfter: availability.clear_after,
        },
        performance: {
          method: performance.method,
          open: performance.open,
          window: performance.window,
          majorFactor: performance.major_factor,
          cusum: { k: performance.cusum.k, h: performance.cusum.h, pooledH: performance.cusum.pooled_h },
        },
        degraded: { open: degraded.open, window: degraded.window, clearAfter: degraded.clear_after },
        noData: { missedIntervals: no_data.missed_intervals },
        ordering: { graceMs: ordering.grace_ms },
      });
      return { options, noDataCheckIntervalMs: no_data.check_interval_ms };
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

/** The detection settings when the section has no `detection`: every default, parsed by the schema. */
export const defaultDetectionSettings = (): DetectionSettings => detectionSchema.parse(undefined);
