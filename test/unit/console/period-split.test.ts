// How a report period is cut into the rows that answer it: whole UTC days, then the whole hours
// (or quarter hours) at their edges, then the minutes left from the runs. Every instant of the
// period in exactly one slice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byComplement, type PeriodRange, splitPeriodByDays } from '../../../console/queries/period.ts';

const at = (iso: string) => new Date(iso);
const slices = (ranges: PeriodRange[]) =>
  ranges.map((range) => `${range.source} ${range.from.toISOString()}..${range.to.toISOString()}`);

test('a period with edges inside quarters: minutes from the runs, quarters, days, quarters, minutes', () => {
  const ranges = splitPeriodByDays(
    'current',
    { from: at('2026-11-01T22:07:00Z'), to: at('2026-11-04T01:40:00Z') },
    'quarters',
  );
  assert.deepEqual(slices(ranges), [
    'raw 2026-11-01T22:07:00.000Z..2026-11-01T22:15:00.000Z',
    'quarters 2026-11-01T22:15:00.000Z..2026-11-02T00:00:00.000Z',
    'days 2026-11-02T00:00:00.000Z..2026-11-04T00:00:00.000Z',
    'quarters 2026-11-04T00:00:00.000Z..2026-11-04T01:30:00.000Z',
    'raw 2026-11-04T01:30:00.000Z..2026-11-04T01:40:00.000Z',
  ]);
  assert.ok(ranges.every((range) => range.period === 'current'));
});

test('the same period by hours reads more minutes from the runs', () => {
  const ranges = splitPeriodByDays('previous', {
    from: at('2026-11-01T22:07:00Z'),
    to: at('2026-11-04T01:40:00Z'),
  });
  assert.deepEqual(slices(ranges), [
    'raw 2026-11-01T22:07:00.000Z..2026-11-01T23:00:00.000Z',
    'rollup 2026-11-01T23:00:00.000Z..2026-11-02T00:00:00.000Z',
    'days 2026-11-02T00:00:00.000Z..2026-11-04T00:00:00.000Z',
    'rollup 2026-11-04T00:00:00.000Z..2026-11-04T01:00:00.000Z',
    'raw 2026-11-04T01:00:00.000Z..2026-11-04T01:40:00.000Z',
  ]);
});

test('a period without a whole day or quarter', () => {
  assert.deepEqual(
    slices(
      splitPeriodByDays(
        'today',
        { from: at('2026-11-01T10:01:00Z'), to: at('2026-11-01T10:14:00Z') },
        'quarters',
      ),
    ),
    ['raw 2026-11-01T10:01:00.000Z..2026-11-01T10:14:00.000Z'],
  );
  assert.deepEqual(
    slices(
      splitPeriodByDays(
        'today',
        { from: at('2026-11-01T10:00:00Z'), to: at('2026-11-01T12:00:00Z') },
        'quarters',
      ),
    ),
    ['quarters 2026-11-01T10:00:00.000Z..2026-11-01T12:00:00.000Z'],
  );
  assert.deepEqual(
    splitPeriodByDays('today', { from: at('2026-11-01T10:00:00Z'), to: at('2026-11-01T10:00:00Z') }),
    [],
  );
});

/** A `now` after every period below: all of each is stored. */
const later = at('2030-01-01T00:00:00Z');
const signed = (ranges: PeriodRange[]) =>
  ranges.map((range) => `${range.subtract ? '-' : '+'}${slices([range])[0]}`);

