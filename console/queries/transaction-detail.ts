// A transaction's detail over a period: its runs by interval (hours, or days in a time zone), by
// location and by local day, its steps, the distribution of its durations in the MVP's buckets, the
// baseline band the baseline worker stored (synth_baselines) and its forecast (synth_forecasts).
//
// Every count is exact: whole parts of the period come from synth-store's rollups, its edges from
// the runs themselves (period.ts). The runs come from the quarter-hour rollups per transaction and
// location (migration 0009): a UTC quarter hour lies in one local day in every zone, so the days of
// Asia/Kolkata come from them too, and each row counts its durations in the MVP's buckets exactly
// (their edges, 30, 60, 120, 300 s, are no edges of the histograms' log-spaced bins). The SQL sums
// them per (local day or UTC hour, location): a month is ~90 rows to the console, not thousands.
// Asked for one robot (the quarters have none), the runs come from the hourly rollups per robot
// where the zone's offset is a whole number of hours all through the period, else from the runs;
// their distribution then counts an hour whose durations fall in a bin holding an edge from its runs
// (durationDistribution). Steps come from the daily, hourly and raw rows (they need no zone).
// p50/p90 come from the duration histograms (duration-histogram.ts: within a factor 2^(1/8) of the
// exact percentile). As everywhere, only non-FAIL runs (steps) have a duration figure.
import type { Pool } from 'pg';
import { hourOfWeek } from '../../schemas/hour-of-week.ts';
import { binEdges, HistogramSum, histogramPercentile } from './duration-histogram.ts';
import { filterConditions, type RunFilters, rollupColumns, runColumns, SqlParameters } from './filters.ts';
import {
  type Period,
  type PeriodRange,
  rangeArrays,
  rangeBranches,
  splitPeriodByDays,
  zonedRanges,
} from './period.ts';

export type Interval = 'hour' | 'day';

/** The MVP's duration buckets, in seconds: [from, to), the last one open. */
export const durationBuckets: ReadonlyArray<{ from_s: number; to_s: number | null }> = [
  { from_s: 0, to_s: 30 },
  { from_s: 30, to_s: 60 },
  { from_s: 60, to_s: 120 },
  { from_s: 120, to_s: 300 },
  { from_s: 300, to_s: null },
];

export interface Figures {
  runs: number;
  ok: number;
  warning: number;
  fail: number;
  sla_percent: number | null;
  availability_percent: number | null;
  /** Non-FAIL runs: those whose duration counts. */
  durations: number;
  mean_ms: number | null;
  p50_ms: number | null;
  p90_ms: number | null;
}

/** Counts and a duration histogram that add up. */
class Tally {
  runs = 0;
  ok = 0;
  warning = 0;
  fail = 0;
  durations = 0;
  sumMs = 0;
  readonly histogram = new HistogramSum();

  add(row: FactRow): void {
    this.runs += Number(row.runs);
    this.ok += Number(row.ok);
    this.warning += Number(row.warning);
    this.fail += Number(row.fail);
    this.durations += Number(row.duration_count);
    this.sumMs += Number(row.duration_sum_ms ?? 0);
    this.histogram.add(
      row.histogram_bins,
      row.histogram_counts.map(Number),
      row.duration_min_ms === null ? null : Number(row.duration_min_ms),
      row.duration_max_ms === null ? null : Number(row.duration_max_ms),
    );
  }

  p50(): number | null {
    return this.durations === 0 ? null : histogramPercentile(this.histogram.histogram(), 0.5);
  }

  figures(): Figures {
    const histogram = this.histogram.histogram();
    return {
      runs: this.runs,
      ok: this.ok,
      warning: this.warning,
      fail: this.fail,
      sla_percent: this.runs === 0 ? null : (100 * this.ok) / this.runs,
      availability_percent: this.runs === 0 ? null : (100 * (this.ok + this.warning)) / this.runs,
      durations: this.durations,
      mean_ms: this.durations === 0 ? null : this.sumMs / this.durations,
      p50_ms: this.durations === 0 ? null : histogramPercentile(histogram, 0.5),
      p90_ms: this.durations === 0 ? null : histogramPercentile(histogram, 0.9),
    };
  }
}

