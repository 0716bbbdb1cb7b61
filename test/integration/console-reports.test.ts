// The console's SLA, heatmap and runs endpoints against the real PostgreSQL, served by the console's
// own frame in this process over a database of the test's own: a simulated fleet (outage, flapping,
// a slow regression; 17 days around the end of summer time in Europe) is stored through synth-store's
// writer, and every figure the API answers is compared with the test's own computation from the
// generator's runs — counts and percentages exactly, p90 within the documented bound. Periods with
// edges inside hours, the default periods and "today" are checked at the DST change in
// Europe/Berlin (Sunday 25 October 2026); the heatmap also in Asia/Kolkata (+05:30, read from the
// raw runs). Pages of runs stay exact while runs arrive, the CSV export holds the same rows as the
// pages, and every kind of bad parameter is a 400 naming it. Every JSON answer is validated against
// the OpenAPI document built from the endpoints.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'csv-parse/sync';
import { heatmapEndpoint } from '../../console/api/heatmap.ts';
import { runsEndpoint } from '../../console/api/runs.ts';
import { slaEndpoint } from '../../console/api/sla.ts';
import { type ErrorBody, openApiDocument } from '../../console/endpoint.ts';
import { percentileBound } from '../../console/queries/duration-histogram.ts';
import type { SynthResult } from '../../schemas/record-types.ts';
import { locationKey } from '../../schemas/series-key.ts';
import {
  defaultSeasonality,
  type FleetPlan,
  fleetLocations,
  fleetTransactions,
} from '../../scripts/fleet/fleet-plan.ts';
import { serveEndpoints } from './console.ts';
import { fleetRuns, storedFleet, storeRuns } from './read-model-fleet.ts';
import type { scratchDatabase } from './stack.ts';

const transactions = fleetTransactions(3, 15);
const [checkout, search, portal] = transactions;
if (checkout === undefined || search === undefined || portal === undefined) throw new Error('three journeys');
const plan: FleetPlan = {
  seed: 2510,
  from: new Date('2026-10-12T00:00:00Z'),
  to: new Date('2026-10-29T00:00:00Z'),
  transactions,
  seasonality: defaultSeasonality,
  scenarios: [
    {
      kind: 'outage',
      transactionId: checkout.id,
      robotName: 'robot-singapore-01',
      from: new Date('2026-10-20T10:00:00Z'),
      to: new Date('2026-10-20T14:00:00Z'),
    },
    // Across the hour Europe/Berlin lives twice (02:00–03:00 local, 00:00–02:00 UTC).
    {
      kind: 'flapping',
      transactionId: search.id,
      from: new Date('2026-10-25T00:00:00Z'),
      to: new Date('2026-10-25T03:00:00Z'),
    },
    {
      kind: 'slow-regression',
      transactionId: portal.id,
      from: new Date('2026-10-22T00:00:00Z'),
      growthPerDay: 0.4,
    },
  ],
  environment: 'production',
};

let database: Awaited<ReturnType<typeof scratchDatabase>>;
let runs: SynthResult[];
let now = new Date('2026-10-26T09:00:00Z');
// A streamed export's own statement bound set, so its transaction (SET LOCAL) is what is tested.
const limits = { maxPeriodDays: 400, exportStatementTimeoutMs: 60_000 };
const endpoints = [slaEndpoint(limits, () => now), heatmapEndpoint(limits, () => now), runsEndpoint];
const document = openApiDocument(endpoints, { title: 'test', version: '1' });
let base = '';
let served: Awaited<ReturnType<typeof serveEndpoints>> | undefined;

before(async () => {
  ({ database, runs } = await storedFleet(plan));
  served = await serveEndpoints(endpoints, { postgres: database.pool, limits });
  base = served.base;
});

after(async () => {
  served?.close();
  await database?.drop();
});

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(document, 'openapi.json');

async function get(path: string, query: Record<string, string>, expectStatus = 200): Promise<any> {
  const response = await fetch(`${base}${path}?${new URLSearchParams(query)}`, {
    headers: { authorization: 'Bearer reader' },
  });
  const body = await response.json();
  assert.equal(response.status, expectStatus, `${path} ${JSON.stringify(query)}: ${JSON.stringify(body)}`);
  const operationId = {
    '/api/v1/sla': 'getSla',
    '/api/v1/heatmap': 'getHeatmap',
    '/api/v1/runs': 'listRuns',
  }[path];
  const validate = ajv.compile({
    $ref: `openapi.json#/components/schemas/${expectStatus === 200 ? `${operationId}Response` : 'Error'}`,
  });
  assert.ok(validate(body), `${path}: ${JSON.stringify(validate.errors)}`);
  return body;
}

