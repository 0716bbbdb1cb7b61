// A transaction's forecast as the Avro record of primoart.forecasts.v1 (schemas/transaction-forecast.avsc).
import type { TransactionForecastRecord, TrendRecord } from '../../schemas/record-types.ts';
import type { DailyForecast, TransactionForecast } from './forecast.ts';

export const forecastMethod =
  'least-squares linear trend x weekday index (multiplicative), partial days left out; workers/baseline/README.md "Forecast"';

function trendRecord(forecast: DailyForecast | undefined): TrendRecord | null {
  if (forecast === undefined) return null;
  return {
    fitted_days: forecast.fittedDays,
    slope_per_day: forecast.slopePerDay,
    weekday_index: forecast.weekdayIndex,
  };
}

/** The record of a forecast; undefined when there is nothing to forecast from (no day of runs). */
export function toForecastRecord(
  transaction: { id: string; name: string },
  historyDays: number,
  forecast: TransactionForecast,
  computedAt: Date,
): TransactionForecastRecord | undefined {
  // Both forecasts continue the same history, so their days are the same when both exist.
  const dates = (forecast.availability ?? forecast.p50DurationMs)?.days.map((day) => day.day);
  if (dates === undefined) return undefined;
  const valueOn = (daily: DailyForecast | undefined, date: string) =>
    daily?.days.find((day) => day.day === date)?.value ?? null;
  return {
    transaction_id: transaction.id,
    transaction_name: transaction.name,
    computed_at: computedAt.getTime(),
    based_on_days: historyDays,
    method: forecastMethod,
    days: dates.map((date) => ({
      date,
      p50_ms: valueOn(forecast.p50DurationMs, date),
      availability: valueOn(forecast.availability, date),
    })),
    p50_trend: trendRecord(forecast.p50DurationMs),
    availability_trend: trendRecord(forecast.availability),
  };
}