interface FactRow {
  /** The UTC hour (rollup rows) or the UTC hour a run started in. */
  hour: Date;
  /** The local date in tz, YYYY-MM-DD. */
  day: string;
  /** Run facts: the location key; step facts: the step index. */
  part: string;
  name: string | null;
  runs: string;
  ok: string;
  warning: string;
  fail: string;
  duration_count: string;
  duration_sum_ms: string | null;
  duration_min_ms: string | null;
  duration_max_ms: string | null;
  histogram_bins: number[];
  histogram_counts: string[];
  /** Non-FAIL runs per durationBuckets entry, exact (quarter facts only). */
  bucket_counts?: string[];
}

/**
 * Facts grouped by (UTC hour, local day, location) for runs or (…, step index) for steps: rollup
 * rows of the whole hours, the runs (steps) of the edges grouped the same way, histograms merged.
 * Ranges of whole UTC days (splitPeriodByDays) read the daily rows, their `hour` the day's start:
 * only for figures that need no zone (the steps').
 */
function factsSql(
  kind: 'runs' | 'steps',
  transactionId: string,
  filters: RunFilters,
  ranges: readonly PeriodRange[],
  tz: string,
  parameters: SqlParameters,
): string {
  const zone = parameters.add(tz, '::text');
  const transaction = parameters.add(transactionId, '::uuid');
  const rollup = rangeArrays(ranges, 'rollup');
  const days = rangeArrays(ranges, 'days');
  const raw = rangeArrays(ranges, 'raw');
  const rollupFilters = filterConditions(filters, rollupColumns, parameters);
  const dayWhere = [
    `h.transaction_id = ${transaction}`,
    'h.day_start >= p.from_at',
    'h.day_start < p.to_at',
    ...rollupFilters,
  ];
  const rollupWhere = [
    `h.transaction_id = ${transaction}`,
    'h.hour_start >= p.from_at',
    'h.hour_start < p.to_at',
    ...rollupFilters,
  ];
  const rawWhere = [
    `r.transaction_id = ${transaction}`,
    'r.started_at >= p.from_at',
    'r.started_at < p.to_at',
    ...filterConditions(filters, runColumns, parameters),
  ];
  const steps = kind === 'steps';
  const table = steps ? 'synth_step_hours' : 'synth_run_hours';
  const dayTable = steps ? 'synth_step_days' : 'synth_run_days';
  const rollupPart = steps ? 'h.step_index::text' : 'h.location';
  const rollupName = steps ? 'h.step_name' : 'NULL::text';
  const rawPart = steps ? 's.step_index::text' : runColumns.location;
  const rawName = steps ? 's.name' : 'NULL::text';
  const rawStatus = steps ? 's.status' : 'r.status';
  const rawDuration = steps ? 's.duration_ms' : 'r.duration_ms';
  const rawJoin = steps
    ? 'JOIN synth_step_runs s ON s.robot_id = r.robot_id AND s.result_id = r.result_id'
    : '';
  return `
    WITH raw AS (
      SELECT date_trunc('hour', r.started_at, 'UTC') AS hour,
        to_char(r.started_at AT TIME ZONE ${zone}, 'YYYY-MM-DD') AS day, ${rawPart} AS part, ${rawName} AS name,
        r.started_at AS at, ${rawStatus} AS status, ${rawDuration} AS duration_ms
      FROM unnest(${parameters.add(raw.froms, '::timestamptz[]')}, ${parameters.add(raw.tos, '::timestamptz[]')}) AS p(from_at, to_at)
      JOIN synth_runs r ON true ${rawJoin}
      WHERE ${rawWhere.join(' AND ')}
    ), raw_bins AS (
      SELECT hour, day, part, synth_duration_bin(duration_ms) AS bin, count(*)::integer AS n
      FROM raw WHERE status <> 'FAIL' GROUP BY 1, 2, 3, 4
    ), raw_histograms AS (
      SELECT hour, day, part, array_agg(bin ORDER BY bin) AS bins, array_agg(n ORDER BY bin) AS counts
      FROM raw_bins GROUP BY 1, 2, 3
    ), raw_facts AS (
      SELECT hour, day, part, (array_agg(name ORDER BY at DESC))[1] AS name, count(*) AS runs,
        count(*) FILTER (WHERE status = 'OK') AS ok, count(*) FILTER (WHERE status = 'WARNING') AS warning,
        count(*) FILTER (WHERE status = 'FAIL') AS fail, count(*) FILTER (WHERE status <> 'FAIL') AS duration_count,
        sum(duration_ms) FILTER (WHERE status <> 'FAIL') AS duration_sum_ms,
        min(duration_ms) FILTER (WHERE status <> 'FAIL') AS duration_min_ms,
        max(duration_ms) FILTER (WHERE status <> 'FAIL') AS duration_max_ms
      FROM raw GROUP BY 1, 2, 3
    )
    SELECT h.hour_start AS hour, to_char(h.hour_start AT TIME ZONE ${zone}, 'YYYY-MM-DD') AS day,
      ${rollupPart} AS part, ${rollupName} AS name, h.runs, h.ok, h.warning, h.fail, h.duration_count,
      h.duration_sum_ms, h.duration_min_ms, h.duration_max_ms, h.histogram_bins, h.histogram_counts
    FROM unnest(${parameters.add(rollup.froms, '::timestamptz[]')}, ${parameters.add(rollup.tos, '::timestamptz[]')}) AS p(from_at, to_at)
    JOIN ${table} h ON true
    WHERE ${rollupWhere.join(' AND ')}
    UNION ALL
    SELECT h.day_start, to_char(h.day_start AT TIME ZONE ${zone}, 'YYYY-MM-DD'),
      ${rollupPart}, ${rollupName}, h.runs, h.ok, h.warning, h.fail, h.duration_count,
      h.duration_sum_ms, h.duration_min_ms, h.duration_max_ms, h.histogram_bins, h.histogram_counts
    FROM unnest(${parameters.add(days.froms, '::timestamptz[]')}, ${parameters.add(days.tos, '::timestamptz[]')}) AS p(from_at, to_at)
    JOIN ${dayTable} h ON true
    WHERE ${dayWhere.join(' AND ')}
    UNION ALL
    SELECT f.hour, f.day, f.part, f.name, f.runs, f.ok, f.warning, f.fail, f.duration_count, f.duration_sum_ms,
      f.duration_min_ms, f.duration_max_ms, coalesce(b.bins, '{}'), coalesce(b.counts, '{}')
    FROM raw_facts f LEFT JOIN raw_histograms b USING (hour, day, part)`;
}

