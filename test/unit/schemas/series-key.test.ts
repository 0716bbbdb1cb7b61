// The series key is built by the baseline worker and parsed by the event detector's view of the
// baselines: both go through schemas/series-key.ts, so a key parses back into the series it names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locationKey, parseSeriesKey, type SeriesId, seriesKey } from '../../../schemas/series-key.ts';

const transactionId = '0b7f6d1e-2a4c-4f7e-9a51-3c2d1e0f9a8b';

test('every kind of series key parses back into its series', () => {
  const series: SeriesId[] = [
    { transactionId, stepIndex: null, location: null },
    { transactionId, stepIndex: null, location: 'DE/Hesse/Frankfurt am Main' },
    { transactionId, stepIndex: 0, location: null },
    { transactionId, stepIndex: 12, location: 'SG' },
    // A robot's location may hold the separator: it is the rest of the key.
    { transactionId, stepIndex: 3, location: 'US/New York|NJ/Newark' },
  ];
  for (const id of series) assert.deepEqual(parseSeriesKey(seriesKey(id)), id, seriesKey(id));
});

test('the key format is the one the compacted topic and the stored baselines use', () => {
  assert.equal(seriesKey({ transactionId, stepIndex: null, location: null }), `${transactionId}|run|*`);
  assert.equal(
    seriesKey({ transactionId, stepIndex: 2, location: 'DE/Bavaria' }),
    `${transactionId}|step-2|DE/Bavaria`,
  );
});

test('a key seriesKey cannot have built is not a series', () => {
  for (const key of [
    '',
    'tx',
    'tx|run',
    '|run|*',
    'tx|steps-1|*',
    'tx|step-|*',
    'tx|step-01|*',
    'tx|step-x|*',
  ])
    assert.equal(parseSeriesKey(key), undefined, key);
});

test('a location key names the known parts, country first', () => {
  const where = { country: 'DE', region: null, city: 'Munich', latitude: 48.1, longitude: 11.6 };
  assert.equal(locationKey(where), 'DE/Munich');
  assert.equal(locationKey({ ...where, country: '', city: null }), null);
  assert.equal(locationKey(null), null);
});
