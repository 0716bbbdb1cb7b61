// One problem per transaction and kind: the locations' state machines fold into it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MaintenanceWindow } from '../../../../schemas/maintenance-window.ts';
import type { DetectedEvent } from '../../../../schemas/record-types.ts';
import { alertsSchema } from '../../../../workers/event-detector/alerting-config.ts';
import { parseDetectorState } from '../../../../workers/event-detector/detector-state.ts';
import type { ObservedRun } from '../../../../workers/event-detector/observed-run.ts';
import { forgetIdleSeries } from '../../../../workers/event-detector/transaction-judgement.ts';
import { placesOf } from '../../../../workers/event-detector/transaction-problems.ts';
import { contextWith, feed, runAt, statuses } from './run-fixtures.ts';

const frankfurt = 'DE/Hesse/Frankfurt am Main';
const tokyo = 'JP/Tokyo/Tokyo';
const saoPaulo = 'BR/São Paulo/São Paulo';

/** One schedule slot per entry of each list, the three locations reporting within the same minute. */
function slots(byLocation: Record<string, string>, from = 0): ObservedRun[] {
  const runs: ObservedRun[] = [];
  const lists = Object.entries(byLocation).map(([location, list]) => [location, statuses(list)] as const);
  const count = Math.max(...lists.map(([, list]) => list.length));
  for (let slot = 0; slot < count; slot++)
    lists.forEach(([location, list], i) => {
      const status = list[slot];
      if (status === undefined) return;
      runs.push(
        runAt(from + slot * 5 + i / 10, {
          result_id: `${location}-${slot}`,
          robot_id: `robot-${i}`,
          location,
          status,
        }),
      );
    });
  return runs;
}

const line = (e: DetectedEvent) =>
  `${e.action} ${e.kind} ${e.severity} [${e.locations.join(', ')}] of ${e.locations_total}${e.suppressed ? ' suppressed' : ''}`;

