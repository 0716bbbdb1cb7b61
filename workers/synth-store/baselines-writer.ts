// Writes what the baseline worker publishes into PostgreSQL: the compacted primoart.baselines.v1
// into synth_baselines (one row per series) and primoart.forecasts.v1 into synth_forecasts (one row
// per transaction and day). A record is applied only when it is newer (by partition offset) than
// what the row holds, so re-deliveries and replays change nothing (migration 0003).
import type { Pool } from 'pg';
import type {
  BandRecord,
  SeriesBaselineRecord,
  TransactionForecastRecord,
} from '../../schemas/record-types.ts';
import { latestByKey, newerThanRow, type SourcePosition } from './source-order.ts';

export interface Sourced<T> {
  record: T;
  source: SourcePosition;
}

const iso = (epochMs: number) => new Date(epochMs).toISOString();

const bandColumns = (band: BandRecord) => ({
  runs: band.runs,
  duration_samples: band.duration_samples,
  p10_ms: band.p10_ms,
  p50_ms: band.p50_ms,
  p90_ms: band.p90_ms,
  availability: band.availability,
});

export function baselineRow({ record, source }: Sourced<SeriesBaselineRecord>) {
  return {
    series_key: record.series_key,
    transaction_id: record.transaction_id,
    transaction_name: record.transaction_name,
    step_index: record.step_index,
    step_name: record.step_name,
    location: record.location,
    state: record.state,
    window_runs: record.window_runs,
    newest_run_at: iso(record.newest_run_at),
    ...bandColumns(record.all_hours),
    hours: record.hours.map((hour) => ({
      hour_of_week: hour.hour_of_week,
      source: hour.source,
      ...bandColumns(hour.band),
    })),
    updated_at: iso(record.updated_at),
    source_partition: source.partition,
    source_offset: source.offset,
  };
}

export function forecastRows({ record, source }: Sourced<TransactionForecastRecord>) {
  return record.days.map((day) => ({
    transaction_id: record.transaction_id,
    day: day.date,
    p50_ms: day.p50_ms,
    availability: day.availability,
    computed_at: iso(record.computed_at),
    based_on_days: record.based_on_days,
    method: record.method,
    trend: { p50: record.p50_trend, availability: record.availability_trend },
    source_partition: source.partition,
    source_offset: source.offset,
  }));
}

const bandTypes =
  'runs integer, duration_samples integer, p10_ms double precision, p50_ms double precision, p90_ms double precision, availability double precision';

const upsertBaselines = `
INSERT INTO synth_baselines AS b (
  series_key, transaction_id, transaction_name, step_index, step_name, location, state, window_runs,
  newest_run_at, runs, duration_samples, p10_ms, p50_ms, p90_ms, availability, hours, updated_at,
  source_partition, source_offset)
SELECT series_key, transaction_id, transaction_name, step_index, step_name, location, state, window_runs,
  newest_run_at, runs, duration_samples, p10_ms, p50_ms, p90_ms, availability, hours, updated_at,
  source_partition, source_offset
FROM jsonb_to_recordset($1::jsonb) AS x(
  series_key text, transaction_id uuid, transaction_name text, step_index integer, step_name text,
  location text, state text, window_runs integer, newest_run_at timestamptz, ${bandTypes}, hours jsonb,
  updated_at timestamptz, source_partition integer, source_offset bigint)
ON CONFLICT (series_key) DO UPDATE SET
  transaction_id = EXCLUDED.transaction_id, transaction_name = EXCLUDED.transaction_name,
  step_index = EXCLUDED.step_index, step_name = EXCLUDED.step_name, location = EXCLUDED.location,
  state = EXCLUDED.state, window_runs = EXCLUDED.window_runs, newest_run_at = EXCLUDED.newest_run_at,
  runs = EXCLUDED.runs, duration_samples = EXCLUDED.duration_samples, p10_ms = EXCLUDED.p10_ms,
  p50_ms = EXCLUDED.p50_ms, p90_ms = EXCLUDED.p90_ms, availability = EXCLUDED.availability,
  hours = EXCLUDED.hours, updated_at = EXCLUDED.updated_at,
  source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset, stored_at = now()
WHERE ${newerThanRow('b')}`;

const upsertForecasts = `
INSERT INTO synth_forecasts AS f (
  transaction_id, day, p50_ms, availability, computed_at, based_on_days, method, trend,
  source_partition, source_offset)
SELECT transaction_id, day, p50_ms, availability, computed_at, based_on_days, method, trend,
  source_partition, source_offset
FROM jsonb_to_recordset($1::jsonb) AS x(
  transaction_id uuid, day date, p50_ms double precision, availability double precision,
  computed_at timestamptz, based_on_days integer, method text, trend jsonb, source_partition integer,
  source_offset bigint)
ON CONFLICT (transaction_id, day) DO UPDATE SET
  p50_ms = EXCLUDED.p50_ms, availability = EXCLUDED.availability, computed_at = EXCLUDED.computed_at,
  based_on_days = EXCLUDED.based_on_days, method = EXCLUDED.method, trend = EXCLUDED.trend,
  source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset, stored_at = now()
WHERE ${newerThanRow('f')}`;

/**
 * Rows sorted by key, the newest of each key: one statement may not touch a row twice, and
 * concurrent instances then lock shared rows in the same order.
 */
function latestRows<T extends { source_partition: number; source_offset: string }>(
  rows: T[],
  keyOf: (row: T) => string,
): string {
  const latest = latestByKey(rows, keyOf, (row) => ({
    partition: row.source_partition,
    offset: row.source_offset,
  }));
  latest.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  return JSON.stringify(latest);
}

export async function writeBaselines(pool: Pool, baselines: Array<Sourced<SeriesBaselineRecord>>) {
  if (baselines.length === 0) return;
  await pool.query(upsertBaselines, [latestRows(baselines.map(baselineRow), (row) => row.series_key)]);
}

export async function writeForecasts(pool: Pool, forecasts: Array<Sourced<TransactionForecastRecord>>) {
  const rows = forecasts.flatMap(forecastRows);
  if (rows.length === 0) return;
  // Per day, not per forecast: the result is the same however the records were split into batches.
  await pool.query(upsertForecasts, [latestRows(rows, (row) => `${row.transaction_id}|${row.day}`)]);
}
