import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hourOfWeek } from '../../../schemas/hour-of-week.ts';

test('hours of the week count from Monday 00:00 UTC to Sunday 23:59 UTC', () => {
  assert.equal(hourOfWeek(new Date('2026-11-23T00:00:00.000Z')), 0);
  assert.equal(hourOfWeek(new Date('2026-11-24T13:30:00.000Z')), 24 + 13);
  assert.equal(hourOfWeek(new Date('2026-11-29T23:59:59.999Z')), 167);
  assert.equal(hourOfWeek(Date.parse('2026-11-30T00:00:00.000Z')), 0);
});

test('the hour is the UTC one, whatever offset the robot reported', () => {
  // 01:30 on Monday in Berlin is still Sunday 23:30 UTC.
  assert.equal(hourOfWeek(new Date('2026-11-23T01:30:00+02:00')), 167);
});