/** The SQL of a run's bucket (index into durationBuckets, 1-based as SQL arrays), for the raw edges. */
const bucketCase = (duration: string) =>
  `CASE ${durationBuckets
    .slice(0, -1)
    .map((bucket, index) => `WHEN ${duration} < ${(bucket.to_s ?? 0) * 1000} THEN ${index + 1}`)
    .join(' ')} ELSE ${durationBuckets.length} END`;

/**
 * Run facts from the quarter rollups (whole UTC quarter hours) and the runs of the edges, summed in
 * the server per (UTC hour, or none when `interval` is day; local day; location), histograms and
 * bucket counts merged.
 */
function quarterFactsSql(
  transactionId: string,
  filters: RunFilters,
  ranges: readonly PeriodRange[],
  tz: string,
  interval: Interval,
  parameters: SqlParameters,
): string {
  // Added on first use, as the filters below: an empty period has no branch that refers to them.
  let zoneParameter: string | undefined;
  let transactionParameter: string | undefined;
  const zone = () => (zoneParameter ??= parameters.add(tz, '::text'));
  const transaction = () => (transactionParameter ??= parameters.add(transactionId, '::uuid'));
  // Day points need no hour: one group per local day and location (epoch stands for "none").
  const hour = (at: string) =>
    interval === 'hour' ? `date_trunc('hour', ${at}, 'UTC')` : "'epoch'::timestamptz";
  const day = (at: string) => `to_char(${at} AT TIME ZONE ${zone()}, 'YYYY-MM-DD')`;
  const buckets = durationBuckets.length;
  // Added on first use: a parameter no branch refers to has no type PostgreSQL could infer.
  let quarterConditions: string[] | undefined;
  let rawConditions: string[] | undefined;
  const quarterFilters = () => (quarterConditions ??= filterConditions(filters, quarterColumns, parameters));
  const rawFilters = () => (rawConditions ??= filterConditions(filters, runColumns, parameters));
  const where = (time: string, from: string, to: string, conditions: string[]) =>
    [`${time} >= ${from}`, `${time} < ${to}`, ...conditions].join(' AND ');
  const branches = [
    `
      SELECT NULL::timestamptz AS hour, NULL::text AS day, NULL::text AS part, 0::bigint AS runs, 0::bigint AS ok,
        0::bigint AS warning, 0::bigint AS fail, 0::bigint AS duration_count, NULL::bigint AS duration_sum_ms,
        NULL::bigint AS duration_min_ms, NULL::bigint AS duration_max_ms, '{}'::smallint[] AS histogram_bins,
        '{}'::integer[] AS histogram_counts, '{}'::integer[] AS bucket_counts
      WHERE false`,
    rangeBranches(
      ranges,
      'quarters',
      parameters,
      ({ from, to }) => `
      SELECT ${hour('q.quarter_start')}, ${day('q.quarter_start')}, q.location, q.runs, q.ok, q.warning, q.fail,
        q.duration_count, q.duration_sum_ms, q.duration_min_ms, q.duration_max_ms, q.histogram_bins,
        q.histogram_counts, q.bucket_counts
      FROM synth_transaction_quarters q
      WHERE ${where('q.quarter_start', from, to, [
        `q.transaction_id = ${transaction()}`,
        ...quarterFilters(),
      ])}`,
      '',
    ),
    rangeBranches(
      ranges,
      'raw',
      parameters,
      ({ from, to }) => `
      SELECT ${hour('r.started_at')}, ${day('r.started_at')}, ${runColumns.location}, 1, (r.status = 'OK')::int,
        (r.status = 'WARNING')::int, (r.status = 'FAIL')::int, d.count, d.ms, d.ms, d.ms,
        CASE WHEN d.ms IS NULL THEN '{}'::smallint[] ELSE ARRAY[synth_duration_bin(d.ms)] END,
        CASE WHEN d.ms IS NULL THEN '{}'::integer[] ELSE ARRAY[1] END,
        CASE WHEN d.ms IS NULL THEN array_fill(0, ARRAY[${buckets}])
             ELSE array_fill(0, ARRAY[${bucketCase('d.ms')} - 1]) || 1 ||
                  array_fill(0, ARRAY[${buckets} - ${bucketCase('d.ms')}]) END
      FROM synth_runs r
      CROSS JOIN LATERAL (SELECT CASE WHEN r.status = 'FAIL' THEN NULL ELSE r.duration_ms END AS ms,
                                 (r.status <> 'FAIL')::int AS count) AS d
      WHERE ${where('r.started_at', from, to, [`r.transaction_id = ${transaction()}`, ...rawFilters()])}`,
      '',
    ),
  ].filter((branch) => branch !== '');
  const bucketSums = durationBuckets.map((_, index) => `sum(bucket_counts[${index + 1}])`).join(', ');
  return `
    WITH facts AS (${branches.join('\n      UNION ALL')}
    ), bins AS (
      SELECT f.hour, f.day, f.part, b.bin, sum(b.n)::bigint AS n
      FROM facts f, unnest(f.histogram_bins, f.histogram_counts) AS b(bin, n)
      GROUP BY 1, 2, 3, 4
    ), histograms AS (
      SELECT hour, day, part, array_agg(bin ORDER BY bin) AS bins, array_agg(n ORDER BY bin) AS counts
      FROM bins GROUP BY 1, 2, 3
    )
    SELECT f.hour, f.day, f.part, NULL::text AS name, sum(f.runs) AS runs, sum(f.ok) AS ok,
      sum(f.warning) AS warning, sum(f.fail) AS fail, sum(f.duration_count) AS duration_count,
      sum(f.duration_sum_ms) AS duration_sum_ms, min(f.duration_min_ms) AS duration_min_ms,
      max(f.duration_max_ms) AS duration_max_ms, coalesce(h.bins, '{}') AS histogram_bins,
      coalesce(h.counts, '{}') AS histogram_counts, ARRAY[${bucketSums}] AS bucket_counts
    FROM facts f LEFT JOIN histograms h USING (hour, day, part)
    GROUP BY f.hour, f.day, f.part, h.bins, h.counts`;
}

