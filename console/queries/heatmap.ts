// The duration heatmap: weekday × hour of day (7 × 24) in a time zone, per cell the mean and the
// p90 duration of the non-FAIL runs that started in it (as the baseline, a FAIL's time is not a
// duration of the journey), null where there were none.
//
// For a transaction (and a location of it), a service or a project (and an
// environment), whole UTC quarter hours come from the quarter rollups of that scope (migrations
// 0009, 0010: per transaction and location, per service, per project; one row a quarter but for a
// transaction's locations). Every zone's offset is a whole number of quarter hours, so a
// UTC quarter is inside one local hour. The minutes before the first and after the last whole
// quarter come from the raw runs. A heatmap of a robot, or of a location across transactions,
// reads the hourly rollups per (hour, transaction, robot) instead: whole UTC hours when the zone's
// offset is a whole number of hours all through the period, else the raw runs (in Asia/Kolkata,
// Australia/Adelaide … a UTC hour straddles two local hours). The mean is exact; the p90 comes from
// the duration histograms (duration-histogram.ts: within a factor 2^(1/8) of the exact percentile).
import type { Pool } from 'pg';
import { HistogramSum, histogramPercentile } from './duration-histogram.ts';
import { filterConditions, type RunFilters, rollupColumns, runColumns, SqlParameters } from './filters.ts';
import { type Period, rangeBranches, zonedRanges } from './period.ts';

export interface HeatmapCell {
  /** ISO weekday in the zone: 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Hour of the day in the zone, 0–23. */
  hour: number;
  /** Every run that started in the cell, FAIL included. */
  runs: number;
  /** Non-FAIL runs, the ones with a duration. */
  durations: number;
  mean_ms: number | null;
  p90_ms: number | null;
}

