// GET /api/v1/transaction-summaries against the real PostgreSQL, served by the console's own frame
// in this process over a database of the test's own holding a simulated fleet (three journeys, three
// locations, an outage at one of them): every figure is compared with the test's own computation
// from the generator's runs — runs and SLA per bucket exactly, p50 and p90 within the histograms'
// documented bound, the newest run — and the answer is valid against the OpenAPI document.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { transactionSummariesEndpoint } from '../../console/api/transaction-summaries.ts';
import { openApiDocument } from '../../console/endpoint.ts';
import { percentileBound } from '../../console/queries/duration-histogram.ts';
import type { SynthResult } from '../../schemas/record-types.ts';
import { defaultSeasonality, type FleetPlan, fleetTransactions } from '../../scripts/fleet/fleet-plan.ts';
import { serveEndpoints } from './console.ts';
import { exactPercentile, storedFleet } from './read-model-fleet.ts';
import type { scratchDatabase } from './stack.ts';

const transactions = fleetTransactions(3, 15);
const plan: FleetPlan = {
  seed: 4242,
  from: new Date('2026-10-27T00:00:00Z'),
  to: new Date('2026-11-08T00:00:00Z'),
  transactions,
  seasonality: defaultSeasonality,
  scenarios: [
    {
      kind: 'outage',
      transactionId: transactions[0]?.id as string,
      robotName: 'robot-singapore-01',
      from: new Date('2026-11-04T10:00:00Z'),
      to: new Date('2026-11-04T14:00:00Z'),
    },
  ],
  environment: 'production',
};
const endpoints = [transactionSummariesEndpoint({ maxPeriodDays: 400 })];
const document = openApiDocument(endpoints, { title: 'test', version: '1' });
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(document, 'openapi.json');

let database: Awaited<ReturnType<typeof scratchDatabase>>;
let runs: SynthResult[];
let served: Awaited<ReturnType<typeof serveEndpoints>> | undefined;
let base = '';

before(async () => {
  ({ database, runs } = await storedFleet(plan));
  served = await serveEndpoints(endpoints, { postgres: database.pool });
  base = served.base;
});

after(async () => {
  served?.close();
  await database?.drop();
});

async function get(query: Record<string, string>, expectStatus = 200): Promise<any> {
  const response = await fetch(`${base}/api/v1/transaction-summaries?${new URLSearchParams(query)}`, {
    headers: { authorization: 'Bearer reader' },
  });
  const body = await response.json();
  assert.equal(response.status, expectStatus, JSON.stringify(body).slice(0, 500));
  const validate = ajv.compile({
    $ref: `openapi.json#/components/schemas/${expectStatus === 200 ? 'listTransactionSummariesResponse' : 'Error'}`,
  });
  assert.ok(validate(body), JSON.stringify(validate.errors));
  return body;
}

const within = (actual: number | null, exact: number | null, what: string) => {
  if (exact === null) return assert.equal(actual, null, what);
  assert.ok(
    actual !== null && actual <= exact * percentileBound + 1 && actual >= exact / percentileBound - 1,
    `${what}: ${actual} vs exact ${exact}`,
  );
};

