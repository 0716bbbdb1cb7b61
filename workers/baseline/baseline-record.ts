// A series' baselines as the Avro record of primoart.baselines.v1 (schemas/baseline.avsc).
import type { BandRecord, SeriesBaselineRecord } from '../../schemas/record-types.ts';
import type { BandStatistics } from './band.ts';
import type { SeriesBaselines } from './baseline-store.ts';

function bandRecord(band: BandStatistics): BandRecord {
  return {
    runs: band.runs,
    duration_samples: band.durationSamples,
    p10_ms: band.duration?.p10 ?? null,
    p50_ms: band.duration?.p50 ?? null,
    p90_ms: band.duration?.p90 ?? null,
    availability: band.availability,
  };
}

export function toBaselineRecord(baselines: SeriesBaselines, updatedAt: Date): SeriesBaselineRecord {
  const { series } = baselines;
  return {
    series_key: series.key,
    transaction_id: series.transactionId,
    transaction_name: series.transactionName,
    step_index: series.stepIndex,
    step_name: series.stepName,
    location: series.location,
    state: baselines.state,
    window_runs: baselines.windowRuns,
    newest_run_at: baselines.newestRunAt.getTime(),
    all_hours: bandRecord(baselines.allHours),
    hours: baselines.hours.map((hour) => ({
      hour_of_week: hour.hourOfWeek,
      source: hour.source,
      band: bandRecord(hour),
    })),
    updated_at: updatedAt.getTime(),
  };
}