export async function durationHeatmap(
  pool: Pool,
  request: { filters: RunFilters; period: Period; tz: string },
): Promise<HeatmapCell[]> {
  const { filters, period, tz } = request;
  // The rows of the narrowest scope asked for (the API asks for one of the three): a transaction's
  // have every filter's column but the robot; a service's or a project's no location either.
  const quarterTable =
    filters.transaction !== undefined
      ? 'synth_transaction_quarters'
      : filters.service !== undefined
        ? 'synth_service_quarters'
        : 'synth_project_quarters';
  const { byQuarters, ranges } = await zonedRanges(
    pool,
    period,
    tz,
    filters.robot === undefined && (filters.location === undefined || filters.transaction !== undefined),
  );
  // A raw run counts at its quarter's start where quarters are read (it lies in the same local
  // hour): the zone's arithmetic then runs once per quarter, not once per run of the edges.
  const rawInstant = byQuarters ? 'synth_quarter_start(r.started_at)' : 'r.started_at';
  const parameters = new SqlParameters();
  const zone = parameters.add(tz, '::text');
  // Added on first use: a parameter no branch refers to has no type PostgreSQL could infer.
  let rollupConditions: string[] | undefined;
  let rawConditions: string[] | undefined;
  // The hourly and the quarter tables name the filters' columns alike (a request reads one kind).
  const rollupFilters = () => (rollupConditions ??= filterConditions(filters, rollupColumns, parameters));
  const rawFilters = () => (rawConditions ??= filterConditions(filters, runColumns, parameters));
  const where = (time: string, from: string, to: string, conditions: string[]) =>
    [`${time} >= ${from}`, `${time} < ${to}`, ...conditions].join(' AND ');
  const rollupBranch =
    (table: string, start: string) =>
    ({ from, to }: { from: string; to: string }) =>
      `
      SELECT h.${start}, h.runs, h.duration_count, h.duration_sum_ms,
        h.duration_min_ms, h.duration_max_ms, h.histogram_bins, h.histogram_counts
      FROM ${table} h
      WHERE ${where(`h.${start}`, from, to, rollupFilters())}`;
  const branches = [
    // The first branch names the columns; an empty period still has one (that finds nothing).
    `
      SELECT NULL::timestamptz AS at, 0::bigint AS runs, 0::bigint AS duration_count, NULL::bigint AS duration_sum_ms,
        NULL::bigint AS duration_min_ms, NULL::bigint AS duration_max_ms, '{}'::smallint[] AS histogram_bins,
        '{}'::integer[] AS histogram_counts
      WHERE false`,
    rangeBranches(ranges, 'rollup', parameters, rollupBranch('synth_run_hours', 'hour_start'), ''),
    rangeBranches(ranges, 'quarters', parameters, rollupBranch(quarterTable, 'quarter_start'), ''),
    rangeBranches(
      ranges,
      'raw',
      parameters,
      ({ from, to }) => `
      SELECT ${rawInstant}, 1, d.count, d.ms, d.ms, d.ms,
        CASE WHEN d.ms IS NULL THEN '{}'::smallint[] ELSE ARRAY[synth_duration_bin(d.ms)] END,
        CASE WHEN d.ms IS NULL THEN '{}'::integer[] ELSE ARRAY[1] END
      FROM synth_runs r
      CROSS JOIN LATERAL (SELECT CASE WHEN r.status = 'FAIL' THEN NULL ELSE r.duration_ms END AS ms,
                                 (r.status <> 'FAIL')::int AS count) AS d
      WHERE ${where('r.started_at', from, to, rawFilters())}`,
      '',
    ),
  ].filter((branch) => branch !== '');
  const sql = `
    WITH facts AS (${branches.join('\n      UNION ALL')}
    ), cells AS MATERIALIZED (
      -- The zone's arithmetic once per instant (an hour or a quarter of rollup rows, or a run), not
      -- once per row and histogram bin (19,000 conversions for a transaction's month, ~40 ms).
      SELECT at, extract(isodow FROM at AT TIME ZONE ${zone})::int AS weekday,
        extract(hour FROM at AT TIME ZONE ${zone})::int AS hour
      FROM (SELECT DISTINCT at FROM facts) AS instants
    ), figures AS (
      SELECT c.weekday, c.hour, sum(f.runs)::bigint AS runs, sum(f.duration_count)::bigint AS durations,
        sum(f.duration_sum_ms)::bigint AS duration_sum_ms, min(f.duration_min_ms) AS duration_min_ms,
        max(f.duration_max_ms) AS duration_max_ms
      FROM facts f JOIN cells c USING (at)
      GROUP BY 1, 2
    ), bins AS (
      SELECT c.weekday, c.hour, b.bin, sum(b.n)::bigint AS count
      FROM facts f JOIN cells c USING (at), unnest(f.histogram_bins, f.histogram_counts) AS b(bin, n)
      GROUP BY 1, 2, 3
    ), histograms AS (
      SELECT weekday, hour, array_agg(bin ORDER BY bin) AS bins, array_agg(count ORDER BY bin) AS counts
      FROM bins GROUP BY weekday, hour
    )
    SELECT g.weekday, g.hour, g.runs, g.durations, g.duration_sum_ms, g.duration_min_ms, g.duration_max_ms,
      h.bins, h.counts
    FROM figures g LEFT JOIN histograms h USING (weekday, hour)`;
  const { rows } = await pool.query<{
    weekday: number;
    hour: number;
    runs: string;
    durations: string;
    duration_sum_ms: string | null;
    duration_min_ms: string | null;
    duration_max_ms: string | null;
    bins: number[] | null;
    counts: string[] | null;
  }>(sql, parameters.values);
  const byCell = new Map(rows.map((row) => [`${row.weekday}|${row.hour}`, row]));
  const cells: HeatmapCell[] = [];
  for (let weekday = 1; weekday <= 7; weekday++) {
    for (let hour = 0; hour < 24; hour++) {
      const row = byCell.get(`${weekday}|${hour}`);
      const durations = Number(row?.durations ?? 0);
      let p90: number | null = null;
      if (row !== undefined && durations > 0) {
        const sum = new HistogramSum();
        sum.add(
          row.bins ?? [],
          (row.counts ?? []).map(Number),
          Number(row.duration_min_ms),
          Number(row.duration_max_ms),
        );
        p90 = histogramPercentile(sum.histogram(), 0.9);
      }
      cells.push({
        weekday,
        hour,
        runs: Number(row?.runs ?? 0),
        durations,
        mean_ms: durations === 0 ? null : Number(row?.duration_sum_ms) / durations,
        p90_ms: p90,
      });
    }
  }
  return cells;
}