test('by complement: past half a day of hours, the day less the hours outside; past half an hour of runs, the hour less the runs outside', () => {
  const ranges = byComplement(
    splitPeriodByDays('current', { from: at('2026-11-01T03:20:00Z'), to: at('2026-11-04T10:40:00Z') }),
    later,
  );
  assert.deepEqual(signed(ranges), [
    '+rollup 2026-11-01T03:00:00.000Z..2026-11-01T04:00:00.000Z',
    '-raw 2026-11-01T03:00:00.000Z..2026-11-01T03:20:00.000Z',
    '+days 2026-11-01T00:00:00.000Z..2026-11-02T00:00:00.000Z',
    '-rollup 2026-11-01T00:00:00.000Z..2026-11-01T04:00:00.000Z',
    '+days 2026-11-02T00:00:00.000Z..2026-11-04T00:00:00.000Z',
    '+rollup 2026-11-04T00:00:00.000Z..2026-11-04T10:00:00.000Z',
    '+rollup 2026-11-04T10:00:00.000Z..2026-11-04T11:00:00.000Z',
    '-raw 2026-11-04T10:40:00.000Z..2026-11-04T11:00:00.000Z',
  ]);
});

test('by complement: half or less stays as it is; quarters against days and runs against quarters', () => {
  assert.deepEqual(
    signed(
      byComplement(
        splitPeriodByDays(
          'previous',
          { from: at('2026-11-01T12:00:00Z'), to: at('2026-11-01T23:40:00Z') },
          'quarters',
        ),
        later,
        'quarters',
      ),
    ),
    [
      '+quarters 2026-11-01T12:00:00.000Z..2026-11-01T23:30:00.000Z',
      '+quarters 2026-11-01T23:30:00.000Z..2026-11-01T23:45:00.000Z',
      '-raw 2026-11-01T23:40:00.000Z..2026-11-01T23:45:00.000Z',
    ],
  );
  assert.deepEqual(
    signed(
      byComplement(
        splitPeriodByDays('today', { from: at('2026-11-01T00:00:00Z'), to: at('2026-11-01T19:07:00Z') }),
        later,
      ),
    ),
    [
      '+days 2026-11-01T00:00:00.000Z..2026-11-02T00:00:00.000Z',
      '-rollup 2026-11-01T19:00:00.000Z..2026-11-02T00:00:00.000Z',
      '+raw 2026-11-01T19:00:00.000Z..2026-11-01T19:07:00.000Z',
    ],
  );
});

test('by complement: whole hours across midnight and runs across an hour are cut at it first', () => {
  const ranges = byComplement(
    [
      { period: 'today', source: 'rollup', from: at('2026-11-01T02:00:00Z'), to: at('2026-11-02T01:00:00Z') },
      { period: 'today', source: 'raw', from: at('2026-11-02T01:50:00Z'), to: at('2026-11-02T02:10:00Z') },
    ],
    later,
  );
  assert.deepEqual(signed(ranges), [
    '+days 2026-11-01T00:00:00.000Z..2026-11-02T00:00:00.000Z',
    '-rollup 2026-11-01T00:00:00.000Z..2026-11-01T02:00:00.000Z',
    '+rollup 2026-11-02T00:00:00.000Z..2026-11-02T01:00:00.000Z',
    '+raw 2026-11-02T01:50:00.000Z..2026-11-02T02:00:00.000Z',
    '+raw 2026-11-02T02:00:00.000Z..2026-11-02T02:10:00.000Z',
  ]);
  assert.ok(ranges.every((range) => range.period === 'today'));
});

test('by complement: nothing is stored after now, so up to now is the hour less nothing', () => {
  const now = at('2026-11-01T19:07:00Z');
  assert.deepEqual(
    signed(byComplement(splitPeriodByDays('today', { from: at('2026-11-01T00:00:00Z'), to: now }), now)),
    [
      '+days 2026-11-01T00:00:00.000Z..2026-11-02T00:00:00.000Z',
      '-rollup 2026-11-01T19:00:00.000Z..2026-11-02T00:00:00.000Z',
      '+rollup 2026-11-01T19:00:00.000Z..2026-11-01T20:00:00.000Z',
      '-raw 2026-11-01T19:07:00.000Z..2026-11-01T20:00:00.000Z',
    ],
  );
  // Before now, the same minutes are read as they are.
  assert.deepEqual(
    signed(
      byComplement([{ period: 'current', source: 'raw', from: at('2026-11-01T19:00:00Z'), to: now }], later),
    ),
    ['+raw 2026-11-01T19:00:00.000Z..2026-11-01T19:07:00.000Z'],
  );
});
