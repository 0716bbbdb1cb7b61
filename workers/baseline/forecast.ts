// Forecast of a transaction's daily p50 duration and availability for the next days.
//
// Method (classical multiplicative decomposition, fitted by least squares):
//  1. Drop partial days: fewer runs than `fullDayShare` (0.9) of the median day's. The first day of
//     the window and today are usually cut short, and their hours are not a fair sample of the day
//     (durations follow the hour of the day).
//  2. Fit a straight line value = a + b·day by least squares (simple-statistics linearRegression).
//  3. Weekday index: for each weekday, the mean of value / line(day) over its days, normalised so
//     the seven indexes average 1 (a weekday without data gets 1). Needs at least two full weeks to
//     be meaningful; with fewer than 14 days every index is 1.
//  4. Divide the values by their weekday index and fit the line again: the trend.
//  5. forecast(day) = trend(day) × index(weekday); durations at least 0, availability within [0, 1].
// With a single day the forecast is flat; with none there is no forecast.
import { linearRegression, linearRegressionLine, median } from 'simple-statistics';

const dayMs = 24 * 60 * 60 * 1000;

export interface DailyObservation {
  dayStartMs: number;
  runs: number;
  value: number | null;
}

export interface ForecastDay {
  dayStartMs: number;
  /** YYYY-MM-DD (UTC). */
  day: string;
  value: number;
}

export interface DailyForecast {
  /** Days the fit used. */
  fittedDays: number;
  /** Trend slope per day, in the value's unit. */
  slopePerDay: number;
  /** Monday first. */
  weekdayIndex: number[];
  days: ForecastDay[];
}

export interface ForecastOptions {
  horizonDays: number;
  /** Forecasts of this quantity are clamped to [min, max]. */
  bounds: { min: number; max: number };
  minSeasonalDays: number;
  /** A day counts only with at least this share of the median day's runs. */
  fullDayShare: number;
}

export const defaultForecastOptions: ForecastOptions = {
  horizonDays: 7,
  bounds: { min: 0, max: Number.POSITIVE_INFINITY },
  minSeasonalDays: 14,
  fullDayShare: 0.9,
};

const mondayBasedWeekday = (dayStartMs: number) => (new Date(dayStartMs).getUTCDay() + 6) % 7;

function fullDays(
  history: readonly DailyObservation[],
  fullDayShare: number,
): Array<{ day: number; value: number }> {
  const known = history.filter((entry) => entry.value !== null && entry.runs > 0);
  if (known.length === 0) return [];
  const typicalRuns = median(known.map((entry) => entry.runs));
  return known
    .filter((entry) => entry.runs >= typicalRuns * fullDayShare)
    .map((entry) => ({ day: Math.round(entry.dayStartMs / dayMs), value: entry.value as number }));
}

function fitLine(points: ReadonlyArray<{ day: number; value: number }>): (day: number) => number {
  if (points.length === 1) return () => points[0]?.value ?? 0;
  return linearRegressionLine(linearRegression(points.map((point) => [point.day, point.value])));
}

/** The next `horizonDays` days after the last day of `history`; undefined without any full day. */
export function forecastDaily(
  history: readonly DailyObservation[],
  overrides: Partial<ForecastOptions> = {},
): DailyForecast | undefined {
  const options = { ...defaultForecastOptions, ...overrides };
  const points = fullDays(history, options.fullDayShare);
  const lastDay = history.at(-1);
  if (points.length === 0 || lastDay === undefined) return undefined;

  const weekdayIndex = Array.from({ length: 7 }, () => 1);
  if (points.length >= options.minSeasonalDays) {
    const firstLine = fitLine(points);
    const ratios: number[][] = Array.from({ length: 7 }, () => []);
    for (const point of points) {
      const expected = firstLine(point.day);
      if (expected > 0) ratios[mondayBasedWeekday(point.day * dayMs)]?.push(point.value / expected);
    }
    const raw = ratios.map((values) =>
      values.length === 0 ? 1 : values.reduce((a, b) => a + b, 0) / values.length,
    );
    const scale = raw.reduce((a, b) => a + b, 0) / 7;
    for (let i = 0; i < 7; i++) weekdayIndex[i] = (raw[i] ?? 1) / scale;
  }
  const indexOf = (day: number) => weekdayIndex[mondayBasedWeekday(day * dayMs)] ?? 1;
  const trend = fitLine(points.map((point) => ({ day: point.day, value: point.value / indexOf(point.day) })));

  const firstForecastDay = Math.round(lastDay.dayStartMs / dayMs) + 1;
  const days: ForecastDay[] = [];
  for (let day = firstForecastDay; day < firstForecastDay + options.horizonDays; day++) {
    const value = Math.min(options.bounds.max, Math.max(options.bounds.min, trend(day) * indexOf(day)));
    days.push({ dayStartMs: day * dayMs, day: new Date(day * dayMs).toISOString().slice(0, 10), value });
  }
  return {
    fittedDays: points.length,
    slopePerDay: trend(1) - trend(0),
    weekdayIndex,
    days,
  };
}

export interface TransactionForecast {
  p50DurationMs: DailyForecast | undefined;
  availability: DailyForecast | undefined;
}

/** Both forecasts of one transaction from its daily history (BaselineStore.dailyHistory). */
export function forecastTransaction(
  history: ReadonlyArray<{
    dayStartMs: number;
    runs: number;
    p50DurationMs: number | null;
    availability: number;
  }>,
  horizonDays = defaultForecastOptions.horizonDays,
): TransactionForecast {
  return {
    p50DurationMs: forecastDaily(
      history.map((day) => ({ dayStartMs: day.dayStartMs, runs: day.runs, value: day.p50DurationMs })),
      { horizonDays },
    ),
    availability: forecastDaily(
      history.map((day) => ({ dayStartMs: day.dayStartMs, runs: day.runs, value: day.availability })),
      { horizonDays, bounds: { min: 0, max: 1 } },
    ),
  };
}
