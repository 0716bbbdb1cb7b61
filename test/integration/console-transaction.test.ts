// The transaction detail against the real PostgreSQL, served by the console's own frame in this
// process over a database of the test's own: a simulated fleet (two journeys from three locations,
// an outage at one location, flapping across the night Europe/Berlin leaves summer time, a slow
// regression) is stored through synth-store's writer, and the baselines and forecast the baseline
// model makes of the same runs through synth-store's baselines writer. Every figure the API answers
// is compared with the test's own computation from the generator's runs: counts, percentages, means,
// the duration distribution and the daily counts exactly, p50/p90 within the documented bound, "X %
// slower than the others" within its square; the band and the forecast equal what the model made.
// Periods with edges inside hours, days in Europe/Berlin across the DST change and in Asia/Kolkata
// (+05:30: read from the runs). The CSV holds the JSON's points; every JSON answer is valid against
// the OpenAPI document built from the endpoint.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'csv-parse/sync';
import { transactionDetailEndpoint } from '../../console/api/transaction-detail.ts';
import { openApiDocument } from '../../console/endpoint.ts';
import { percentileBound } from '../../console/queries/duration-histogram.ts';
import { hourOfWeek } from '../../schemas/hour-of-week.ts';
import type { SynthResult } from '../../schemas/record-types.ts';
import { locationKey } from '../../schemas/series-key.ts';
import {
  defaultSeasonality,
  type FleetPlan,
  fleetLocations,
  fleetTransactions,
} from '../../scripts/fleet/fleet-plan.ts';
import { toBaselineRecord } from '../../workers/baseline/baseline-record.ts';
import { BaselineStore, type SeriesBaselines } from '../../workers/baseline/baseline-store.ts';
import { forecastTransaction } from '../../workers/baseline/forecast.ts';
import { toForecastRecord } from '../../workers/baseline/forecast-record.ts';
import { writeBaselines, writeForecasts } from '../../workers/synth-store/baselines-writer.ts';
import { serveEndpoints } from './console.ts';
import { exactPercentile, storedFleet } from './read-model-fleet.ts';
import type { scratchDatabase } from './stack.ts';

const transactions = fleetTransactions(2, 15);
const [first, second] = transactions;
if (first === undefined || second === undefined) throw new Error('two journeys');
const checkout = first;
const other = second;
const plan: FleetPlan = {
  seed: 1111,
  from: new Date('2026-10-19T00:00:00Z'),
  to: new Date('2026-10-29T00:00:00Z'),
  transactions,
  seasonality: defaultSeasonality,
  scenarios: [
    {
      kind: 'outage',
      transactionId: checkout.id,
      robotName: 'robot-singapore-01',
      from: new Date('2026-10-23T10:00:00Z'),
      to: new Date('2026-10-23T13:00:00Z'),
    },
    {
      kind: 'flapping',
      transactionId: checkout.id,
      from: new Date('2026-10-25T00:00:00Z'),
      to: new Date('2026-10-25T03:00:00Z'),
    },
    {
      kind: 'slow-regression',
      transactionId: checkout.id,
      from: new Date('2026-10-26T00:00:00Z'),
      growthPerDay: 0.3,
    },
  ],
  environment: 'production',
};

let database: Awaited<ReturnType<typeof scratchDatabase>>;
let runs: SynthResult[];
let baselines: SeriesBaselines[];
let forecastDays: Array<{ date: string; p50_ms: number | null; availability: number | null }>;
const now = new Date('2026-10-28T20:00:00Z');
const limits = { maxPeriodDays: 400 };
const endpoints = [transactionDetailEndpoint(limits, () => now)];
const document = openApiDocument(endpoints, { title: 'test', version: '1' });
let base = '';
let served: Awaited<ReturnType<typeof serveEndpoints>> | undefined;

