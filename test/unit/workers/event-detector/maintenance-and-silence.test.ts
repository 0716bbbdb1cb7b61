// Maintenance windows suppress alerting but still record events; silent series raise no-data problems.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MaintenanceWindow, maintenanceWindowAt } from '../../../../schemas/maintenance-window.ts';
import { defaultAlertSettings } from '../../../../workers/event-detector/alerting-config.ts';
import { detectorOptions } from '../../../../workers/event-detector/detector-options.ts';
import type { SilenceContext } from '../../../../workers/event-detector/silence-check.ts';
import { detectSilentTransactions } from '../../../../workers/event-detector/transaction-judgement.ts';
import type { AlertContext } from '../../../../workers/event-detector/transaction-problems.ts';
import { contextWith, feed, runAt, runsWithStatuses, start, timeline } from './run-fixtures.ts';

const target = { transaction_id: 'tx-checkout', service: 'webshop' };

test('a one-off window suppresses the events of an outage inside it, which are still recorded', () => {
  const window: MaintenanceWindow = {
    id: 'upgrade',
    transaction_id: 'tx-checkout',
    schedule: { kind: 'once', from: new Date(start), to: new Date(start + 60 * 60_000) },
  };
  const { events } = feed(runsWithStatuses('F F F O O O'), { context: contextWith([window]) });
  const located = events;
  assert.deepEqual(timeline(events), ['open availability critical', 'clear availability normal']);
  assert.deepEqual(
    located.map((e) => [e.suppressed, e.maintenance_window_id]),
    [
      [true, 'upgrade'],
      [true, 'upgrade'],
    ],
  );
});

test('a problem still open when its window ends is announced unsuppressed, and its clear is then sent', () => {
  const window: MaintenanceWindow = {
    id: 'upgrade',
    service: 'webshop',
    schedule: { kind: 'once', from: new Date(start), to: new Date(start + 3 * 60_000) },
  };
  const { events } = feed(runsWithStatuses('F F F F O O O'), { context: contextWith([window]) });
  const located = events;
  assert.deepEqual(
    located.map((e) => `${e.action} ${e.suppressed}`),
    ['open true', 'open false', 'clear false'],
  );
  assert.equal(located[1]?.result_id, 'run-3');
});

test('a problem opened in a window whose runs recover right after it is never alerted', () => {
  const window: MaintenanceWindow = {
    id: 'upgrade',
    service: 'webshop',
    schedule: { kind: 'once', from: new Date(start), to: new Date(start + 3 * 60_000) },
  };
  // The first runs after the window still count the window's FAILs, but are themselves OK.
  const { events } = feed(runsWithStatuses('F F F O O O'), { context: contextWith([window]) });
  const located = events;
  assert.deepEqual(
    located.map((e) => `${e.action} ${e.suppressed}`),
    ['open true', 'clear true'],
  );
});

test('a window for another transaction or service does not suppress', () => {
  const window: MaintenanceWindow = {
    id: 'other',
    transaction_id: 'tx-login',
    schedule: { kind: 'once', from: new Date(start), to: new Date(start + 60 * 60_000) },
  };
  const { events } = feed(runsWithStatuses('F F F'), { context: contextWith([window]) });
  assert.equal(
    events.every((e) => !e.suppressed),
    true,
  );
});

test('a weekly window applies on its days and hours only, in its time zone', () => {
  const window: MaintenanceWindow = {
    id: 'monday-deploys',
    schedule: { kind: 'weekly', days: ['mon'], start: '11:00', end: '12:00', time_zone: 'Europe/Berlin' },
  };
  // 2026-11-23 is a Monday; Berlin is UTC+1 in November.
  assert.equal(maintenanceWindowAt([window], target, new Date('2026-11-23T10:30:00Z'))?.id, 'monday-deploys');
  assert.equal(maintenanceWindowAt([window], target, new Date('2026-11-23T11:00:00Z')), undefined);
  assert.equal(maintenanceWindowAt([window], target, new Date('2026-11-23T09:59:00Z')), undefined);
  assert.equal(maintenanceWindowAt([window], target, new Date('2026-11-30T10:00:00Z'))?.id, 'monday-deploys');
  assert.equal(maintenanceWindowAt([window], target, new Date('2026-11-24T10:30:00Z')), undefined);
});

