import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hourOfWeek } from '../../../../schemas/hour-of-week.ts';
import type { SeriesBaselineRecord } from '../../../../schemas/record-types.ts';
import {
  baselineLookup,
  isRunSeriesKey,
  runBaselinesAt,
} from '../../../../workers/event-detector/baseline-view.ts';

function record(p90: number, state: 'learning' | 'ready' = 'ready'): SeriesBaselineRecord {
  const band = (p: number | null) => ({
    runs: 40,
    duration_samples: 38,
    p10_ms: p === null ? null : 500,
    p50_ms: p === null ? null : 1000,
    p90_ms: p,
    availability: 0.95,
  });
  return {
    hours: Array.from({ length: 168 }, (_, hour) => ({
      hour_of_week: hour,
      source: 'all-hours' as const,
      band: band(hour === 0 ? null : p90 + hour),
    })),
    state,
  } as SeriesBaselineRecord;
}

test('only whole-run series are judged', () => {
  assert.equal(isRunSeriesKey('tx|run|*'), true);
  assert.equal(isRunSeriesKey('tx|run|DE/Bavaria/Munich'), true);
  assert.equal(isRunSeriesKey('tx|step-0|*'), false);
});

test('a run gets the bands of its start hour, decoded once until the record changes', async () => {
  const encoded = new Map<string, Buffer>([
    ['tx|run|DE/Bavaria/Munich', Buffer.from('2000')],
    ['tx|run|*', Buffer.from('3000')],
  ]);
  let decodes = 0;
  const lookup = baselineLookup(
    (key) => encoded.get(key),
    async (value) => {
      decodes++;
      return record(Number(value.toString()));
    },
  );
  const startedAt = new Date('2026-11-24T05:30:00Z'); // Tuesday 05:xx UTC = hour 29
  const hour = hourOfWeek(startedAt);
  await lookup.prepare(['tx|run|DE/Bavaria/Munich', 'tx|run|*', 'tx|run|nowhere']);
  await lookup.prepare(['tx|run|*']);
  assert.equal(decodes, 2);
  const bands = runBaselinesAt(lookup.get, 'tx', 'DE/Bavaria/Munich', startedAt);
  assert.equal(bands.location?.p90_ms, 2000 + hour);
  assert.equal(bands.overall?.p90_ms, 3000 + hour);
  assert.equal(bands.overall?.samples, 38);
  assert.equal(runBaselinesAt(lookup.get, 'tx', 'nowhere', startedAt).location, null);
  assert.deepEqual(runBaselinesAt(lookup.get, 'tx', null, startedAt).location, null);

  encoded.set('tx|run|*', Buffer.from('4000'));
  assert.equal(
    runBaselinesAt(lookup.get, 'tx', null, startedAt).overall?.p90_ms,
    3000 + hour,
    'a record changed while a batch is judged: the prepared band still serves (a run is never left unjudged)',
  );
  await lookup.prepare(['tx|run|*']);
  assert.equal(decodes, 3);
  assert.equal(runBaselinesAt(lookup.get, 'tx', null, startedAt).overall?.p90_ms, 4000 + hour);
});

test('an hour without a duration has no band; the least recently used series is dropped first', async () => {
  const encoded = new Map(['a', 'b', 'c'].map((key) => [`${key}|run|*`, Buffer.from('1000')]));
  const lookup = baselineLookup(
    (key) => encoded.get(key),
    async () => record(1000),
    2,
  );
  await lookup.prepare(['a|run|*', 'b|run|*']);
  await lookup.prepare(['a|run|*', 'c|run|*']);
  assert.ok(lookup.get('a|run|*'));
  assert.equal(lookup.get('b|run|*'), undefined);
  assert.ok(lookup.get('c|run|*'));
  assert.equal(
    runBaselinesAt(lookup.get, 'a', null, new Date('2026-11-23T00:10:00Z')).overall,
    null,
    'Monday 00:xx is hour 0, which has no duration here',
  );
});