before(async () => {
  ({ database, runs } = await storedFleet(plan));
  // The model fed the same runs, its records stored as synth-store stores them from the topics.
  const model = new BaselineStore(':memory:');
  model.ingest(runs);
  baselines = model.listBaselines();
  const forecast = toForecastRecord(
    { id: checkout.id, name: checkout.name },
    model.dailyHistory(checkout.id).length,
    forecastTransaction(model.dailyHistory(checkout.id)),
    now,
  );
  model.close();
  assert.ok(forecast, 'ten days of runs give a forecast');
  forecastDays = forecast.days;
  await writeBaselines(
    database.pool,
    baselines.map((series, index) => ({
      record: toBaselineRecord(series, now),
      source: { partition: 0, offset: String(index) },
    })),
  );
  await writeForecasts(database.pool, [{ record: forecast, source: { partition: 0, offset: '0' } }]);

  served = await serveEndpoints(endpoints, { postgres: database.pool });
  base = served.base;
});

after(async () => {
  served?.close();
  await database?.drop();
});

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(document, 'openapi.json');
const pathOf = (transactionId: string) => `/api/v1/transactions/${transactionId}`;

async function get(
  query: Record<string, string>,
  expectStatus = 200,
  transactionId = checkout.id,
  key = 'reader',
): Promise<any> {
  const response = await fetch(`${base}${pathOf(transactionId)}?${new URLSearchParams(query)}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const body = await response.json();
  assert.equal(
    response.status,
    expectStatus,
    `${JSON.stringify(query)}: ${JSON.stringify(body).slice(0, 500)}`,
  );
  const validate = ajv.compile({
    $ref: `openapi.json#/components/schemas/${expectStatus === 200 ? 'getTransactionResponse' : 'Error'}`,
  });
  assert.ok(validate(body), JSON.stringify(validate.errors));
  return body;
}

// ---- the test's own computation, from the generator's runs ----

const runDuration = (run: SynthResult) => run.finished_at.getTime() - run.started_at.getTime();

interface Outcome {
  status: string;
  durationMs: number;
}

function expectedFigures(outcomes: Outcome[]) {
  const durations = outcomes.filter((o) => o.status !== 'FAIL').map((o) => o.durationMs);
  const ok = outcomes.filter((o) => o.status === 'OK').length;
  const warning = outcomes.filter((o) => o.status === 'WARNING').length;
  return {
    runs: outcomes.length,
    ok,
    warning,
    fail: outcomes.length - ok - warning,
    sla_percent: outcomes.length === 0 ? null : (100 * ok) / outcomes.length,
    availability_percent: outcomes.length === 0 ? null : (100 * (ok + warning)) / outcomes.length,
    durations: durations.length,
    mean_ms: durations.length === 0 ? null : durations.reduce((a, b) => a + b, 0) / durations.length,
    p50_ms: exactPercentile(durations, 0.5),
    p90_ms: exactPercentile(durations, 0.9),
  };
}

