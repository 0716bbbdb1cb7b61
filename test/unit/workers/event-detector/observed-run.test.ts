// How a stored result and a computed baseline become the detector's inputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SynthResult } from '../../../../schemas/record-types.ts';
import { locationKey } from '../../../../schemas/series-key.ts';
import { bandOf } from '../../../../workers/event-detector/baseline-band.ts';
import { observedRunOf } from '../../../../workers/event-detector/observed-run.ts';

const location = { city: 'Munich', region: null, country: 'DE', latitude: null, longitude: null };

test('a location is named by its known parts, country first; no known part is no location', () => {
  assert.equal(locationKey(location), 'DE/Munich');
  assert.equal(locationKey({ ...location, region: 'Bavaria' }), 'DE/Bavaria/Munich');
  assert.equal(locationKey({ ...location, city: '', country: null }), null);
  assert.equal(locationKey(null), null);
});

test('a result becomes a run with its duration from start to finish', () => {
  const result = {
    result_id: 'r1',
    robot_id: 'robot-1',
    transaction_id: 'tx',
    transaction_name: 'Checkout',
    service: 'webshop',
    environment: 'Production',
    location,
    status: 'WARNING',
    started_at: new Date('2026-11-23T10:00:00.000Z'),
    finished_at: new Date('2026-11-23T10:00:02.345Z'),
  } as SynthResult;
  assert.deepEqual(observedRunOf(result), {
    result_id: 'r1',
    robot_id: 'robot-1',
    transaction_id: 'tx',
    transaction_name: 'Checkout',
    service: 'webshop',
    environment: 'Production',
    location: 'DE/Munich',
    status: 'WARNING',
    duration_ms: 2345,
    finished_at: new Date('2026-11-23T10:00:02.345Z'),
  });
});

test('a computed baseline gives its band in milliseconds; one without durations gives none', () => {
  assert.deepEqual(
    bandOf({ state: 'ready', duration: { p10: 800, p50: 1000, p90: 1500 }, durationSamples: 40 }),
    {
      state: 'ready',
      p10_ms: 800,
      p50_ms: 1000,
      p90_ms: 1500,
      samples: 40,
    },
  );
  assert.equal(bandOf({ state: 'learning', duration: null, durationSamples: 0 }), null);
  assert.equal(bandOf(undefined), null);
});
