// A series' baseline (primoart.baselines.v1) → the band that applies at its newest run, so a
// dashboard draws p10/p50/p90 next to the run and step durations. Written at the newest run's time
// (run time, not the time of publishing): a replayed or compressed history draws the band where its
// runs are, and a record published again for the same run writes the same samples.
// See the README "Metrics" for every name and label.
import { hourOfWeek } from '../../schemas/hour-of-week.ts';
import type { SeriesBaselineRecord } from '../../schemas/record-types.ts';
import type { Sample } from './sample.ts';

export function baselineSamples(record: SeriesBaselineRecord): Sample[] {
  // A learning band is provisional: nothing is judged against it, so nothing is drawn.
  if (record.state !== 'ready') return [];
  const band = record.hours[hourOfWeek(record.newest_run_at)]?.band;
  if (band === undefined) return [];
  const prefix = record.step_index === null ? 'primoart_synth_run' : 'primoart_synth_step';
  const labels: Record<string, string> = {
    transaction_id: record.transaction_id,
    transaction: record.transaction_name,
    location: record.location ?? '*',
    ...(record.step_index === null
      ? {}
      : { step_index: String(record.step_index), step: record.step_name ?? '' }),
  };
  const timestampMs = record.newest_run_at;
  const figures: Array<[string, number | null]> = [
    [`${prefix}_duration_baseline_p10_seconds`, band.p10_ms === null ? null : band.p10_ms / 1000],
    [`${prefix}_duration_baseline_p50_seconds`, band.p50_ms === null ? null : band.p50_ms / 1000],
    [`${prefix}_duration_baseline_p90_seconds`, band.p90_ms === null ? null : band.p90_ms / 1000],
    [`${prefix}_baseline_availability`, band.availability],
  ];
  return figures.flatMap(([name, value]) => (value === null ? [] : [{ name, labels, value, timestampMs }]));
}
