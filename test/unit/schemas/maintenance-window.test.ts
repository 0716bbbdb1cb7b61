// The intervals a maintenance window covers within a period (what the console shades), against
// maintenanceWindowAt (what the event detector suppresses by): the same instants, minute by minute,
// across a DST change and for a window past midnight.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type MaintenanceWindow,
  maintenanceIntervals,
  maintenanceWindowAt,
  maintenanceWindowsSchema,
} from '../../../schemas/maintenance-window.ts';

const target = { transaction_id: '2f0c9a8e-3b7d-4c15-a6e2-000000000001', service: 'webshop' };
const minuteMs = 60_000;

function coveredMinutes(windows: MaintenanceWindow[], from: Date, to: Date) {
  const intervals = maintenanceIntervals(windows, target, { from, to });
  const covered = (at: number) => intervals.some((i) => at >= i.from.getTime() && at < i.to.getTime());
  for (let at = from.getTime(); at < to.getTime(); at += minuteMs)
    assert.equal(
      covered(at),
      maintenanceWindowAt(windows, target, new Date(at)) !== undefined,
      new Date(at).toISOString(),
    );
  return intervals;
}

describe('maintenance intervals', () => {
  it('a nightly window in Berlin over the end of summer time: the detector’s instants, minute by minute', () => {
    const windows = maintenanceWindowsSchema.parse([
      {
        id: 'nightly',
        service: 'webshop',
        weekly: { days: ['sat', 'sun', 'mon'], start: '02:00', end: '03:00', time_zone: 'Europe/Berlin' },
      },
    ]);
    const intervals = coveredMinutes(
      windows,
      new Date('2026-10-23T00:00:00Z'),
      new Date('2026-10-28T00:00:00Z'),
    );
    assert.deepEqual(
      intervals.map((i) => [i.from.toISOString(), i.to.toISOString()]),
      [
        ['2026-10-24T00:00:00.000Z', '2026-10-24T01:00:00.000Z'], // Saturday, summer time (+02)
        ['2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z'], // Sunday: 02:00 summer to 03:00 winter time
        ['2026-10-26T01:00:00.000Z', '2026-10-26T02:00:00.000Z'], // Monday, winter time (+01)
      ],
    );
  });

  it('a period starting in the last local hour before a 23-hour day still has that day’s window', () => {
    const windows = maintenanceWindowsSchema.parse([
      { id: 'sunday', weekly: { days: ['sun'], start: '10:00', end: '11:00', time_zone: 'Europe/Berlin' } },
    ]);
    const intervals = coveredMinutes(
      windows,
      new Date('2026-03-28T22:30:00Z'),
      new Date('2026-03-30T00:00:00Z'),
    );
    assert.deepEqual(
      intervals.map((i) => [i.from.toISOString(), i.to.toISOString()]),
      [['2026-03-29T08:00:00.000Z', '2026-03-29T09:00:00.000Z']],
    );
  });

  it('a window past midnight, a one-off clipped to the period, and windows of others left out', () => {
    const windows = maintenanceWindowsSchema.parse([
      { id: 'late', weekly: { days: ['fri'], start: '23:30', end: '00:30' } },
      {
        id: 'release',
        transaction_id: target.transaction_id,
        once: { from: '2026-11-06T10:00:00Z', to: '2026-11-09T10:00:00Z' },
      },
      { id: 'other', service: 'intranet', weekly: { days: ['fri'], start: '00:00', end: '23:59' } },
    ]);
    const intervals = coveredMinutes(
      windows,
      new Date('2026-11-05T00:00:00Z'),
      new Date('2026-11-08T00:00:00Z'),
    );
    assert.deepEqual(
      intervals.map((i) => [i.id, i.from.toISOString(), i.to.toISOString()]),
      [
        ['release', '2026-11-06T10:00:00.000Z', '2026-11-08T00:00:00.000Z'],
        ['late', '2026-11-06T23:30:00.000Z', '2026-11-07T00:30:00.000Z'],
      ],
    );
  });
});