/** The columns of synth_transaction_quarters (alias `q`); it has no robot (such a query reads the hours). */
const quarterColumns: Record<keyof typeof rollupColumns, string> = {
  ...rollupColumns,
  project: 'q.project',
  service: 'q.service',
  transaction: 'q.transaction_id',
  robot: 'NULL',
  location: 'q.location',
  environment: 'q.environment',
};

/** The bucket (index into durationBuckets) wholly holding a histogram bin; undefined when an edge cuts it. */
function bucketOfBin(bin: number): number | undefined {
  const [low, high] = binEdges(bin);
  const index = durationBuckets.findIndex(
    (bucket) => low >= bucket.from_s * 1000 && (bucket.to_s === null || high <= bucket.to_s * 1000),
  );
  return index === -1 ? undefined : index;
}

/**
 * Non-FAIL runs per MVP bucket, exact: the histograms' bins where a bin lies inside one bucket; the
 * runs of every hour holding a duration in a bin an edge cuts through (all of that hour's runs, so
 * nothing is counted twice).
 */
async function durationDistribution(
  pool: Pool,
  transactionId: string,
  filters: RunFilters,
  period: Period,
  facts: readonly FactRow[],
): Promise<number[]> {
  const counts = durationBuckets.map(() => 0);
  const cutHours = new Set<number>();
  for (const row of facts)
    if (row.histogram_bins.some((bin) => bucketOfBin(bin) === undefined)) cutHours.add(row.hour.getTime());
  for (const row of facts) {
    if (cutHours.has(row.hour.getTime())) continue;
    for (const [index, bin] of row.histogram_bins.entries()) {
      const bucket = bucketOfBin(bin) as number;
      counts[bucket] = (counts[bucket] ?? 0) + Number(row.histogram_counts[index] ?? 0);
    }
  }
  if (cutHours.size === 0) return counts;
  const parameters = new SqlParameters();
  const hours = parameters.add(
    [...cutHours].map((hour) => new Date(hour).toISOString()),
    '::timestamptz[]',
  );
  const where = [
    `r.transaction_id = ${parameters.add(transactionId, '::uuid')}`,
    `r.started_at >= greatest(k.hour, ${parameters.add(period.from, '::timestamptz')})`,
    `r.started_at < least(k.hour + interval '1 hour', ${parameters.add(period.to, '::timestamptz')})`,
    "r.status <> 'FAIL'",
    ...filterConditions(filters, runColumns, parameters),
  ];
  const buckets = durationBuckets.map((bucket, index) => ({
    count: `count(*) FILTER (WHERE r.duration_ms >= ${bucket.from_s * 1000}${bucket.to_s === null ? '' : ` AND r.duration_ms < ${bucket.to_s * 1000}`}) AS b${index}`,
    sum: `sum(c.b${index}) AS b${index}`,
  }));
  // LATERAL: one index range scan per hour (a plain join scanned every run of the transaction).
  const { rows } = await pool.query<Record<string, string | null>>(
    `SELECT ${buckets.map((bucket) => bucket.sum).join(', ')}
     FROM unnest(${hours}) AS k(hour)
     CROSS JOIN LATERAL (
       SELECT ${buckets.map((bucket) => bucket.count).join(', ')} FROM synth_runs r WHERE ${where.join(' AND ')}
     ) AS c`,
    parameters.values,
  );
  return counts.map((count, index) => count + Number(rows[0]?.[`b${index}`] ?? 0));
}