async function getCsv(path: string, query: Record<string, string>): Promise<Array<Record<string, string>>> {
  const response = await fetch(`${base}${path}?${new URLSearchParams({ ...query, format: 'csv' })}`, {
    headers: { authorization: 'Bearer reader' },
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
  return parse(await response.text(), { columns: true });
}

// ---- the test's own computation, from the generator's runs ----

const ms = (text: string) => new Date(text).getTime();

interface Counts {
  runs: number;
  ok: number;
  warning: number;
  fail: number;
}
const noCounts = (): Counts => ({ runs: 0, ok: 0, warning: 0, fail: 0 });
function add(counts: Counts, status: string): void {
  counts.runs++;
  if (status === 'OK') counts.ok++;
  else if (status === 'WARNING') counts.warning++;
  else counts.fail++;
}

type Level = 'all' | 'project' | 'service' | 'transaction' | 'robot' | 'location' | 'step';

/** The object a run (or one of its steps) counts for at a level, as a key. */
function objectKeys(level: Level, run: SynthResult): Array<{ key: string; status: string }> {
  const one = (key: string) => [{ key, status: run.status }];
  switch (level) {
    case 'all':
      return one('');
    case 'project':
      return one(run.project ?? '');
    case 'service':
      return one(`${run.project}|${run.service}`);
    case 'transaction':
      return one(run.transaction_id);
    case 'robot':
      return one(run.robot_id);
    case 'location':
      return one(locationKey(run.location) ?? '');
    case 'step':
      return run.steps.map((step) => ({ key: `${run.transaction_id}|${step.index}`, status: step.status }));
  }
}

function rowKey(level: Level, row: any): string {
  switch (level) {
    case 'all':
      return '';
    case 'project':
      return row.project ?? '';
    case 'service':
      return `${row.project}|${row.service}`;
    case 'transaction':
      return row.transaction_id;
    case 'robot':
      return row.robot_id;
    case 'location':
      return row.location ?? '';
    case 'step':
      return `${row.transaction_id}|${row.step_index}`;
  }
}

function countsBy(
  level: Level,
  from: number,
  to: number,
  keep: (run: SynthResult) => boolean = () => true,
): Map<string, Counts> {
  const counts = new Map<string, Counts>();
  for (const run of runs) {
    const at = run.started_at.getTime();
    if (at < from || at >= to || !keep(run)) continue;
    for (const { key, status } of objectKeys(level, run)) {
      const entry = counts.get(key) ?? noCounts();
      add(entry, status);
      counts.set(key, entry);
    }
  }
  return counts;
}

function assertCounts(actual: any, expected: Counts, what: string): void {
  assert.deepEqual(
    {
      runs: actual.runs,
      ok: actual.ok,
      warning: actual.warning,
      fail: actual.fail,
      sla_percent: actual.sla_percent,
      availability_percent: actual.availability_percent,
    },
    {
      ...expected,
      sla_percent: expected.runs === 0 ? null : (100 * expected.ok) / expected.runs,
      availability_percent:
        expected.runs === 0 ? null : (100 * (expected.ok + expected.warning)) / expected.runs,
    },
    what,
  );
}

/** Every row of an SLA answer against the runs; the listed objects are those of the period or the one before. */
function assertSla(
  answer: any,
  level: Level,
  periods: { current: [number, number]; previous: [number, number]; today: [number, number] },
  keep?: (run: SynthResult) => boolean,
): void {
  const current = countsBy(level, ...periods.current, keep);
  const previous = countsBy(level, ...periods.previous, keep);
  const today = countsBy(level, ...periods.today, keep);
  const listed = new Set([...current.keys(), ...previous.keys()]);
  assert.deepEqual(
    answer.rows.map((row: any) => rowKey(level, row)).sort(),
    [...listed].sort(),
    `${level}: the objects listed`,
  );
  for (const row of answer.rows) {
    const key = rowKey(level, row);
    assertCounts(row, current.get(key) ?? noCounts(), `${level} ${key}: the period`);
    assertCounts(row.previous, previous.get(key) ?? noCounts(), `${level} ${key}: the previous period`);
    assertCounts(row.today, today.get(key) ?? noCounts(), `${level} ${key}: today`);
    const change =
      row.sla_percent === null || row.previous.sla_percent === null
        ? null
        : row.sla_percent - row.previous.sla_percent;
    assert.equal(row.sla_change, change, `${level} ${key}: change`);
  }
  // Names as the fleet has them.
  for (const row of answer.rows) {
    const journey = transactions.find((transaction) => transaction.id === row.transaction_id);
    if (level === 'transaction' || level === 'step')
      assert.deepEqual(
        [row.transaction_name, row.service, row.project],
        [journey?.name, journey?.service, journey?.project],
        `${level}: names`,
      );
    if (level === 'step') assert.equal(row.step_name, journey?.steps[row.step_index]?.name);
    if (level === 'robot')
      assert.equal(
        row.robot_name,
        fleetLocations.find((location) => location.robotId === row.robot_id)?.robotName,
      );
  }
  // Worst first: SLA never rises down the list (objects without runs in the period last).
  const slas = answer.rows.map((row: any) => row.sla_percent ?? Number.POSITIVE_INFINITY);
  assert.deepEqual(
    slas,
    [...slas].sort((a, b) => a - b),
    `${level}: worst first`,
  );
}

const levels: Level[] = ['all', 'project', 'service', 'transaction', 'robot', 'location', 'step'];

test('the SLA of a period with edges inside hours, across the DST change, equals the runs at every level', async () => {
  now = new Date('2026-10-26T09:00:00Z');
  // 10:17 summer time on Monday to 08:45:30 winter time the next Monday: 169 hours in Berlin's week.
  const from = '2026-10-19T10:17:00+02:00';
  const to = '2026-10-26T08:45:30+01:00';
  const length = ms(to) - ms(from);
  const periods = {
    current: [ms(from), ms(to)] as [number, number],
    previous: [ms(from) - length, ms(from)] as [number, number],
    // Today in Berlin since midnight, winter time: 23:00 UTC the day before.
    today: [ms('2026-10-25T23:00:00Z'), now.getTime()] as [number, number],
  };
  for (const level of levels) {
    const answer = await get('/api/v1/sla', { level, from, to, tz: 'Europe/Berlin' });
    assert.deepEqual(answer.period, { from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    assert.deepEqual(answer.previous_period, {
      from: new Date(periods.previous[0]).toISOString(),
      to: new Date(from).toISOString(),
    });
    assert.deepEqual(answer.today_period, { from: '2026-10-25T23:00:00.000Z', to: now.toISOString() });
    assertSla(answer, level, periods);
  }
  // The scenarios show: the outage's runs and the flapping's failed.
  const byTransaction = await get('/api/v1/sla', { level: 'transaction', from, to, tz: 'Europe/Berlin' });
  const failures = (id: string) => byTransaction.rows.find((row: any) => row.transaction_id === id)?.fail;
  // A bounded answer: the first `limit` rows in the order asked, and how many there were.
  assert.equal(byTransaction.truncated, false);
  assert.equal(byTransaction.total_rows, byTransaction.rows.length);
  const firstTwo = await get('/api/v1/sla', {
    level: 'transaction',
    from,
    to,
    tz: 'Europe/Berlin',
    limit: '2',
  });
  assert.deepEqual(firstTwo.rows, byTransaction.rows.slice(0, 2));
  assert.equal(firstTwo.total_rows, byTransaction.rows.length);
  assert.equal(firstTwo.truncated, byTransaction.rows.length > 2);
  for (const limit of ['0', '20001', 'many'])
    assert.match(
      JSON.stringify(await get('/api/v1/sla', { level: 'transaction', limit }, 400)),
      /"path":"limit"/,
    );
  assert.ok(failures(checkout.id) >= 16, 'the outage’s 16 runs failed');
  assert.ok(failures(search.id) >= 18, 'half the flapping’s 36 runs failed');

  // Filters narrow every figure the same way.
  const frankfurt = 'DE/Hesse/Frankfurt am Main';
  assertSla(
    await get('/api/v1/sla', { level: 'transaction', from, to, service: 'webshop', location: frankfurt }),
    'transaction',
    { ...periods, today: [ms('2026-10-26T00:00:00Z'), now.getTime()] },
    (run) => run.service === 'webshop' && locationKey(run.location) === frankfurt,
  );
  assertSla(
    await get('/api/v1/sla', { level: 'step', from, to, tz: 'Europe/Berlin', transaction: search.id }),
    'step',
    periods,
    (run) => run.transaction_id === search.id,
  );
  // At a location the steps' days come from the per-robot rows, not those summed over robots.
  assertSla(
    await get('/api/v1/sla', { level: 'step', from, to, tz: 'Europe/Berlin', location: frankfurt }),
    'step',
    periods,
    (run) => locationKey(run.location) === frankfurt,
  );

  // Half an hour inside one hour (the runs only), a filter on each kind of source.
  const short = { from: '2026-10-21T10:17:00Z', to: '2026-10-21T10:47:00Z' };
  assertSla(
    await get('/api/v1/sla', { level: 'robot', ...short, project: 'fleet-simulation' }),
    'robot',
    {
      current: [ms(short.from), ms(short.to)],
      previous: [ms(short.from) - 30 * 60_000, ms(short.from)],
      today: [ms('2026-10-26T00:00:00Z'), now.getTime()],
    },
    (run) => run.project === 'fleet-simulation',
  );

  // CSV holds the same rows as the JSON.
  const json = await get('/api/v1/sla', { level: 'robot', from, to });
  const csv = await getCsv('/api/v1/sla', { level: 'robot', from, to });
  assert.deepEqual(
    csv.map((row) => [row.robot_id, Number(row.runs), Number(row.ok), Number(row.previous_fail)]),
    json.rows.map((row: any) => [row.robot_id, row.runs, row.ok, row.previous.fail]),
  );
});

test('the default period is this week since Monday 00:00 in the zone, today since midnight there', async () => {
  // Sunday noon in Berlin, the day summer time ended: the week began Monday 00:00 summer time.
  now = new Date('2026-10-25T11:00:00Z');
  const berlin = await get('/api/v1/sla', { level: 'all', tz: 'Europe/Berlin' });
  assert.deepEqual(berlin.period, { from: '2026-10-18T22:00:00.000Z', to: now.toISOString() });
  const length = now.getTime() - ms('2026-10-18T22:00:00Z');
  assert.deepEqual(berlin.previous_period, {
    from: new Date(ms('2026-10-18T22:00:00Z') - length).toISOString(),
    to: '2026-10-18T22:00:00.000Z',
  });
  assert.deepEqual(berlin.today_period, { from: '2026-10-24T22:00:00.000Z', to: now.toISOString() });
  assertSla(berlin, 'all', {
    current: [ms('2026-10-18T22:00:00Z'), now.getTime()],
    previous: [ms('2026-10-18T22:00:00Z') - length, ms('2026-10-18T22:00:00Z')],
    today: [ms('2026-10-24T22:00:00Z'), now.getTime()],
  });

  // The next Wednesday, in UTC and in New York (still on summer time until 1 November).
  now = new Date('2026-10-28T12:34:00Z');
  const utc = await get('/api/v1/sla', { level: 'project' });
  assert.deepEqual(utc.period, { from: '2026-10-26T00:00:00.000Z', to: now.toISOString() });
  assert.deepEqual(utc.today_period, { from: '2026-10-28T00:00:00.000Z', to: now.toISOString() });
  const newYork = await get('/api/v1/sla', { level: 'project', tz: 'America/New_York' });
  assert.deepEqual(newYork.period, { from: '2026-10-26T04:00:00.000Z', to: now.toISOString() });
  assert.deepEqual(newYork.today_period, { from: '2026-10-28T04:00:00.000Z', to: now.toISOString() });
  const span = now.getTime() - ms('2026-10-26T04:00:00Z');
  assertSla(newYork, 'project', {
    current: [ms('2026-10-26T04:00:00Z'), now.getTime()],
    previous: [ms('2026-10-26T04:00:00Z') - span, ms('2026-10-26T04:00:00Z')],
    today: [ms('2026-10-28T04:00:00Z'), now.getTime()],
  });
});

/** percentile_cont(q) of sorted values. */
function exactPercentile(sorted: number[], q: number): number {
  const rank = q * (sorted.length - 1);
  const below = Math.floor(rank);
  const low = sorted[below] ?? Number.NaN;
  const high = sorted[Math.ceil(rank)] ?? Number.NaN;
  return low + (rank - below) * (high - low);
}

const weekdays: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** Every cell of a heatmap answer against the runs, the local weekday and hour by Intl. */
function assertHeatmap(
  answer: any,
  tz: string,
  from: number,
  to: number,
  keep: (run: SynthResult) => boolean,
) {
  const local = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    weekday: 'short',
    hour: 'numeric',
    hourCycle: 'h23',
  });
  const cells = new Map<string, { runs: number; durations: number[] }>();
  for (const run of runs) {
    const at = run.started_at.getTime();
    if (at < from || at >= to || !keep(run)) continue;
    const parts = Object.fromEntries(
      local.formatToParts(run.started_at).map((part) => [part.type, part.value]),
    );
    const key = `${weekdays[parts.weekday as string]}|${Number(parts.hour)}`;
    const cell = cells.get(key) ?? { runs: 0, durations: [] };
    cell.runs++;
    if (run.status !== 'FAIL') cell.durations.push(run.finished_at.getTime() - at);
    cells.set(key, cell);
  }
  assert.equal(answer.cells.length, 168);
  let compared = 0;
  for (const cell of answer.cells) {
    const expected = cells.get(`${cell.weekday}|${cell.hour}`) ?? { runs: 0, durations: [] };
    const what = `${tz} weekday ${cell.weekday} hour ${cell.hour}`;
    assert.equal(cell.runs, expected.runs, `${what}: runs`);
    assert.equal(cell.durations, expected.durations.length, `${what}: durations`);
    if (expected.durations.length === 0) {
      assert.equal(cell.mean_ms, null, what);
      assert.equal(cell.p90_ms, null, what);
      continue;
    }
    const sorted = [...expected.durations].sort((a, b) => a - b);
    assert.equal(
      cell.mean_ms,
      sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
      `${what}: mean`,
    );
    const p90 = exactPercentile(sorted, 0.9);
    assert.ok(
      cell.p90_ms <= p90 * percentileBound && cell.p90_ms >= p90 / percentileBound,
      `${what}: p90 ${cell.p90_ms} vs exact ${p90}`,
    );
    compared++;
  }
  return compared;
}

test('heatmap cells equal the runs: counts and means exactly, p90 within the bound', async () => {
  now = new Date('2026-10-29T00:00:00Z');
  const whole = { from: '2026-10-12T00:00:00Z', to: '2026-10-29T00:00:00Z' };
  const byTransaction = await get('/api/v1/heatmap', {
    transaction: checkout.id,
    ...whole,
    tz: 'Europe/Berlin',
  });
  assert.equal(byTransaction.p90_bound_factor, percentileBound);
  const compared = assertHeatmap(
    byTransaction,
    'Europe/Berlin',
    ms(whole.from),
    ms(whole.to),
    (run) => run.transaction_id === checkout.id,
  );
  assert.equal(compared, 168, 'every cell has runs over 17 days');

  // A zone half an hour off UTC, a period with odd edges: read from the raw runs.
  const odd = { from: '2026-10-13T07:50:00+05:30', to: '2026-10-27T16:05:00+05:30' };
  assertHeatmap(
    await get('/api/v1/heatmap', {
      service: 'webshop',
      project: 'fleet-simulation',
      ...odd,
      tz: 'Asia/Kolkata',
    }),
    'Asia/Kolkata',
    ms(odd.from),
    ms(odd.to),
    (run) => run.service === 'webshop',
  );

  // A project's rows (one a quarter, a sum over its services), same odd edges.
  assertHeatmap(
    await get('/api/v1/heatmap', { project: 'fleet-simulation', ...odd, tz: 'Asia/Kolkata' }),
    'Asia/Kolkata',
    ms(odd.from),
    ms(odd.to),
    (run) => run.project === 'fleet-simulation',
  );

  // The default period: the 28 days until now.
  const recent = await get('/api/v1/heatmap', {
    project: 'fleet-simulation',
    robot: checkout.locations[1]?.robotId ?? '',
  });
  assert.deepEqual(recent.period, { from: '2026-10-01T00:00:00.000Z', to: now.toISOString() });
  assertHeatmap(
    recent,
    'UTC',
    ms('2026-10-01T00:00:00Z'),
    now.getTime(),
    (run) => run.robot_id === checkout.locations[1]?.robotId,
  );

  const csv = await getCsv('/api/v1/heatmap', { transaction: checkout.id, ...whole, tz: 'Europe/Berlin' });
  assert.deepEqual(
    csv.map((row) => [
      Number(row.weekday),
      Number(row.hour),
      Number(row.runs),
      row.p90_ms === '' ? null : Number(row.p90_ms),
    ]),
    byTransaction.cells.map((cell: any) => [cell.weekday, cell.hour, cell.runs, cell.p90_ms]),
  );
});

/** The runs a filter matches, as the API orders them: newest start first, then robot, then result. */
const newestFirst = (a: SynthResult, b: SynthResult) =>
  b.started_at.getTime() - a.started_at.getTime() ||
  b.robot_id.localeCompare(a.robot_id) ||
  b.result_id.localeCompare(a.result_id);

test('runs: filtered newest first; pages neither repeat nor skip while runs arrive; the CSV holds every row', async () => {
  const filter = { transaction: search.id, from: '2026-10-24T00:00:00Z', to: '2026-10-26T00:00:00Z' };
  const inFilter = (run: SynthResult) =>
    run.transaction_id === search.id &&
    run.started_at.getTime() >= ms(filter.from) &&
    run.started_at.getTime() < ms(filter.to);
  const expected = runs.filter(inFilter).sort(newestFirst);
  assert.ok(expected.length > 500);

  // Runs stored while paging: one newer than every page, one inside a page already read, one older
  // than the cursor (a late upload). Only the last belongs on the pages still to come.
  const arriving = fleetRuns({
    ...plan,
    seed: 99,
    transactions: [search],
    from: new Date('2026-10-24T12:00:00Z'),
    to: new Date('2026-10-24T12:15:00Z'),
  });
  const newer = {
    ...arriving[0],
    started_at: new Date('2026-10-25T23:59:59Z'),
    finished_at: new Date('2026-10-26T00:00:03Z'),
  } as SynthResult;
  const [firstExpected] = expected;
  assert.ok(firstExpected !== undefined);
  const insideRead = {
    ...arriving[1],
    started_at: new Date(firstExpected.started_at.getTime() - 1),
    finished_at: firstExpected.finished_at,
  } as SynthResult;
  const late = arriving[2] as SynthResult;

  const seen: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: any = await get('/api/v1/runs', {
      ...filter,
      limit: '50',
      ...(cursor === null ? {} : { cursor }),
    });
    seen.push(...page.runs);
    cursor = page.next_cursor;
    pages++;
    if (pages === 2) await storeRuns(database.pool, [newer, insideRead, late]);
  } while (cursor !== null);
  const wanted = [...expected, late].sort(newestFirst);
  assert.deepEqual(
    seen.map((run) => run.result_id),
    wanted.map((run) => run.result_id),
  );
  const [shown] = seen;
  assert.deepEqual(shown, {
    started_at: firstExpected.started_at.toISOString(),
    finished_at: firstExpected.finished_at.toISOString(),
    duration_ms: firstExpected.finished_at.getTime() - firstExpected.started_at.getTime(),
    status: firstExpected.status,
    transaction_id: search.id,
    transaction_name: search.name,
    service: 'webshop',
    project: 'fleet-simulation',
    robot_id: firstExpected.robot_id,
    robot_name: firstExpected.robot_name,
    location: locationKey(firstExpected.location),
    environment: 'production',
    result_id: firstExpected.result_id,
    error_code: null,
    error_message: firstExpected.error_message,
    target_duration_ms: search.targetDurationMs,
  });

  // Status and duration range; the CSV of the same filter, streamed, holds the same rows.
  const slowOrFailed = { service: 'webshop', status: 'WARNING,FAIL', min_duration_ms: '100' };
  const matching = runs
    .filter(
      (run) =>
        run.service === 'webshop' &&
        run.status !== 'OK' &&
        run.finished_at.getTime() - run.started_at.getTime() >= 100,
    )
    .sort(newestFirst);
  const page = await get('/api/v1/runs', { ...slowOrFailed, limit: '1000' });
  assert.deepEqual(
    page.runs.map((run: any) => run.result_id),
    matching.slice(0, 1000).map((run) => run.result_id),
  );
  const csv = await getCsv('/api/v1/runs', slowOrFailed);
  assert.deepEqual(
    csv.map((row) => row.result_id),
    matching.map((run) => run.result_id),
  );
  assert.deepEqual(
    csv.slice(0, 3).map((row) => [row.started_at, Number(row.duration_ms), row.status, row.location]),
    page.runs.slice(0, 3).map((run: any) => [run.started_at, run.duration_ms, run.status, run.location]),
  );
});

test('every bad parameter is a 400 naming it; strings are data, never SQL', async () => {
  const named = async (path: string, query: Record<string, string>) =>
    ((await get(path, query, 400)) as ErrorBody).error.fields?.map((field) => field.path).sort();
  assert.deepEqual(await named('/api/v1/sla', { level: 'galaxy' }), ['level']);
  assert.deepEqual(await named('/api/v1/sla', { sort: 'sideways', tz: 'Mars/Olympus_Mons' }), ['sort', 'tz']);
  assert.deepEqual(await named('/api/v1/sla', { from: '2026-10-20T00:00:00Z', to: '2026-10-19T00:00:00Z' }), [
    'from',
  ]);
  assert.deepEqual(await named('/api/v1/sla', { from: '2025-01-01T00:00:00Z', to: '2026-10-01T00:00:00Z' }), [
    'from',
  ]);
  assert.deepEqual(
    await named('/api/v1/sla', { from: 'yesterday', transaction: 'checkout', colour: 'red' }),
    ['colour', 'from', 'transaction'],
  );
  assert.deepEqual(await named('/api/v1/heatmap', { tz: 'Europe/Berlin' }), ['transaction']);
  assert.deepEqual(await named('/api/v1/runs', { cursor: 'not-a-cursor' }), ['cursor']);
  const forged = Buffer.from(JSON.stringify(['2026-10-25T00:00:00.000000Z', "x' OR '1'='1", 'y'])).toString(
    'base64url',
  );
  assert.deepEqual(await named('/api/v1/runs', { cursor: forged }), ['cursor']);
  assert.deepEqual(await named('/api/v1/runs', { status: 'OK,BROKEN', limit: '0', min_duration_ms: '-1' }), [
    'limit',
    'min_duration_ms',
    'status',
  ]);

  const injected = "fleet-simulation' OR '1'='1";
  const none = await get('/api/v1/sla', {
    level: 'project',
    project: injected,
    from: '2026-10-12T00:00:00Z',
    to: '2026-10-29T00:00:00Z',
  });
  assert.deepEqual(none.rows, []);
  assert.deepEqual((await get('/api/v1/runs', { location: injected })).runs, []);
});

// Last: it stores runs of a fourth transaction, which the tests above do not expect.
test("a renamed step is listed under its newest name up to the period's end", async () => {
  const renamed = fleetTransactions(4, 15)[3];
  assert.ok(renamed !== undefined);
  const stepName = (run: SynthResult, name: string): SynthResult => ({
    ...run,
    steps: run.steps.map((step) => (step.index === 0 ? { ...step, name } : step)),
  });
  const renamedAt = ms('2026-10-26T07:00:00Z');
  const added = fleetRuns({
    ...plan,
    seed: 7,
    transactions: [renamed],
    from: new Date('2026-10-26T06:00:00Z'),
    to: new Date('2026-10-26T08:00:00Z'),
    scenarios: [],
  }).map((run) =>
    run.started_at.getTime() < renamedAt
      ? stepName(run, 'Open start page (old)')
      : stepName(run, 'Open start page (new)'),
  );
  assert.ok(
    added.some((run) => run.started_at.getTime() < renamedAt) &&
      added.some((run) => run.started_at.getTime() >= renamedAt),
  );
  await storeRuns(database.pool, added);
  const nameAt = async (to: string) => {
    const answer = await get('/api/v1/sla', {
      level: 'step',
      transaction: renamed.id,
      from: '2026-10-26T05:10:00Z',
      to,
    });
    return answer.rows.find((row: any) => row.step_index === 0)?.step_name;
  };
  assert.equal(await nameAt('2026-10-26T08:30:00Z'), 'Open start page (new)');
  assert.equal(await nameAt('2026-10-26T06:50:00Z'), 'Open start page (old)');
});
