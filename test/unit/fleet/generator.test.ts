import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hourOfWeek } from '../../../schemas/hour-of-week.ts';
import { validateTransactionResult } from '../../../schemas/index.ts';
import type { TransactionResultPayload } from '../../../schemas/record-types.ts';
import { trueDurationQuantiles } from '../../../scripts/fleet/duration-model.ts';
import {
  defaultSeasonality,
  type FleetPlan,
  fleetLocations,
  fleetTransactions,
  type Scenario,
} from '../../../scripts/fleet/fleet-plan.ts';
import { generateFleetResults, plannedRunCount } from '../../../scripts/fleet/generator.ts';
import { demoScenarios } from '../../../scripts/fleet/scenarios.ts';

const dayMs = 24 * 60 * 60 * 1000;
const to = new Date('2026-11-23T00:00:00.000Z');

function plan(overrides: Partial<FleetPlan> = {}): FleetPlan {
  return {
    seed: 5,
    from: new Date(to.getTime() - 7 * dayMs),
    to,
    transactions: fleetTransactions(3),
    seasonality: defaultSeasonality,
    scenarios: [],
    environment: 'production',
    ...overrides,
  };
}

const durationOf = (payload: TransactionResultPayload) =>
  Date.parse(payload.finished_at) - Date.parse(payload.started_at);

test('every generated payload passes the public contract validator', () => {
  const fleet = plan({ scenarios: demoScenarios(fleetTransactions(3), to) });
  let count = 0;
  for (const payload of generateFleetResults(fleet)) {
    const validation = validateTransactionResult(payload, { now: to, defaultEnvironment: 'production' });
    assert.ok(
      validation.ok,
      `${JSON.stringify(validation.ok ? [] : validation.errors)} in ${payload.result_id}`,
    );
    count++;
  }
  assert.equal(count, plannedRunCount(fleet));
  // 7 days × 288 runs a day (every 5 min) × 3 transactions × 3 locations.
  assert.equal(count, 7 * 288 * 9);
});

test('the same seed gives the same results, another seed different ones', () => {
  const short = { from: new Date(to.getTime() - dayMs) };
  assert.deepEqual([...generateFleetResults(plan(short))], [...generateFleetResults(plan(short))]);
  const other = [...generateFleetResults(plan({ ...short, seed: 6 }))];
  assert.notDeepEqual([...generateFleetResults(plan(short))], other);
});

test('adding a transaction leaves the runs of the others unchanged', () => {
  const short = { from: new Date(to.getTime() - dayMs) };
  const two = [...generateFleetResults(plan({ ...short, transactions: fleetTransactions(2) }))];
  const three = [...generateFleetResults(plan({ ...short, transactions: fleetTransactions(3) }))];
  const firstTwoIds = new Set(fleetTransactions(2).map((transaction) => transaction.id));
  assert.deepEqual(
    three.filter((payload) => firstTwoIds.has(payload.transaction_id)),
    two,
  );
});

test('runs follow the schedule in time order, all in the past range', () => {
  const fleet = plan({ from: new Date(to.getTime() - dayMs) });
  const payloads = [...generateFleetResults(fleet)];
  let previous = 0;
  for (const payload of payloads) {
    const startedAt = Date.parse(payload.started_at);
    const slot = Math.floor(startedAt / 300_000) * 300_000;
    assert.ok(startedAt - slot < 20_000, `${payload.started_at} is not within 20 s of a 5-minute slot`);
    assert.ok(slot >= previous);
    previous = slot;
    assert.ok(startedAt >= fleet.from.getTime() && startedAt < to.getTime());
  }
  const perSeries = new Map<string, number>();
  for (const payload of payloads) {
    const key = `${payload.transaction_id}|${payload.robot_name}`;
    perSeries.set(key, (perSeries.get(key) ?? 0) + 1);
  }
  assert.equal(perSeries.size, 9);
  for (const count of perSeries.values()) assert.equal(count, 288);
});

test('steps split the run in their shares, back to back', () => {
  const [payload] = generateFleetResults(plan({ from: new Date(to.getTime() - 300_000) }));
  assert.ok(payload !== undefined && payload.status !== 'FAIL');
  assert.equal(payload.steps[0]?.started_at, payload.started_at);
  assert.equal(payload.steps.at(-1)?.finished_at, payload.finished_at);
  const shares = fleetTransactions(1)[0]?.steps.map((step) => step.share) ?? [];
  for (const [i, step] of payload.steps.entries()) {
    const stepDuration = Date.parse(step.finished_at) - Date.parse(step.started_at);
    assert.ok(Math.abs(stepDuration - durationOf(payload) * (shares[i] ?? 0)) <= 1);
  }
});