/**
 * The step facts summed per step in the server (a month of one transaction is thousands of rollup
 * rows, a handful of steps): one row per step index, its histogram merged bin by bin, its newest
 * name and hour.
 */
function perStepSql(facts: string): string {
  return `
    WITH facts AS (${facts}
    ), bins AS (
      SELECT f.part, b.bin, sum(b.n)::bigint AS n
      FROM facts f, unnest(f.histogram_bins, f.histogram_counts) AS b(bin, n)
      GROUP BY 1, 2
    ), histograms AS (
      SELECT part, array_agg(bin ORDER BY bin) AS bins, array_agg(n ORDER BY bin) AS counts FROM bins GROUP BY 1
    )
    SELECT max(f.hour) AS hour, '' AS day, f.part, (array_agg(f.name ORDER BY f.hour DESC))[1] AS name,
      sum(f.runs) AS runs, sum(f.ok) AS ok, sum(f.warning) AS warning, sum(f.fail) AS fail,
      sum(f.duration_count) AS duration_count, sum(f.duration_sum_ms) AS duration_sum_ms,
      min(f.duration_min_ms) AS duration_min_ms, max(f.duration_max_ms) AS duration_max_ms,
      coalesce(h.bins, '{}') AS histogram_bins, coalesce(h.counts, '{}') AS histogram_counts
    FROM facts f LEFT JOIN histograms h USING (part)
    GROUP BY f.part, h.bins, h.counts`;
}

