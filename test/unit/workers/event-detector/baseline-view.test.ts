import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hourOfWeek } from '../../../../schemas/hour-of-week.ts';
import type { SeriesBaselineRecord } from '../../../../schemas/record-types.ts';
import { bandOf } from '../../../../workers/event-detector/baseline-band.ts';
import {
  baselineLookup,
  hourBaselinesOf,
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
  // Bands of series without own hour-of-week buckets, as decoded (widened: see the tests below).
  const bandAt = (p90: number) => bandOf(hourBaselinesOf(record(p90))[hour]);
  const bands = runBaselinesAt(lookup.get, 'tx', 'DE/Bavaria/Munich', startedAt);
  assert.deepEqual(bands.location, bandAt(2000));
  assert.deepEqual(bands.overall, bandAt(3000));
  assert.notDeepEqual(bandAt(2000), bandAt(3000));
  assert.notDeepEqual(bandOf(hourBaselinesOf(record(2000))[hour + 1]), bandAt(2000), 'hour by hour');
  assert.equal(bands.overall?.samples, 38);
  assert.equal(runBaselinesAt(lookup.get, 'tx', 'nowhere', startedAt).location, null);
  assert.deepEqual(runBaselinesAt(lookup.get, 'tx', null, startedAt).location, null);

  encoded.set('tx|run|*', Buffer.from('4000'));
  assert.deepEqual(
    runBaselinesAt(lookup.get, 'tx', null, startedAt).overall,
    bandAt(3000),
    'a record changed while a batch is judged: the prepared band still serves (a run is never left unjudged)',
  );
  await lookup.prepare(['tx|run|*']);
  assert.equal(decodes, 3);
  assert.deepEqual(runBaselinesAt(lookup.get, 'tx', null, startedAt).overall, bandAt(4000));
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

/**
 * A record whose every hour has its own bucket of `samples` runs, log-normal with σ = 0.2 around
 * `p50s(hour)`, its p10/p90 where type-7 quantiles of that many samples sit on average (n = 12:
 * z ≈ 1.08, not 1.28); `thin` hours carry the all-hours band instead.
 */
function ownRecord(p50s: (hour: number) => number, samples = 12, thin: number[] = []): SeriesBaselineRecord {
  const z = 1.08;
  const allHours = {
    runs: 2016,
    duration_samples: 2016,
    p10_ms: 700,
    p50_ms: 2000,
    p90_ms: 3000,
    availability: 1,
  };
  return {
    state: 'ready',
    all_hours: allHours,
    hours: Array.from({ length: 168 }, (_, hour) => {
      if (thin.includes(hour)) return { hour_of_week: hour, source: 'all-hours' as const, band: allHours };
      const p50 = p50s(hour);
      return {
        hour_of_week: hour,
        source: 'hour-of-week' as const,
        band: {
          runs: samples,
          duration_samples: samples,
          p10_ms: p50 * Math.exp(-0.2 * z),
          p50_ms: p50,
          p90_ms: p50 * Math.exp(0.2 * z),
          availability: 1,
        },
      };
    }),
  } as SeriesBaselineRecord;
}

const spreadOf = (band: { p10: number; p90: number } | null | undefined) =>
  band === null || band === undefined ? Number.NaN : Math.log(band.p90 / band.p10) / (2 * 1.2815515655446004);

test('a thin hour of week is steadied by its neighbours; the spread is corrected for the sample size', () => {
  const hours = hourBaselinesOf(ownRecord((hour) => (hour === 50 ? 1300 : 1000)));
  const odd = hours[50]?.duration?.p50 ?? Number.NaN;
  assert.ok(odd > 1000 && odd < 1150, `hour 50 at ${odd}: pulled toward its neighbours' 1000`);
  assert.ok(Math.abs((hours[100]?.duration?.p50 ?? 0) / 1000 - 1) < 0.01);
  // The published 12-sample width reads σ ≈ 0.17; corrected it is 0.2, widened for the level's error.
  const spread = spreadOf(hours[100]?.duration);
  assert.ok(spread > 0.2 && spread < 0.25, `spread ${spread}`);
  assert.equal(hours[100]?.durationSamples, 12);

  const older = spreadOf(hourBaselinesOf(ownRecord(() => 1000, 48))[100]?.duration);
  assert.ok(older < spread, 'four weeks of history: a narrower band');
});

test('an hour still on the all-hours band takes the level of the nearest own hours', () => {
  const hours = hourBaselinesOf(ownRecord(() => 1000, 12, [60]));
  const band = hours[60]?.duration;
  assert.ok(Math.abs((band?.p50 ?? 0) / 1000 - 1) < 0.01, `p50 ${band?.p50}, not the all-hours 2000`);
  assert.ok(spreadOf(band) > spreadOf(hours[100]?.duration), 'wider: the level is borrowed');
  assert.equal(hours[60]?.state, 'ready');
});

test('a series without own hours: its all-hours band, widened, so only gross slowdowns stand out', () => {
  const hours = hourBaselinesOf(
    ownRecord(
      () => 1000,
      12,
      Array.from({ length: 168 }, (_, hour) => hour),
    ),
  );
  const band = hours[30]?.duration;
  assert.ok(Math.abs((band?.p50 ?? 0) - 2000) < 1e-6, 'the all-hours p50');
  // The all-hours width (σ ≈ 0.57 for p10 700, p90 3000 over 2016 samples) × √13.
  const allHours = Math.log(3000 / 700) / (2 * 1.2815515655446004);
  assert.ok(Math.abs(spreadOf(band) / (allHours * Math.sqrt(13)) - 1) < 0.02, `spread ${spreadOf(band)}`);
});