/** Every figure of one answer against the generator's runs, over buckets as the answer drew them. */
async function checkSummaries(from: Date, to: Date, points: number, unitMs: number) {
  const unknown = randomUUID();
  const order = [transactions[2], transactions[0], transactions[1]].map((t) => t?.id as string);
  const body = await get({
    transaction: [...order, unknown].join(','),
    from: from.toISOString(),
    to: to.toISOString(),
    points: String(points),
  });
  assert.deepEqual(
    body.transactions.map((t: any) => t.transaction_id),
    order,
    'the order asked; an id with no run left out',
  );
  const durations = (list: SynthResult[]) =>
    list
      .filter((run) => run.status !== 'FAIL')
      .map((run) => run.finished_at.getTime() - run.started_at.getTime());
  const startedIn = (list: SynthResult[], start: number, end: number) =>
    list.filter((run) => run.started_at.getTime() >= start && run.started_at.getTime() < end);
  for (const summary of body.transactions) {
    const mine = runs.filter((run) => run.transaction_id === summary.transaction_id);
    // The figures are those of the whole hours the period touches.
    const hourMs = 3_600_000;
    const inPeriod = startedIn(
      mine,
      Math.floor(from.getTime() / hourMs) * hourMs,
      Math.ceil(to.getTime() / hourMs) * hourMs,
    );
    assert.equal(summary.runs, inPeriod.length);
    const ok = inPeriod.filter((run) => run.status === 'OK').length;
    assert.equal(summary.sla_percent, (100 * ok) / inPeriod.length);
    within(summary.p50_ms, exactPercentile(durations(inPeriod), 0.5), 'p50');
    within(summary.p90_ms, exactPercentile(durations(inPeriod), 0.9), 'p90');
    // Equal buckets of whole units, as near `points` as they allow, the first at the unit the
    // period starts in.
    const starts = summary.trend.map((point: any) => Date.parse(point.from));
    const first = Math.floor(from.getTime() / unitMs) * unitMs;
    const units = Math.ceil((to.getTime() - first) / unitMs);
    const width = Math.max(1, Math.round(units / points)) * unitMs;
    assert.equal(starts[0], first);
    assert.equal(starts.length, Math.ceil((to.getTime() - first) / width));
    summary.trend.forEach((point: any, index: number) => {
      const start = starts[index] as number;
      assert.equal(start, (starts[0] as number) + index * width, 'equal buckets');
      const bucket = startedIn(inPeriod, start, start + width);
      assert.equal(point.runs, bucket.length, `bucket ${index}`);
      const bucketOk = bucket.filter((run) => run.status === 'OK').length;
      assert.equal(point.sla_percent, bucket.length === 0 ? null : (100 * bucketOk) / bucket.length);
      within(point.p50_ms, exactPercentile(durations(bucket), 0.5), `bucket ${index} p50`);
    });
    assert.equal(
      summary.trend.reduce((sum: number, point: any) => sum + point.runs, 0),
      summary.runs,
    );
    // The newest run ever, whatever the period.
    const newest = [...mine].sort((a, b) => b.started_at.getTime() - a.started_at.getTime())[0];
    assert.deepEqual(summary.last_run, {
      robot_id: String(newest?.robot_id).toLowerCase(),
      result_id: String(newest?.result_id).toLowerCase(),
      status: newest?.status,
      started_at: newest?.started_at.toISOString(),
    });
  }
  return body;
}

test('up to 8 days: buckets of hours; p50, p90, the newest run, in the order asked', async () => {
  const from = new Date('2026-11-03T12:00:00Z');
  const to = new Date('2026-11-05T12:00:00Z');
  const body = await checkSummaries(from, to, 8, 3_600_000);
  // The outage (Nov 4, 10:00–14:00) shows in its bucket's SLA: 6-hour buckets from 12:00.
  const outaged = body.transactions.find((t: any) => t.transaction_id === transactions[0]?.id);
  assert.equal(outaged.trend.length, 8);
  assert.ok(outaged.trend[3].sla_percent < 100, JSON.stringify(outaged.trend[3]));
});

test('beyond 8 days: buckets of whole UTC days from the daily rollups, the edges from the hourly ones', async () => {
  // Edges inside days and inside hours: the first and last days are read from hours.
  await checkSummaries(new Date('2026-10-29T05:00:00Z'), new Date('2026-11-07T18:30:00Z'), 6, 86_400_000);
  await checkSummaries(new Date('2026-10-28T00:00:00Z'), new Date('2026-11-08T00:00:00Z'), 24, 86_400_000);
  // A week is read in hours: 7 days from 10:20 touch 169 hours, 24 buckets of 7 hours.
  await checkSummaries(new Date('2026-11-01T10:20:00Z'), new Date('2026-11-08T10:20:00Z'), 24, 3_600_000);
});

test('bad input is a 400 naming each field', async () => {
  const ids = Array.from({ length: 101 }, () => randomUUID()).join(',');
  const tooMany = await get({ transaction: ids }, 400);
  assert.deepEqual(
    tooMany.error.fields.map((field: any) => field.path),
    ['transaction'],
  );
  const bad = await get({ transaction: 'nope', points: '2', from: 'yesterday' }, 400);
  assert.deepEqual(bad.error.fields.map((field: any) => field.path).sort(), [
    'from',
    'points',
    'transaction',
  ]);
  const missing = await get({}, 400);
  assert.deepEqual(
    missing.error.fields.map((field: any) => field.path),
    ['transaction'],
  );
});
