import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scheduleIntervalMs } from '../../../../workers/event-detector/schedule-interval.ts';

const minute = 60_000;
const hour = 60 * minute;

test('a regular schedule allows its interval', () => {
  const lastRun = Date.parse('2026-11-23T10:05:20Z');
  assert.equal(scheduleIntervalMs('*/5 * * * *', lastRun, 4), 5 * minute);
  assert.equal(scheduleIntervalMs('0 * * * *', lastRun, 4), hour);
});

test('an office-hours schedule allows the night and the weekend after its last run of the week', () => {
  const cron = '*/15 8-17 * * 1-5';
  // Friday 17:45:30 UTC: the next run is Monday 08:00.
  const fridayEvening = Date.parse('2026-11-27T17:45:30Z');
  const mondayMorning = Date.parse('2026-11-30T08:00:00Z');
  assert.equal(scheduleIntervalMs(cron, fridayEvening, 4), mondayMorning - fridayEvening);
  // Tuesday 11:00:10: within office hours, the 15 minutes.
  assert.equal(scheduleIntervalMs(cron, Date.parse('2026-11-24T11:00:10Z'), 4), 15 * minute);
});

test('an expression cron-parser refuses has no interval', () => {
  assert.equal(scheduleIntervalMs('not a cron', Date.now(), 4), undefined);
});