function assertClose(actual: number | null, expected: number | null, what: string): void {
  if (expected === null) {
    assert.equal(actual, null, what);
    return;
  }
  assert.ok(
    actual !== null && Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} ≠ ${expected}`,
  );
}

function assertWithinBound(actual: number | null, exact: number | null, factor: number, what: string): void {
  if (exact === null) {
    assert.equal(actual, null, what);
    return;
  }
  assert.ok(actual !== null, `${what}: null, expected ≈ ${exact}`);
  // Rounding slack of a microsecond on top of the documented factor.
  assert.ok(
    actual <= exact * factor + 1e-6 && actual >= exact / factor - 1e-6,
    `${what}: ${actual} vs exact ${exact}`,
  );
}

/** The API's figures against the exact ones: counts, percentages and mean exactly, p50/p90 within the bound. */
function assertFigures(actual: any, outcomes: Outcome[], what: string): void {
  const expected = expectedFigures(outcomes);
  assert.deepEqual(
    [actual.runs, actual.ok, actual.warning, actual.fail, actual.durations],
    [expected.runs, expected.ok, expected.warning, expected.fail, expected.durations],
    `${what}: counts`,
  );
  assertClose(actual.sla_percent, expected.sla_percent, `${what}: SLA %`);
  assertClose(actual.availability_percent, expected.availability_percent, `${what}: availability %`);
  assertClose(actual.mean_ms, expected.mean_ms, `${what}: mean`);
  assertWithinBound(actual.p50_ms, expected.p50_ms, percentileBound, `${what}: p50`);
  assertWithinBound(actual.p90_ms, expected.p90_ms, percentileBound, `${what}: p90`);
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** YYYY-MM-DD of `at` in `tz`. */
function localDay(at: Date, tz: string): string {
  let format = dayFormats.get(tz);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dayFormats.set(tz, format);
  }
  return format.format(at);
}

function runsIn(from: Date, to: Date, keep: (run: SynthResult) => boolean = () => true): SynthResult[] {
  return runs.filter(
    (run) => run.transaction_id === checkout.id && run.started_at >= from && run.started_at < to && keep(run),
  );
}

const outcome = (run: SynthResult): Outcome => ({ status: run.status, durationMs: runDuration(run) });

/** Everything the answer says, checked against the runs of [from, to). */
function assertDetail(body: any, from: Date, to: Date, tz: string, location?: string): void {
  const keep = (run: SynthResult) => location === undefined || locationKey(run.location) === location;
  const chosen = runsIn(from, to, keep);
  assert.ok(chosen.length > 0, 'the period has runs');
  assert.deepEqual(body.transaction, {
    transaction_id: checkout.id,
    name: checkout.name,
    service: checkout.service,
    project: checkout.project,
  });
  assert.deepEqual(body.period, { from: from.toISOString(), to: to.toISOString() });
  assertFigures(body.summary, chosen.map(outcome), 'summary');

  // Points.
  if (body.interval === 'hour') {
    const hourMs = 3_600_000;
    const first = Math.floor(from.getTime() / hourMs) * hourMs;
    assert.equal(body.points.length, Math.ceil((to.getTime() - first) / hourMs));
    const series = baselines.find((b) => b.series.key === `${checkout.id}|run|${location ?? '*'}`);
    assert.ok(series, 'the model has the series');
    for (const [index, point] of body.points.entries()) {
      const hour = first + index * hourMs;
      assert.equal(point.from, new Date(Math.max(hour, from.getTime())).toISOString());
      assert.equal(point.to, new Date(Math.min(hour + hourMs, to.getTime())).toISOString());
      const inHour = chosen.filter((run) => Math.floor(run.started_at.getTime() / hourMs) * hourMs === hour);
      assertFigures(point, inHour.map(outcome), `point ${point.from}`);
      const band: SeriesBaselines['hours'][number] | undefined =
        series.state === 'ready' ? series.hours[hourOfWeek(hour)] : undefined;
      assert.deepEqual(
        point.band,
        band === undefined
          ? null
          : {
              p10_ms: band.duration?.p10 ?? null,
              p50_ms: band.duration?.p50 ?? null,
              p90_ms: band.duration?.p90 ?? null,
            },
        `band at ${point.from}`,
      );
    }
  } else {
    for (const point of body.points) {
      const day = localDay(new Date(point.from), tz);
      assertFigures(
        point,
        chosen.filter((run) => localDay(run.started_at, tz) === day).map(outcome),
        `day ${day}`,
      );
    }
  }

  // Daily runs and errors: every local day of the period.
  const days = new Map<string, Outcome[]>();
  for (let at = from.getTime(); at < to.getTime(); at += 3_600_000) days.set(localDay(new Date(at), tz), []);
  days.set(localDay(new Date(to.getTime() - 1), tz), []);
  for (const run of chosen) days.get(localDay(run.started_at, tz))?.push(outcome(run));
  assert.deepEqual(
    body.daily,
    [...days.entries()].map(([day, list]) => {
      const figures = expectedFigures(list);
      return { day, runs: figures.runs, ok: figures.ok, warning: figures.warning, fail: figures.fail };
    }),
  );

  // Locations, and how much slower each is than the others.
  const byLocation = new Map<string, SynthResult[]>();
  for (const run of chosen) {
    const key = locationKey(run.location) ?? '';
    const list = byLocation.get(key) ?? [];
    list.push(run);
    byLocation.set(key, list);
  }
  assert.deepEqual(body.locations.map((l: any) => l.location).sort(), [...byLocation.keys()].sort());
  for (const row of body.locations) {
    const own = byLocation.get(row.location) ?? [];
    assertFigures(row, own.map(outcome), `location ${row.location}`);
    const place = fleetLocations.find((l) => locationKey(l) === row.location);
    assert.deepEqual([row.latitude, row.longitude], [place?.latitude, place?.longitude]);
    const others = chosen.filter((run) => locationKey(run.location) !== row.location);
    const p50 = (list: SynthResult[]) =>
      exactPercentile(list.filter((run) => run.status !== 'FAIL').map(runDuration), 0.5);
    const ownP50 = p50(own);
    const othersP50 = p50(others);
    if (ownP50 === null || othersP50 === null) assert.equal(row.slower_than_others_percent, null);
    else
      assertWithinBound(
        1 + row.slower_than_others_percent / 100,
        ownP50 / othersP50,
        percentileBound ** 2,
        `location ${row.location}: slower than the others`,
      );
  }

  // Steps.
  const byStep = new Map<number, Outcome[]>();
  for (const run of chosen)
    for (const step of run.steps) {
      const list = byStep.get(step.index) ?? [];
      list.push({ status: step.status, durationMs: step.finished_at.getTime() - step.started_at.getTime() });
      byStep.set(step.index, list);
    }
  const allFails = [...byStep.values()].flat().filter((o) => o.status === 'FAIL').length;
  assert.deepEqual(
    body.steps.map((s: any) => s.index),
    [...byStep.keys()].sort((a, b) => a - b),
  );
  for (const step of body.steps) {
    const list = byStep.get(step.index) ?? [];
    assertFigures(step, list, `step ${step.index}`);
    const fails = list.filter((o) => o.status === 'FAIL').length;
    assertClose(step.fail_percent, (100 * fails) / list.length, `step ${step.index}: fail %`);
    assertClose(
      step.failure_share_percent,
      allFails === 0 ? null : (100 * fails) / allFails,
      `step ${step.index}: share`,
    );
  }

  // The duration distribution of the non-FAIL runs, exact.
  const edges = [0, 30_000, 60_000, 120_000, 300_000, Number.POSITIVE_INFINITY];
  const durations = chosen.filter((run) => run.status !== 'FAIL').map(runDuration);
  assert.deepEqual(
    body.distribution,
    edges.slice(0, -1).map((low, i) => ({
      from_s: low / 1000,
      to_s: i === edges.length - 2 ? null : (edges[i + 1] as number) / 1000,
      runs: durations.filter((d) => d >= low && d < (edges[i + 1] as number)).length,
    })),
  );

  // The forecast the model made, for the period's days and the 7 after.
  const firstDay = from.toISOString().slice(0, 10);
  const lastDay = new Date(to.getTime() + 7 * 86_400_000).toISOString().slice(0, 10);
  assert.deepEqual(
    body.forecast.map((d: any) => [d.day, d.p50_ms, d.availability]),
    forecastDays
      .filter((d) => d.date >= firstDay && d.date <= lastDay)
      .map((d) => [d.date, d.p50_ms, d.availability]),
  );
}

test('hourly points over a period with edges inside hours: every figure from the runs, the band the model learned', async () => {
  const from = new Date('2026-10-23T08:17:00Z');
  const to = new Date('2026-10-24T15:41:30Z');
  const body = await get({ from: from.toISOString(), to: to.toISOString() });
  assert.equal(body.interval, 'hour');
  assert.equal(body.baseline.series_key, `${checkout.id}|run|*`);
  assertDetail(body, from, to, 'UTC');
  // The Singapore outage makes it the least available location of the period.
  const singapore = body.locations.find((l: any) => l.location?.includes('Singapore'));
  assert.ok(singapore.fail >= 12, JSON.stringify(singapore));

  const csv = await fetch(
    `${base}${pathOf(checkout.id)}?${new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), format: 'csv' })}`,
    {
      headers: { authorization: 'Bearer reader' },
    },
  );
  assert.equal(csv.status, 200);
  const rows: Array<Record<string, string>> = parse(await csv.text(), { columns: true });
  const cell = (value: unknown) => (value === null || value === undefined ? '' : String(value));
  assert.deepEqual(
    rows,
    body.points.map((point: any) => ({
      from: point.from,
      to: point.to,
      runs: cell(point.runs),
      ok: cell(point.ok),
      warning: cell(point.warning),
      fail: cell(point.fail),
      durations: cell(point.durations),
      mean_ms: cell(point.mean_ms),
      p50_ms: cell(point.p50_ms),
      p90_ms: cell(point.p90_ms),
      band_p10_ms: cell(point.band?.p10_ms),
      band_p50_ms: cell(point.band?.p50_ms),
      band_p90_ms: cell(point.band?.p90_ms),
    })),
  );
});

test('days in Europe/Berlin across the end of summer time, one location, the default interval by day', async () => {
  // Monday 19 October 00:00 to Thursday 29 October 00:00 local: Sunday the 25th has 25 hours.
  const from = new Date('2026-10-18T22:00:00Z');
  const to = new Date('2026-10-28T23:00:00Z');
  const location = 'DE/Hesse/Frankfurt am Main';
  const body = await get({ from: from.toISOString(), to: to.toISOString(), tz: 'Europe/Berlin', location });
  assert.equal(body.interval, 'day');
  assert.equal(body.baseline.series_key, `${checkout.id}|run|${location}`);
  assert.equal(body.points.length, 10);
  const sunday = body.points.find((p: any) => p.from === '2026-10-24T22:00:00.000Z');
  assert.equal(sunday?.to, '2026-10-25T23:00:00.000Z', 'the 25-hour Sunday');
  assertDetail(body, from, to, 'Europe/Berlin', location);
  assert.deepEqual(body.points[0].band, {
    p10_ms: body.baseline.p10_ms,
    p50_ms: body.baseline.p50_ms,
    p90_ms: body.baseline.p90_ms,
  });
});

test('days in Asia/Kolkata (+05:30): read from the runs, exact', async () => {
  const from = new Date('2026-10-20T05:00:00Z');
  const to = new Date('2026-10-27T11:30:00Z');
  const body = await get({
    from: from.toISOString(),
    to: to.toISOString(),
    tz: 'Asia/Kolkata',
    interval: 'day',
  });
  assertDetail(body, from, to, 'Asia/Kolkata');
});

test('the default period is the 7 days until now, hourly', async () => {
  const body = await get({});
  assert.equal(body.interval, 'hour');
  assertDetail(body, new Date(now.getTime() - 7 * 86_400_000), now, 'UTC');
});

test('an unknown transaction is 404; bad parameters are 400s naming them; keys without read are refused', async () => {
  await get({}, 404, '00000000-0000-4000-8000-000000000000');
  const tooLong = await get(
    { from: '2026-08-01T00:00:00Z', to: '2026-10-01T00:00:00Z', interval: 'hour' },
    400,
  );
  assert.deepEqual(
    tooLong.error.fields.map((f: any) => f.path),
    ['interval'],
  );
  const bad = await get({ tz: 'Mars/Olympus', interval: 'minute', project: 'x', from: 'yesterday' }, 400);
  assert.deepEqual(bad.error.fields.map((f: any) => f.path).sort(), ['from', 'interval', 'project', 'tz']);
  await get({}, 403, checkout.id, 'writer');
  await get({}, 401, checkout.id, 'nobody');
  // The other journey's runs never count for this one.
  const another = await get({}, 200, other.id);
  assert.equal(another.transaction.transaction_id, other.id);
});
