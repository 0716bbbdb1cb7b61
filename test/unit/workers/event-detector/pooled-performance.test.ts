// A transaction's locations judged together for performance (pooled-performance.ts): a slowdown
// of every location opens sooner than any one location's CUSUM can, one location's slowdown is
// left to that location, and what opens clears as a location's own problem does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DetectedEvent } from '../../../../schemas/record-types.ts';
import { defaultAlertSettings } from '../../../../workers/event-detector/alerting-config.ts';
import { detectorOptions } from '../../../../workers/event-detector/detector-options.ts';
import type { ObservedRun } from '../../../../workers/event-detector/observed-run.ts';
import type { DetectionContext } from '../../../../workers/event-detector/transaction-judgement.ts';
import { feed, runAt } from './run-fixtures.ts';

const locations = ['DE/Hesse/Frankfurt am Main', 'JP/Tokyo/Tokyo', 'BR/São Paulo/São Paulo'];

/** `count` schedule slots from slot `from`, 5 minutes apart, each location reporting once per slot with the duration `durationOf` gives. */
function rounds(
  count: number,
  durationOf: (location: string, round: number) => number,
  from = 0,
): ObservedRun[] {
  const runs: ObservedRun[] = [];
  for (let round = 0; round < count; round++)
    locations.forEach((location, i) => {
      runs.push(
        runAt((from + round) * 5 + i / 10, {
          result_id: `${location}-${from + round}`,
          robot_id: `robot-${i}`,
          location,
          duration_ms: durationOf(location, round),
        }),
      );
    });
  return runs;
}

const context = (pooledH?: number): DetectionContext => ({
  options: detectorOptions(pooledH === undefined ? {} : { performance: { cusum: { pooledH } } }),
  alerts: defaultAlertSettings(),
  maintenance: [],
});

/** The round (1-based) whose runs opened the transaction's performance problem, and the events. */
function firstOpen(
  runs: ObservedRun[],
  pooledH?: number,
): { round: number | undefined; events: DetectedEvent[] } {
  const { events } = feed(runs, { context: context(pooledH) });
  const open = events.find((e) => e.kind === 'performance' && e.action === 'open');
  const index = open === undefined ? -1 : runs.findIndex((run) => run.result_id === open.result_id);
  return { round: index < 0 ? undefined : Math.floor(index / locations.length) + 1, events };
}

// The fixtures' band: p50 1000 ms, σ of ln duration ln(1500 / 800) / 2.563 ≈ 0.245; × 1.25 is z ≈ 0.91.
const slower = (factor: number) => () => 1000 * factor;

test('every location × 1.25 slower: judged together it opens rounds sooner, one problem naming all three', () => {
  const together = firstOpen(rounds(30, slower(1.25)));
  const alone = firstOpen(rounds(30, slower(1.25)), 0);
  assert.ok(together.round !== undefined && alone.round !== undefined, JSON.stringify([together, alone]));
  // One CUSUM over 3 runs a round: 12 / (0.91 − 0.5) ≈ 29.3, so 30 runs pooled from the second (the
  // first, with one location known yet, is a location's alone): round 11. Alone: 9.5 / 0.41, round 24.
  assert.equal(together.round, 11);
  assert.equal(alone.round, 24);
  const opens = together.events.filter((e) => e.kind === 'performance');
  assert.equal(opens.length, 1, 'one alert for the transaction');
  assert.deepEqual(opens[0]?.locations, [...locations].sort());
  assert.equal(opens[0]?.location, null);
  assert.equal(opens[0]?.severity, 'warning');
  assert.match(opens[0]?.text ?? '', /locations together were slower than usual over their last 30 runs/);
});

test('× 1.5 everywhere: judged together it opens in round 4 instead of 9, as major', () => {
  // z ≈ 1.65: 12 / 1.15 ≈ 10.4 runs together (round 4), 9.5 / 1.15 ≈ 8.2 runs of one location. (The
  // simulated fleet's bands are narrower: there it takes 3 rounds, scripts/fleet/README.md.)
  const together = firstOpen(rounds(12, slower(1.5)));
  assert.equal(together.round, 4);
  assert.equal(firstOpen(rounds(12, slower(1.5)), 0).round, 9);
  assert.equal(together.events.find((e) => e.kind === 'performance')?.severity, 'major');
});

test('one location slower: the others hold the pooled evidence back, that location opens on its own', () => {
  const runs = rounds(40, (location) => (location === locations[1] ? 1250 : 1000));
  const together = firstOpen(runs);
  const alone = firstOpen(runs, 0);
  assert.equal(together.round, alone.round, 'pooling neither hastens nor delays a local slowdown');
  const open = together.events.find((e) => e.kind === 'performance');
  assert.deepEqual(open?.locations, [locations[1]]);
});

test('what opened together clears as a location’s own problem does: once each one’s evidence is spent', () => {
  const slow = rounds(12, slower(1.25));
  const back = rounds(30, slower(1), 12);
  const { events, state } = feed([...slow, ...back], { context: context() });
  const performance = events.filter((e) => e.kind === 'performance');
  // The one alert names fewer locations as each clears (in the order they report), then closes.
  assert.deepEqual(
    performance.map((e) => `${e.action} ${e.locations.length}`),
    ['open 3', 'open 2', 'open 1', 'clear 0'],
  );
  // Each location starts from h = 9.5 and loses k = 0.5 a run at p50: 19 runs, rounds 12 to 30.
  const cleared = performance[3] as DetectedEvent;
  assert.equal(cleared.result_id, `${locations[2]}-${12 + 18}`);
  assert.equal(state.transactions['tx-checkout']?.open.performance, undefined);
  assert.equal(
    state.transactions['tx-checkout']?.performance_pooled?.value,
    0,
    'no evidence left to re-open',
  );
});

test('a transaction with one location keeps no pooled evidence; count keeps none', () => {
  const single = feed([runAt(0, { duration_ms: 1250 }), runAt(1, { duration_ms: 1250 })]);
  assert.equal(single.state.transactions['tx-checkout']?.performance_pooled, undefined);
  const counted = feed(rounds(3, slower(1.25)), {
    context: {
      ...context(),
      options: detectorOptions({ performance: { method: 'count' } }),
    },
  });
  assert.equal(counted.state.transactions['tx-checkout']?.performance_pooled, undefined);
});