test('one location failing, then a second: one problem, updated; both recovering clear it', () => {
  const { events } = feed(
    slots({
      [frankfurt]: 'F F F F F F F O O O O O',
      [tokyo]: 'O O O F F F F F F O O O O',
      [saoPaulo]: 'O O O O O O O O O O O O O',
    }),
  );
  assert.deepEqual(events.map(line), [
    `open availability major [${frankfurt}] of 3`,
    `open availability critical [${frankfurt}, ${tokyo}] of 3`,
    `open availability major [${tokyo}] of 3`,
    'clear availability normal [] of 3',
  ]);
  assert.ok(events.every((e) => e.location === null && e.transaction_id === 'tx-checkout'));
  assert.match(events[1]?.text ?? '', /^Checkout: failing at Frankfurt am Main, Tokyo — 2 of 3 locations \(/);
  assert.equal(events[1]?.value, '2/3 locations');
  assert.equal(new Set(events.map((e) => e.event_id)).size, events.length);
});

test('a single-location transaction: exactly one open and one clear', () => {
  const { events } = feed(slots({ [frankfurt]: 'O F F F F F F F F F O O O' }));
  assert.deepEqual(events.map(line), [
    `open availability critical [${frankfurt}] of 1`,
    'clear availability normal [] of 1',
  ]);
});

test('the severity rule is configurable: widespread only at every location, other severities', () => {
  const alerts = alertsSchema.parse({
    widespread_locations: 0,
    severity: { availability: { widespread: 'critical', local: 'warning' } },
  });
  const context = { ...contextWith(), alerts };
  const { events } = feed(
    slots({ [frankfurt]: 'F F F F F', [tokyo]: 'F F F F F', [saoPaulo]: 'O O O F F F' }),
    { context },
  );
  assert.deepEqual(
    events.map((e) => `${e.severity} ${e.locations.length}`),
    ['warning 1', 'warning 2', 'critical 3'],
  );
});

test('alerts per location: each location series is its own problem', () => {
  const alerts = alertsSchema.parse({ per: 'location' });
  const { events } = feed(slots({ [frankfurt]: 'F F F', [tokyo]: 'F F F', [saoPaulo]: 'O O O' }), {
    context: { ...contextWith(), alerts },
  });
  assert.deepEqual(
    events.map((e) => `${e.location} ${e.action} ${e.severity} of ${e.locations_total}`),
    [`${frankfurt} open critical of 3`, `${tokyo} open critical of 3`],
  );
});

test('a rename while a problem is open moves its alert: clear under the old name, open under the new', () => {
  const outage = feed(slots({ [frankfurt]: 'F F F' }));
  const renamed = feed(
    [runAt(20, { location: frankfurt, status: 'FAIL', transaction_name: 'Checkout v2', result_id: 'r' })],
    { state: outage.state },
  );
  assert.deepEqual(
    renamed.events.map((e) => `${e.action} ${e.severity} ${e.transaction_name}`),
    ['clear normal Checkout', 'open critical Checkout v2'],
  );
  assert.equal(renamed.state.transactions['tx-checkout']?.open.availability?.name, 'Checkout v2');
  // Judged again (a redelivery) the run changes nothing.
  assert.deepEqual(
    feed(
      [runAt(20, { location: frankfurt, status: 'FAIL', transaction_name: 'Checkout v2', result_id: 'r' })],
      { state: renamed.state },
    ).events,
    [],
  );
});

test('alerts per location: a rename moves each location’s alert, and every series takes the new name', () => {
  const context = { ...contextWith(), alerts: alertsSchema.parse({ per: 'location' }) };
  const outage = feed(slots({ [frankfurt]: 'F F F', [tokyo]: 'F F F' }), { context });
  const renamed = feed(
    [runAt(20, { location: frankfurt, status: 'FAIL', transaction_name: 'Checkout v2', result_id: 'r' })],
    { state: outage.state, context },
  );
  assert.deepEqual(
    renamed.events.map((e) => `${e.action} ${e.transaction_name} ${e.location}`),
    [
      `clear Checkout ${frankfurt}`,
      `open Checkout v2 ${frankfurt}`,
      `clear Checkout ${tokyo}`,
      `open Checkout v2 ${tokyo}`,
    ],
  );
  assert.equal(renamed.state.series[`tx-checkout|${tokyo}`]?.transaction_name, 'Checkout v2');
  assert.equal(new Set(renamed.events.map((e) => e.event_id)).size, 4, 'each moved alert its own ids');
});

test('a problem opened in a window is announced when another location fails after it', () => {
  const window: MaintenanceWindow = {
    id: 'upgrade',
    transaction_id: 'tx-checkout',
    schedule: { kind: 'once', from: new Date(runAt(0).finished_at), to: new Date(runAt(12).finished_at) },
  };
  const { events } = feed(slots({ [frankfurt]: 'F F F O O', [tokyo]: 'O O O F F F' }), {
    context: contextWith([window]),
  });
  assert.deepEqual(events.map(line), [
    `open availability major [${frankfurt}] of 2 suppressed`,
    // After the window (slot 3 on), Frankfurt's OK runs are no news; Tokyo's third failure is.
    `open availability critical [${frankfurt}, ${tokyo}] of 2`,
  ]);
});

test('state of version 1 is upgraded: the overall series dropped, the transaction problems rebuilt', () => {
  const series = (location: string | null, open: object) => ({
    transaction_id: 'tx',
    location,
    transaction_name: 'Checkout',
    service: 'webshop',
    environment: 'prod',
    last_result_id: null,
    last_finished_at_ms: 0,
    recent: [],
    fail_free_streak: 0,
    ok_streak: 0,
    open,
  });
  const problem = { severity: 'critical', opened_at_ms: 5, announced: true, suppressed: false };
  const upgraded = parseDetectorState(
    JSON.stringify({
      version: 1,
      series: {
        'tx|*': series(null, { availability: problem }),
        [`tx|${frankfurt}`]: series(frankfurt, { availability: problem }),
        [`tx|${tokyo}`]: series(tokyo, {}),
        'solo|*': { ...series(null, {}), transaction_id: 'solo' },
      },
    }),
  );
  assert.deepEqual(Object.keys(upgraded.series).sort(), ['solo|*', `tx|${frankfurt}`, `tx|${tokyo}`]);
  assert.deepEqual(upgraded.transactions.tx?.locations, [frankfurt, tokyo]);
  // The alerts of version 1 had other resources: the problem counts as never announced, so the
  // next bad run announces it under its new one.
  assert.deepEqual(upgraded.transactions.tx?.open.availability, {
    ...problem,
    announced: false,
    suppressed: true,
    locations: [frankfurt],
    name: 'Checkout',
  });
  assert.deepEqual(upgraded.series[`tx|${frankfurt}`]?.open.availability, {
    ...problem,
    announced: false,
    suppressed: true,
  });
  assert.deepEqual(upgraded.transactions.solo?.locations, ['']);
  const next = feed([runAt(1, { transaction_id: 'tx', location: frankfurt, status: 'FAIL' })], {
    state: upgraded,
  });
  assert.deepEqual(
    next.events.map((e) => `${e.action} ${e.severity} ${e.suppressed} ${e.locations.join()}`),
    [`open major false ${frankfurt}`],
  );
});

test('texts name at most five places', () => {
  assert.equal(placesOf(['', 'a/b/One']), '(no location), One');
  assert.equal(placesOf(['1', '2', '3', '4', '5', '6', '7']), '1, 2, 3, 4, 5 and 2 more');
});

test('series without a run for the forget period are forgotten, their problems cleared', () => {
  const dayMs = 86_400_000;
  const outage = feed(slots({ [frankfurt]: 'F F F', [tokyo]: 'O O O' }));
  assert.deepEqual(outage.events.map(line), [`open availability major [${frankfurt}] of 2`]);
  // Tokyo goes on reporting for 29 days; Frankfurt's robot was retired.
  const later = feed([runAt(29 * 24 * 60, { location: tokyo, result_id: 'late' })], { state: outage.state });
  const now = new Date(runAt(29 * 24 * 60).finished_at.getTime() + 60_000);
  const forgot = forgetIdleSeries(later.state, now, 28 * dayMs, contextWith());
  assert.deepEqual(forgot.forgotten, { series: [`tx-checkout|${frankfurt}`], transactions: [] });
  assert.deepEqual(forgot.events.map(line), ['clear availability normal [] of 1']);
  assert.match(forgot.events[0]?.text ?? '', /no run for 28 days, forgotten/);
  assert.deepEqual(forgot.state.transactions['tx-checkout']?.locations, [tokyo]);
  assert.deepEqual(Object.keys(forgot.state.series), [`tx-checkout|${tokyo}`]);
  // Nothing more to forget a minute later; a transaction whose every series is forgotten goes too.
  assert.deepEqual(forgetIdleSeries(forgot.state, now, 28 * dayMs, contextWith()).events, []);
  const all = forgetIdleSeries(forgot.state, new Date(now.getTime() + 30 * dayMs), 28 * dayMs, contextWith());
  assert.deepEqual(all.forgotten, { series: [`tx-checkout|${tokyo}`], transactions: ['tx-checkout'] });
  assert.deepEqual(all.state, { version: 2, series: {}, transactions: {} });
});

test('a forgotten series’ clear has an id of its own, never that of an earlier event of its last run', () => {
  const dayMs = 86_400_000;
  const { state, events } = feed(slots({ [frankfurt]: 'F F F' }));
  const forgot = forgetIdleSeries(
    state,
    new Date(runAt(40 * 24 * 60).finished_at),
    28 * dayMs,
    contextWith(),
  );
  assert.equal(forgot.events.length, 1);
  assert.equal(forgot.events[0]?.result_id, null);
  assert.ok(!events.some((e) => e.event_id === forgot.events[0]?.event_id));
});