test('a weekly window ending at or before its start runs past midnight into the next day', () => {
  const window: MaintenanceWindow = {
    id: 'saturday-night',
    schedule: { kind: 'weekly', days: ['sat'], start: '22:00', end: '02:00' },
  };
  assert.ok(maintenanceWindowAt([window], target, new Date('2026-11-28T23:00:00Z')));
  assert.ok(maintenanceWindowAt([window], target, new Date('2026-11-29T01:59:00Z')));
  assert.equal(maintenanceWindowAt([window], target, new Date('2026-11-29T02:00:00Z')), undefined);
  assert.equal(maintenanceWindowAt([window], target, new Date('2026-11-28T01:00:00Z')), undefined);
});

test('an outage during a recurring window is suppressed', () => {
  const window: MaintenanceWindow = {
    id: 'monday-morning',
    service: 'webshop',
    schedule: { kind: 'weekly', days: ['mon'], start: '09:00', end: '11:00' },
  };
  const { events } = feed(runsWithStatuses('F F F'), { context: contextWith([window]) });
  assert.equal(events.length, 1);
  assert.equal(
    events.every((e) => e.suppressed && e.maintenance_window_id === 'monday-morning'),
    true,
  );
});

function silenceContext(maintenance: MaintenanceWindow[] = []): SilenceContext & AlertContext {
  return {
    options: detectorOptions(),
    alerts: defaultAlertSettings(),
    maintenance,
    expectedIntervalMs: () => 60_000,
  };
}

test('a series silent for more than 3 schedule intervals opens one major no-data problem', () => {
  const { state } = feed([runAt(0)]);
  const early = detectSilentTransactions(state, new Date(start + 3 * 60_000), silenceContext());
  assert.deepEqual(early.events, []);
  const late = detectSilentTransactions(state, new Date(start + 3 * 60_000 + 1), silenceContext());
  assert.deepEqual(
    late.events.map((e) => `${e.location} ${e.action} ${e.kind} ${e.severity}`),
    ['null open no_data major'],
  );
  assert.match(
    late.events[0]?.text ?? '',
    /^Checkout: not reporting at Munich — 1 of 1 location \(.* has not reported for 3 min/,
  );
  const again = detectSilentTransactions(late.state, new Date(start + 10 * 60_000), silenceContext());
  assert.deepEqual(again.events, []);
});

test('no data clears when the series reports again', () => {
  const { state } = feed([runAt(0)]);
  const silent = detectSilentTransactions(state, new Date(start + 10 * 60_000), silenceContext());
  const back = feed([runAt(11)], { state: silent.state });
  assert.deepEqual(timeline(back.events), ['clear no_data normal']);
});

test('series whose schedule is unknown are not checked for silence', () => {
  const { state } = feed([runAt(0)]);
  const context = { ...silenceContext(), expectedIntervalMs: () => undefined };
  assert.deepEqual(detectSilentTransactions(state, new Date(start + 60 * 60_000), context).events, []);
});

test('silence inside a maintenance window is recorded suppressed, and announced once the window is over', () => {
  const window: MaintenanceWindow = {
    id: 'upgrade',
    schedule: { kind: 'once', from: new Date(start), to: new Date(start + 30 * 60_000) },
  };
  const { state } = feed([runAt(0)]);
  const during = detectSilentTransactions(state, new Date(start + 10 * 60_000), silenceContext([window]));
  assert.equal(during.events.length, 1);
  assert.equal(
    during.events.every((e) => e.suppressed),
    true,
  );
  const after = detectSilentTransactions(
    during.state,
    new Date(start + 31 * 60_000),
    silenceContext([window]),
  );
  assert.deepEqual(
    after.events.map((e) => `${e.action} ${e.kind} ${e.suppressed}`),
    ['open no_data false'],
  );
  assert.deepEqual(
    detectSilentTransactions(after.state, new Date(start + 32 * 60_000), silenceContext([window])).events,
    [],
  );
});
