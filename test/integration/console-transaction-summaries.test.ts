// GET /api/v1/transaction-summaries against the real PostgreSQL, served by the console's own frame
// in this process over a database of the test's own holding a simulated fleet (three journeys, three
// locations, an outage at one of them): every figure is compared with the test's own computation
// from the generator's runs — runs and SLA per bucket exactly, p50 and p90 within the histograms'
// documented bound, the newest run — and the answer is valid against the OpenAPI document.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import express from 'express';
import pino from 'pino';
import { Registry } from 'prom-client';
import { transactionSummariesEndpoint } from '../../console/api/transaction-summaries.ts';
import { endpointRouter, openApiDocument } from '../../console/endpoint.ts';
import { percentileBound } from '../../console/queries/duration-histogram.ts';
import type { ConsoleStores } from '../../console/stores.ts';
import type { SynthResult } from '../../schemas/record-types.ts';
import { defaultSeasonality, type FleetPlan, fleetTransactions } from '../../scripts/fleet/fleet-plan.ts';
import { storedFleet } from './read-model-fleet.ts';
import type { scratchDatabase } from './stack.ts';

const transactions = fleetTransactions(3, 15);
const plan: FleetPlan = {
  seed: 4242,
  from: new Date('2026-11-01T00:00:00Z'),
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
let server: ReturnType<express.Application['listen']>;
let base = '';

before(async () => {
  ({ database, runs } = await storedFleet(plan));
  const app = express();
  app.use(
    endpointRouter({
      endpoints,
      keys: {
        lookup: (presented) =>
          presented === 'reader'
            ? { id: 'config:reader', name: 'reader', scopes: ['read'], robotId: undefined }
            : undefined,
        explain: () => ({ reason: 'unknown_key', keyId: undefined }),
      },
      stores: { postgres: database.pool } as ConsoleStores,
      health: { down: () => undefined, recheck: async () => undefined },
      logger: pino({ level: 'silent' }),
      metrics: new Registry(),
    }),
  );
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server?.close();
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

/** PostgreSQL's percentile_cont. */
function exactPercentile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const below = Math.floor(rank);
  const lower = sorted[below] as number;
  return lower + (rank - below) * ((sorted[Math.ceil(rank)] as number) - lower);
}

const within = (actual: number | null, exact: number | null, what: string) => {
  if (exact === null) return assert.equal(actual, null, what);
  assert.ok(
    actual !== null && actual <= exact * percentileBound + 1 && actual >= exact / percentileBound - 1,
    `${what}: ${actual} vs exact ${exact}`,
  );
};

test('p50, p90, the trend and the newest run of each transaction asked, in the order asked', async () => {
  // Whole hours, so the hourly rollups hold exactly the runs started in the period.
  const from = new Date('2026-11-02T00:00:00Z');
  const to = new Date('2026-11-06T00:00:00Z');
  const points = 8;
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
  const widthMs = (to.getTime() - from.getTime()) / points;
  for (const summary of body.transactions) {
    const mine = runs.filter((run) => run.transaction_id === summary.transaction_id);
    const inPeriod = mine.filter((run) => {
      const at = run.started_at.getTime();
      return at >= from.getTime() && at < to.getTime();
    });
    const durations = (list: SynthResult[]) =>
      list
        .filter((run) => run.status !== 'FAIL')
        .map((run) => run.finished_at.getTime() - run.started_at.getTime());
    assert.equal(summary.runs, inPeriod.length);
    const ok = inPeriod.filter((run) => run.status === 'OK').length;
    assert.equal(summary.sla_percent, (100 * ok) / inPeriod.length);
    within(summary.p50_ms, exactPercentile(durations(inPeriod), 0.5), 'p50');
    within(summary.p90_ms, exactPercentile(durations(inPeriod), 0.9), 'p90');
    assert.equal(summary.trend.length, points);
    summary.trend.forEach((point: any, index: number) => {
      const start = from.getTime() + index * widthMs;
      assert.equal(Date.parse(point.from), start);
      const bucket = inPeriod.filter((run) => {
        const at = run.started_at.getTime();
        return at >= start && at < start + widthMs;
      });
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
  // The outage shows in its bucket's SLA.
  const outaged = body.transactions.find((t: any) => t.transaction_id === transactions[0]?.id);
  const outageBucket = Math.floor((Date.parse('2026-11-04T10:00:00Z') - from.getTime()) / widthMs);
  assert.ok(outaged.trend[outageBucket].sla_percent < 100, JSON.stringify(outaged.trend[outageBucket]));
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
