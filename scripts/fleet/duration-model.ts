// The known distribution of simulated durations, so learned baselines can be checked against truth.
//
// A run of transaction T from location L starting in hour-of-week h takes
//
//   duration = T.medianMs × L.durationFactor × season(h) × multiplier(t) × exp(T.sigma × Z),  Z ~ N(0, 1)
//
// i.e. log-normal with median m(T, L, h) = T.medianMs × L.durationFactor × season(h) and log-scale
// sigma T.sigma. Its quantile q_p = m × exp(sigma × z_p) with z_0.1 = −1.2816, z_0.5 = 0, z_0.9 = 1.2816.
// season(h) is constant within an hour, so each hour-of-week bucket holds one log-normal exactly:
//
//   season(h) = daily(hour) × weekly(day)
//   daily(hour) = 1 + dailyAmplitude × sin(π (hour − 7) / 12) for 07:00–19:00 UTC, else 1
//   weekly(day) = weekendFactor on Saturday and Sunday, else 1
//
// multiplier(t) is 1 except under a slow-regression scenario. Step i takes share_i of the run (the
// steps of one run are proportional), so a step's quantiles are share_i × the run's.
import { hourOfWeek } from '../../schemas/hour-of-week.ts';
import type { FleetLocation, FleetTransaction, Seasonality } from './fleet-plan.ts';

/** Standard normal quantile at 0.9 (and minus it at 0.1). */
export const z90 = 1.2815515655446004;

export interface DurationQuantiles {
  p10: number;
  p50: number;
  p90: number;
}

export function seasonalFactor(hourOfWeekBucket: number, seasonality: Seasonality): number {
  const day = Math.floor(hourOfWeekBucket / 24);
  const hour = hourOfWeekBucket % 24;
  const daily =
    hour >= 7 && hour <= 19 ? 1 + seasonality.dailyAmplitude * Math.sin((Math.PI * (hour - 7)) / 12) : 1;
  const weekly = day >= 5 ? seasonality.weekendFactor : 1;
  return daily * weekly;
}

export function medianDurationMs(
  transaction: FleetTransaction,
  location: FleetLocation,
  hourOfWeekBucket: number,
  seasonality: Seasonality,
): number {
  return transaction.medianMs * location.durationFactor * seasonalFactor(hourOfWeekBucket, seasonality);
}

/**
 * The TRUE p10/p50/p90 of undisturbed durations in one hour-of-week bucket: of the whole run, or of
 * step `stepIndex` when given.
 */
export function trueDurationQuantiles(
  transaction: FleetTransaction,
  location: FleetLocation,
  hourOfWeekBucket: number,
  seasonality: Seasonality,
  stepIndex?: number,
): DurationQuantiles {
  const share = stepIndex === undefined ? 1 : (transaction.steps[stepIndex]?.share ?? Number.NaN);
  const median = medianDurationMs(transaction, location, hourOfWeekBucket, seasonality) * share;
  const spread = Math.exp(transaction.sigma * z90);
  return { p10: median / spread, p50: median, p90: median * spread };
}

/** One draw: the run's duration in milliseconds before scenario multipliers. */
export function drawDurationMs(
  transaction: FleetTransaction,
  location: FleetLocation,
  startedAt: Date,
  seasonality: Seasonality,
  standardNormal: number,
): number {
  const median = medianDurationMs(transaction, location, hourOfWeek(startedAt), seasonality);
  return median * Math.exp(transaction.sigma * standardNormal);
}