export interface BandFigures {
  p10_ms: number | null;
  p50_ms: number | null;
  p90_ms: number | null;
}

export interface StoredBaseline extends BandFigures {
  series_key: string;
  state: string;
  window_runs: number;
  newest_run_at: Date;
  availability: number | null;
  hours: Array<BandFigures & { hour_of_week: number }>;
}

export interface TransactionDetailRequest {
  transactionId: string;
  /** location, robot, environment (the transaction is the path's). */
  filters: RunFilters;
  period: Period;
  tz: string;
  interval: Interval;
}

export interface TransactionDetail {
  transaction: {
    transaction_id: string;
    name: string | null;
    service: string | null;
    project: string | null;
  };
  summary: Figures;
  baseline: StoredBaseline | null;
  points: Array<Figures & { from: Date; to: Date; band: BandFigures | null }>;
  forecast: Array<{
    day: string;
    p50_ms: number | null;
    availability: number | null;
    computed_at: Date;
    based_on_days: number;
    method: string;
  }>;
  locations: Array<
    Figures & {
      location: string | null;
      latitude: number | null;
      longitude: number | null;
      slower_than_others_percent: number | null;
    }
  >;
  steps: Array<
    Figures & {
      index: number;
      name: string;
      fail_percent: number | null;
      failure_share_percent: number | null;
    }
  >;
  distribution: Array<{ from_s: number; to_s: number | null; runs: number }>;
  daily: Array<{ day: string; runs: number; ok: number; warning: number; fail: number }>;
}

/** The transaction as the catalogue or its definition knows it; undefined when neither does. */
async function transactionOf(pool: Pool, transactionId: string) {
  const { rows } = await pool.query<{ name: string | null; service: string | null; project: string | null }>(
    `SELECT t.name, t.service, t.project FROM synth_transactions t WHERE t.transaction_id = $1::uuid
     UNION ALL
     SELECT d.name, NULL, NULL FROM synth_definitions d WHERE d.uuid = $1::uuid AND d.deleted_at IS NULL
     LIMIT 1`,
    [transactionId],
  );
  return rows[0];
}

const bandOf = (band: Partial<BandFigures> | undefined): BandFigures | null =>
  band === undefined
    ? null
    : { p10_ms: band.p10_ms ?? null, p50_ms: band.p50_ms ?? null, p90_ms: band.p90_ms ?? null };

