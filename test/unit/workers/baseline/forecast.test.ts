import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorFunction } from 'simple-statistics';
import { hourOfWeek } from '../../../../schemas/hour-of-week.ts';
import { medianDurationMs } from '../../../../scripts/fleet/duration-model.ts';
import {
  defaultSeasonality,
  fleetLocations,
  fleetTransactions,
} from '../../../../scripts/fleet/fleet-plan.ts';
import { seededRandom } from '../../../../scripts/fleet/random.ts';
import { BaselineStore } from '../../../../workers/baseline/baseline-store.ts';
import {
  type DailyObservation,
  forecastDaily,
  forecastTransaction,
} from '../../../../workers/baseline/forecast.ts';
import { dayMs, fleetPlan, fleetStart, validatedRuns } from './fleet-runs.ts';

const monday = fleetStart.getTime();
// Monday first: busier mid-week, quiet weekend.
const weekdayShape = [1, 1.05, 1.05, 1, 0.95, 0.8, 0.8];

function syntheticHistory(days: number, value: (day: number) => number, runs = 288): DailyObservation[] {
  return Array.from({ length: days }, (_, day) => ({
    dayStartMs: monday + day * dayMs,
    runs,
    value: value(day),
  }));
}

test('a linear trend with weekly seasonality is recovered and extrapolated', () => {
  const random = seededRandom(17);
  const truth = (day: number) => (2000 + 30 * day) * (weekdayShape[day % 7] ?? 1);
  // 1 % multiplicative noise, as daily medians of ~288 runs have.
  const history = syntheticHistory(28, (day) => truth(day) * (1 + 0.01 * random.normal()));
  const forecast = forecastDaily(history);
  assert.ok(forecast !== undefined);
  assert.equal(forecast.fittedDays, 28);
  assert.deepEqual(
    forecast.days.map((day) => day.day),
    ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29'],
  );
  for (const [i, day] of forecast.days.entries()) {
    const expected = truth(28 + i);
    assert.ok(Math.abs(day.value / expected - 1) < 0.02, `${day.day}: ${day.value} vs ${expected}`);
  }
  // The trend's slope in the index-weighted mean level: 30 ms/day × mean shape (0.95).
  const meanShape = weekdayShape.reduce((a, b) => a + b, 0) / 7;
  assert.ok(Math.abs(forecast.slopePerDay / (30 * meanShape) - 1) < 0.1, `slope ${forecast.slopePerDay}`);
  assert.ok(Math.abs((forecast.weekdayIndex[5] ?? 0) / (0.8 / meanShape) - 1) < 0.02, 'Saturday index');
});

test('availability forecasts follow a declining trend and never leave [0, 1]', () => {
  const declining = forecastTransaction(
    syntheticHistory(21, (day) => 0.999 - 0.003 * day).map((day) => ({
      dayStartMs: day.dayStartMs,
      runs: day.runs,
      p50DurationMs: 1000,
      availability: day.value ?? 0,
    })),
  );
  for (const [i, day] of (declining.availability?.days ?? []).entries()) {
    assert.ok(Math.abs(day.value - (0.999 - 0.003 * (21 + i))) < 0.002, `${day.day}: ${day.value}`);
  }
  const rising = forecastTransaction(
    syntheticHistory(21, (day) => 0.95 + 0.004 * day).map((day) => ({
      dayStartMs: day.dayStartMs,
      runs: day.runs,
      p50DurationMs: 1000,
      availability: day.value ?? 0,
    })),
  );
  assert.equal(rising.availability?.days.at(-1)?.value, 1);
  assert.ok(rising.availability?.days.every((day) => day.value <= 1));
});

test('partial days do not bend the forecast, and without full days there is none', () => {
  const history = syntheticHistory(20, () => 1000);
  history.push({ dayStartMs: monday + 20 * dayMs, runs: 30, value: 50_000 });
  const forecast = forecastDaily(history);
  assert.equal(forecast?.fittedDays, 20);
  assert.ok(forecast?.days.every((day) => Math.abs(day.value - 1000) < 1e-6));
  assert.equal(forecast?.days[0]?.day, '2026-11-16', 'the forecast starts after the last (partial) day');
  assert.equal(forecastDaily([]), undefined);
  assert.equal(forecastDaily([{ dayStartMs: monday, runs: 5, value: null }]), undefined);
});

test('with under two weeks of days the weekday index stays flat', () => {
  const forecast = forecastDaily(syntheticHistory(10, (day) => 1000 * (weekdayShape[day % 7] ?? 1)));
  assert.deepEqual(forecast?.weekdayIndex, [1, 1, 1, 1, 1, 1, 1]);
});

/** The median of one day's runs: a mixture of its 288 runs' log-normals, solved by bisection. */
function trueDailyMedian(dayStartMs: number, growthPerDay: number): number {
  const transaction = fleetTransactions(1)[0];
  const frankfurt = fleetLocations[0];
  assert.ok(transaction !== undefined && frankfurt !== undefined);
  const logMedians: number[] = [];
  for (let slot = dayStartMs; slot < dayStartMs + dayMs; slot += 300_000) {
    const multiplier = 1 + (growthPerDay * (slot - monday)) / dayMs;
    logMedians.push(
      Math.log(medianDurationMs(transaction, frankfurt, hourOfWeek(slot), defaultSeasonality) * multiplier),
    );
  }
  const share = (logX: number) =>
    logMedians.reduce(
      (sum, logMedian) =>
        sum + 0.5 * (1 + errorFunction((logX - logMedian) / (transaction.sigma * Math.SQRT2))),
      0,
    ) / logMedians.length;
  let low = Math.min(...logMedians) - 3;
  let high = Math.max(...logMedians) + 3;
  for (let i = 0; i < 60; i++) {
    const middle = (low + high) / 2;
    if (share(middle) < 0.5) low = middle;
    else high = middle;
  }
  return Math.exp((low + high) / 2);
}

test('a simulated slow regression is forecast from the stored history within 3 %', (t) => {
  const transaction = fleetTransactions(1)[0];
  const frankfurt = fleetLocations[0];
  assert.ok(transaction !== undefined && frankfurt !== undefined);
  const growthPerDay = 0.02;
  // 28 days and 6 hours: the window (28 days before the newest run) cuts the first day short, and
  // the last day is partial too; both must be left out of the fit.
  const plan = fleetPlan([{ ...transaction, failureRate: 0, locations: [frankfurt] }], 28.25, {
    scenarios: [{ kind: 'slow-regression', from: fleetStart, growthPerDay }],
  });
  const store = new BaselineStore(':memory:');
  t.after(() => store.close());
  store.ingest(validatedRuns(plan));
  const history = store.dailyHistory(transaction.id);
  assert.equal(history.length, 29);
  const forecast = forecastTransaction(history);
  assert.equal(forecast.p50DurationMs?.fittedDays, 27);
  const errors = (forecast.p50DurationMs?.days ?? []).map(
    (day) => day.value / trueDailyMedian(day.dayStartMs, growthPerDay) - 1,
  );
  assert.equal(errors.length, 7);
  t.diagnostic(`forecast errors: ${errors.map((error) => `${(100 * error).toFixed(2)} %`).join(', ')}`);
  for (const error of errors) assert.ok(Math.abs(error) < 0.03, `forecast error ${error}`);
  assert.ok(forecast.availability?.days.every((day) => day.value === 1));
});
