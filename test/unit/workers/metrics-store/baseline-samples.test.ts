// The band series a baseline record becomes: the band of the newest run's hour of week, at that
// run's time, in seconds like the duration series it is drawn against.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hourOfWeek } from '../../../../schemas/hour-of-week.ts';
import type { BandRecord, SeriesBaselineRecord } from '../../../../schemas/record-types.ts';
import { baselineSamples } from '../../../../workers/metrics-store/baseline-samples.ts';
import { exposition } from '../../../../workers/metrics-store/sample.ts';

// A Tuesday, 14:05 UTC: hour of week 24 + 14 = 38.
const newestRunAt = Date.parse('2026-11-17T14:05:00.000Z');

const band = (p50: number | null, availability: number | null): BandRecord => ({
  runs: 12,
  duration_samples: p50 === null ? 0 : 12,
  p10_ms: p50 === null ? null : p50 - 200,
  p50_ms: p50,
  p90_ms: p50 === null ? null : p50 + 300,
  availability,
});

function baseline(overrides: Partial<SeriesBaselineRecord> = {}): SeriesBaselineRecord {
  return {
    series_key: 'tx-1|run|*',
    transaction_id: 'tx-1',
    transaction_name: 'Checkout',
    step_index: null,
    step_name: null,
    location: null,
    state: 'ready',
    window_runs: 400,
    newest_run_at: newestRunAt,
    all_hours: band(3000, 0.99),
    // Every hour its own p50, so the test sees which hour was taken.
    hours: Array.from({ length: 168 }, (_, hour) => ({
      hour_of_week: hour,
      source: 'hour-of-week' as const,
      band: band(1000 + hour, 0.9),
    })),
    updated_at: Date.parse('2026-11-23T06:00:00.000Z'),
    ...overrides,
  };
}

test('a ready run baseline writes the band of its newest run’s hour, at that run’s time, in seconds', () => {
  assert.equal(hourOfWeek(newestRunAt), 38);
  assert.deepEqual(baselineSamples(baseline()).map(exposition), [
    `primoart_synth_run_duration_baseline_p10_seconds{location="*",transaction="Checkout",transaction_id="tx-1"} 0.838 ${newestRunAt}`,
    `primoart_synth_run_duration_baseline_p50_seconds{location="*",transaction="Checkout",transaction_id="tx-1"} 1.038 ${newestRunAt}`,
    `primoart_synth_run_duration_baseline_p90_seconds{location="*",transaction="Checkout",transaction_id="tx-1"} 1.338 ${newestRunAt}`,
    `primoart_synth_run_baseline_availability{location="*",transaction="Checkout",transaction_id="tx-1"} 0.9 ${newestRunAt}`,
  ]);
});

test('a step series at a location carries the step and the location', () => {
  const samples = baselineSamples(
    baseline({
      series_key: 'tx-1|step-2|BE/Flanders/Ghent',
      step_index: 2,
      step_name: 'pay',
      location: 'BE/Flanders/Ghent',
    }),
  );
  assert.deepEqual(
    samples.map((sample) => sample.name),
    [
      'primoart_synth_step_duration_baseline_p10_seconds',
      'primoart_synth_step_duration_baseline_p50_seconds',
      'primoart_synth_step_duration_baseline_p90_seconds',
      'primoart_synth_step_baseline_availability',
    ],
  );
  for (const sample of samples)
    assert.deepEqual(sample.labels, {
      transaction_id: 'tx-1',
      transaction: 'Checkout',
      location: 'BE/Flanders/Ghent',
      step_index: '2',
      step: 'pay',
    });
});

test('a learning baseline writes nothing; a band without durations writes only its availability', () => {
  assert.deepEqual(baselineSamples(baseline({ state: 'learning' })), []);
  const failing = baseline();
  for (const hour of failing.hours) hour.band = band(null, 0);
  assert.deepEqual(
    baselineSamples(failing).map((sample) => [sample.name, sample.value]),
    [['primoart_synth_run_baseline_availability', 0]],
  );
});