export async function transactionDetail(
  pool: Pool,
  request: TransactionDetailRequest,
): Promise<TransactionDetail | undefined> {
  const { transactionId, filters, period, tz, interval } = request;
  const transaction = await transactionOf(pool, transactionId);
  if (transaction === undefined) return undefined;

  // The quarters have every filter's column but the robot's.
  const { byQuarters, ranges } = await zonedRanges(pool, period, tz, filters.robot === undefined);
  const seriesKey = `${transactionId}|run|${filters.location ?? '*'}`;
  const runParameters = new SqlParameters();
  const stepParameters = new SqlParameters();
  const [runFacts, stepFacts, baselines, forecasts, days, places] = await Promise.all([
    pool.query<FactRow>(
      byQuarters
        ? quarterFactsSql(transactionId, filters, ranges, tz, interval, runParameters)
        : factsSql('runs', transactionId, filters, ranges, tz, runParameters),
      runParameters.values,
    ),
    // Per step over the whole period: no zone, so whole UTC days from the daily rows.
    pool.query<FactRow>(
      perStepSql(
        factsSql('steps', transactionId, filters, splitPeriodByDays('current', period), tz, stepParameters),
      ),
      stepParameters.values,
    ),
    pool.query<StoredBaseline & { hours: Array<Record<string, unknown>> }>(
      `SELECT series_key, state, window_runs, newest_run_at, p10_ms, p50_ms, p90_ms, availability, hours
       FROM synth_baselines WHERE series_key = $1`,
      [seriesKey],
    ),
    pool.query<{
      day: string;
      p50_ms: number | null;
      availability: number | null;
      computed_at: Date;
      based_on_days: number;
      method: string;
    }>(
      // Forecast days are UTC days (the baseline worker's); those of the period and the 7 after it.
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, p50_ms, availability, computed_at, based_on_days, method
       FROM synth_forecasts
       WHERE transaction_id = $1::uuid AND day >= ($2::timestamptz AT TIME ZONE 'UTC')::date
         AND day <= ($3::timestamptz AT TIME ZONE 'UTC')::date + 7
       ORDER BY day`,
      [transactionId, period.from, period.to],
    ),
    // Every local day of the period, its start and end as instants (clipped to the period): local
    // midnights (timestamp without zone) placed in the zone, so a day of a DST change has 23 or 25 hours.
    pool.query<{ day: string; from_at: Date; to_at: Date }>(
      `SELECT to_char(d, 'YYYY-MM-DD') AS day,
         greatest($1::timestamptz, d::timestamp AT TIME ZONE $3) AS from_at,
         least($2::timestamptz, (d + interval '1 day') AT TIME ZONE $3) AS to_at
       FROM generate_series(($1::timestamptz AT TIME ZONE $3)::date::timestamp,
                            (($2::timestamptz - interval '1 microsecond') AT TIME ZONE $3)::date::timestamp,
                            interval '1 day') AS d
       WHERE $1::timestamptz < $2::timestamptz`,
      [period.from, period.to, tz],
    ),
    pool.query<{ location: string; latitude: number | null; longitude: number | null }>(
      `SELECT synth_location_key(country, region, city) AS location, latitude, longitude FROM synth_locations`,
    ),
  ]);

  const total = new Tally();
  const byHour = new Map<number, Tally>();
  const byDay = new Map<string, Tally>();
  const byLocation = new Map<string, Tally>();
  for (const row of runFacts.rows) {
    total.add(row);
    const hour = row.hour.getTime();
    for (const [map, key] of [
      [byHour, hour],
      [byDay, row.day],
      [byLocation, row.part],
    ] as Array<[Map<unknown, Tally>, unknown]>) {
      const tally = map.get(key) ?? new Tally();
      map.set(key, tally);
      tally.add(row);
    }
  }

  const [baselineRow] = baselines.rows;
  const baseline: StoredBaseline | null =
    baselineRow === undefined
      ? null
      : {
          ...baselineRow,
          hours: baselineRow.hours.map((hour) => ({
            hour_of_week: Number(hour.hour_of_week),
            ...(bandOf(hour as Partial<BandFigures>) as BandFigures),
          })),
        };
  // A learning band is provisional (nothing is judged against it): no band is drawn, as in the metrics.
  const ready = baseline !== null && baseline.state === 'ready';
  const hourBands = new Map(baseline?.hours.map((hour) => [hour.hour_of_week, hour]));

  const points: TransactionDetail['points'] = [];
  if (interval === 'hour') {
    const hourMs = 3_600_000;
    for (
      let hour = Math.floor(period.from.getTime() / hourMs) * hourMs;
      hour < period.to.getTime();
      hour += hourMs
    ) {
      points.push({
        from: new Date(Math.max(hour, period.from.getTime())),
        to: new Date(Math.min(hour + hourMs, period.to.getTime())),
        ...(byHour.get(hour) ?? new Tally()).figures(),
        band: ready ? bandOf(hourBands.get(hourOfWeek(hour))) : null,
      });
    }
  } else {
    for (const day of days.rows)
      points.push({
        from: day.from_at,
        to: day.to_at,
        ...(byDay.get(day.day) ?? new Tally()).figures(),
        band: ready ? bandOf(baseline) : null,
      });
  }

  const coordinates = new Map(places.rows.map((place) => [place.location, place]));
  const locations = [...byLocation.entries()].map(([location, tally]) => {
    const others = new Tally();
    for (const [other, otherTally] of byLocation) {
      if (other === location) continue;
      others.runs += otherTally.runs;
      others.durations += otherTally.durations;
      const histogram = otherTally.histogram.histogram();
      others.histogram.add(histogram.bins, histogram.counts, histogram.minMs, histogram.maxMs);
    }
    const own = tally.p50();
    const theirs = others.p50();
    const place = coordinates.get(location);
    return {
      location: location === '' ? null : location,
      latitude: place?.latitude ?? null,
      longitude: place?.longitude ?? null,
      ...tally.figures(),
      slower_than_others_percent:
        own === null || theirs === null || theirs === 0 ? null : 100 * (own / theirs - 1),
    };
  });
  locations.sort(
    (a, b) =>
      (b.slower_than_others_percent ?? -Infinity) - (a.slower_than_others_percent ?? -Infinity) ||
      String(a.location).localeCompare(String(b.location)),
  );

  // One row per step (perStepSql), with its newest name.
  const byStep = new Map<number, { tally: Tally; name: string }>();
  for (const row of stepFacts.rows) {
    const tally = new Tally();
    tally.add(row);
    byStep.set(Number(row.part), { tally, name: row.name ?? '' });
  }
  const stepFails = [...byStep.values()].reduce((sum, step) => sum + step.tally.fail, 0);
  const steps = [...byStep.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, step]) => ({
      index,
      name: step.name,
      ...step.tally.figures(),
      fail_percent: step.tally.runs === 0 ? null : (100 * step.tally.fail) / step.tally.runs,
      failure_share_percent: stepFails === 0 ? null : (100 * step.tally.fail) / stepFails,
    }));

  const distribution = byQuarters
    ? durationBuckets.map((_, index) =>
        runFacts.rows.reduce((sum, row) => sum + Number(row.bucket_counts?.[index] ?? 0), 0),
      )
    : await durationDistribution(pool, transactionId, filters, period, runFacts.rows);
  return {
    transaction: { transaction_id: transactionId, ...transaction },
    summary: total.figures(),
    baseline,
    points,
    forecast: forecasts.rows,
    locations,
    steps,
    distribution: durationBuckets.map((bucket, index) => ({ ...bucket, runs: distribution[index] ?? 0 })),
    daily: days.rows.map(({ day }) => {
      const tally = byDay.get(day) ?? new Tally();
      return { day, runs: tally.runs, ok: tally.ok, warning: tally.warning, fail: tally.fail };
    }),
  };
}
