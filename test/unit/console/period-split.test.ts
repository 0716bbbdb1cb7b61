// How a report period is cut into the rows that answer it: whole UTC days, then the whole hours
// (or quarter hours) at their edges, then the minutes left from the runs. Every instant of the
// period in exactly one slice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hoursByComplement, type PeriodRange, splitPeriodByDays } from '../../../console/queries/period.ts';

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

test('more than 12 hours of a day are read as the day less the hours outside; 12 or fewer as hours', () => {
  const ranges = hoursByComplement(
    splitPeriodByDays('current', { from: at('2026-11-01T03:20:00Z'), to: at('2026-11-04T10:40:00Z') }),
  );
  assert.deepEqual(
    ranges.map((range) => `${range.subtract ? '-' : '+'}${slices([range])[0]}`),
    [
      '+raw 2026-11-01T03:20:00.000Z..2026-11-01T04:00:00.000Z',
      '+days 2026-11-01T00:00:00.000Z..2026-11-02T00:00:00.000Z',
      '-rollup 2026-11-01T00:00:00.000Z..2026-11-01T04:00:00.000Z',
      '+days 2026-11-02T00:00:00.000Z..2026-11-04T00:00:00.000Z',
      '+rollup 2026-11-04T00:00:00.000Z..2026-11-04T10:00:00.000Z',
      '+raw 2026-11-04T10:00:00.000Z..2026-11-04T10:40:00.000Z',
    ],
  );
});

test('whole hours across midnight are cut at it first', () => {
  const ranges = hoursByComplement([
    { period: 'today', source: 'rollup', from: at('2026-11-01T02:00:00Z'), to: at('2026-11-02T01:00:00Z') },
  ]);
  assert.deepEqual(
    ranges.map((range) => `${range.subtract ? '-' : '+'}${slices([range])[0]}`),
    [
      '+days 2026-11-01T00:00:00.000Z..2026-11-02T00:00:00.000Z',
      '-rollup 2026-11-01T00:00:00.000Z..2026-11-01T02:00:00.000Z',
      '+rollup 2026-11-02T00:00:00.000Z..2026-11-02T01:00:00.000Z',
    ],
  );
  assert.ok(ranges.every((range) => range.period === 'today'));
});