test('durations of one bucket follow the documented log-normal: 10 % below p10, half below p50', () => {
  // 12 weeks of one series, every run checked against the truth of its own hour-of-week bucket.
  const transaction = fleetTransactions(1)[0];
  const frankfurt = fleetLocations[0];
  assert.ok(transaction !== undefined && frankfurt !== undefined);
  const fleet = plan({
    from: new Date(to.getTime() - 12 * 7 * dayMs),
    transactions: [{ ...transaction, locations: [frankfurt], failureRate: 0 }],
  });
  let below10 = 0;
  let below50 = 0;
  let below90 = 0;
  let count = 0;
  for (const payload of generateFleetResults(fleet)) {
    const bucket = hourOfWeek(new Date(payload.started_at));
    const truth = trueDurationQuantiles(transaction, frankfurt, bucket, defaultSeasonality);
    const duration = durationOf(payload);
    if (duration < truth.p10) below10++;
    if (duration < truth.p50) below50++;
    if (duration < truth.p90) below90++;
    count++;
  }
  // 24 192 runs: binomial sd of a share is ≤ 0.0032; 0.015 is over 4.5 sd.
  assert.ok(Math.abs(below10 / count - 0.1) < 0.015, `below p10: ${below10 / count}`);
  assert.ok(Math.abs(below50 / count - 0.5) < 0.015, `below p50: ${below50 / count}`);
  assert.ok(Math.abs(below90 / count - 0.9) < 0.015, `below p90: ${below90 / count}`);
});

test('an outage fails exactly the runs of its transaction and location inside its window', () => {
  const transactions = fleetTransactions(2);
  const target = transactions[0];
  assert.ok(target !== undefined);
  const outage: Scenario = {
    kind: 'outage',
    transactionId: target.id,
    robotName: 'robot-frankfurt-01',
    from: new Date(to.getTime() - 6 * 3_600_000),
    to: new Date(to.getTime() - 5 * 3_600_000),
    failingStep: 1,
  };
  const fleet = plan({
    from: new Date(to.getTime() - dayMs),
    transactions: transactions.map((transaction) => ({ ...transaction, failureRate: 0 })),
    scenarios: [outage],
  });
  const failed = [...generateFleetResults(fleet)].filter((payload) => payload.status === 'FAIL');
  assert.equal(failed.length, 12);
  for (const payload of failed) {
    assert.equal(payload.transaction_id, target.id);
    assert.equal(payload.robot_name, 'robot-frankfurt-01');
    assert.deepEqual(
      payload.steps.map((step) => step.status),
      ['OK', 'FAIL'],
    );
    assert.ok(payload.error_message);
  }
});

test('flapping alternates FAIL and OK run by run', () => {
  const transaction = { ...fleetTransactions(1)[0], failureRate: 0 } as FleetPlan['transactions'][number];
  const frankfurt = fleetLocations[0];
  assert.ok(frankfurt !== undefined);
  const fleet = plan({
    from: new Date(to.getTime() - 3 * 3_600_000),
    transactions: [{ ...transaction, locations: [frankfurt] }],
    scenarios: [
      {
        kind: 'flapping',
        from: new Date(to.getTime() - 2 * 3_600_000),
        to: new Date(to.getTime() - 3_600_000),
      },
    ],
  });
  const statuses = [...generateFleetResults(fleet)].map((payload) => (payload.status === 'FAIL' ? 'F' : '.'));
  assert.equal(statuses.join(''), `${'.'.repeat(12)}${'F.'.repeat(6)}${'.'.repeat(12)}`);
});

test('a recurring maintenance window fails its runs every time it recurs', () => {
  const frankfurt = fleetLocations[0];
  const transaction = fleetTransactions(1)[0];
  assert.ok(frankfurt !== undefined && transaction !== undefined);
  const start = new Date(to.getTime() - 3 * dayMs + 2 * 3_600_000);
  const fleet = plan({
    from: new Date(to.getTime() - 3 * dayMs),
    transactions: [{ ...transaction, failureRate: 0, locations: [frankfurt] }],
    scenarios: [
      { kind: 'maintenance', from: start, to: new Date(start.getTime() + 3_600_000), repeatEveryDays: 1 },
    ],
  });
  const failedHours = new Set(
    [...generateFleetResults(fleet)]
      .filter((payload) => payload.status === 'FAIL')
      .map((payload) => payload.started_at.slice(0, 13)),
  );
  assert.deepEqual([...failedHours], ['2026-11-20T02', '2026-11-21T02', '2026-11-22T02']);
});

test('a slow regression multiplies durations by 1 + growth × days', () => {
  const frankfurt = fleetLocations[0];
  const transaction = fleetTransactions(1)[0];
  assert.ok(frankfurt !== undefined && transaction !== undefined);
  const single = { ...transaction, failureRate: 0, locations: [frankfurt] };
  const fleet = (scenarios: Scenario[]) =>
    plan({ from: new Date(to.getTime() - 10 * dayMs), transactions: [single], scenarios });
  const regression: Scenario = { kind: 'slow-regression', from: fleet([]).from, growthPerDay: 0.05 };
  const plain = [...generateFleetResults(fleet([]))];
  const slowed = [...generateFleetResults(fleet([regression]))];
  // Same random draws, so each run is exactly its undisturbed self times the multiplier.
  for (const [i, payload] of slowed.entries()) {
    const original = plain[i];
    assert.ok(original !== undefined);
    const slot = Math.floor(Date.parse(payload.started_at) / 300_000) * 300_000;
    const expected = 1 + (0.05 * (slot - fleet([]).from.getTime())) / dayMs;
    assert.ok(Math.abs(durationOf(payload) / durationOf(original) - expected) < 0.002);
  }
});
