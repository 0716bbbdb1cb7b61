// The transaction list's figures: per transaction of a list, its runs, p50 and p90 over a period,
// a trend of the period in `points` equal buckets (runs, SLA, p50) and its newest run ever.
//
// Exact for any edges, as the reports (period.ts): each bucket is read as its whole UTC days from
// synth_run_days, the whole hours around them from synth_run_hours, the whole quarter hours around
// those from synth_transaction_quarters and the minutes left from the runs. A bucket's edge rarely
// falls on an hour (30 days in 24 points from 10:17 puts every edge at :17), and a transaction run
// every 5 minutes from 3 locations is 36 runs an hour but 3 hourly rows: the quarters keep the runs
// read to under 15 minutes each side of an edge. Every slice is its own SELECT for all the transactions at
// once (an index range scan per id on the (transaction_id, start) indexes), and the rows are summed
// per transaction and bucket in the server: 50 transactions over 30 days is ~100,000 rollup rows
// read and 1,200 sent. A row goes to its bucket by its start (width_bucket over the buckets'
// starts): the slices were cut at the buckets' edges, so no row straddles two buckets.
//
// p50/p90 are those of the transaction detail (its Tally over the same rollup histograms, raw runs
// binned by synth_duration_bin as the writer bins them): within a factor 2^(1/8) of the exact
// percentile of the non-FAIL runs.
import type { Pool } from 'pg';
import { SqlParameters } from './filters.ts';
import {
  type Period,
  type PeriodRange,
  rangeBranches,
  splitPeriodByDays,
  splitPeriodByQuarters,
} from './period.ts';
import { type FigureRow, type Figures, Tally } from './transaction-detail.ts';

export interface TransactionSummaryRequest {
  /** Distinct lower-case transaction_ids, in the order the answer keeps. */
  transactionIds: readonly string[];
  period: Period;
  /** Buckets of the trend. */
  points: number;
}

export interface TransactionSummary {
  transactionId: string;
  figures: Figures;
  trend: Array<{ from: Date; figures: Figures }>;
  lastRun: { robotId: string; resultId: string; status: string; startedAt: Date } | null;
}

/** The starts of `points` equal buckets of the period, in whole ms (the last ends at period.to). */
export function bucketStarts(period: Period, points: number): Date[] {
  const from = period.from.getTime();
  const length = period.to.getTime() - from;
  return Array.from({ length: points }, (_, index) => new Date(from + Math.round((index * length) / points)));
}

/** The slices of every bucket, neighbours of the same source joined (fewer SELECTs, same rows). */
export function bucketRanges(period: Period, starts: readonly Date[]): PeriodRange[] {
  const ranges: PeriodRange[] = [];
  for (const [index, from] of starts.entries()) {
    const to = starts[index + 1] ?? period.to;
    const pieces = splitPeriodByDays('current', { from, to }).flatMap((range) =>
      range.source === 'raw' ? splitPeriodByQuarters('current', range) : [range],
    );
    for (const range of pieces) {
      const last = ranges.at(-1);
      if (last !== undefined && last.source === range.source && last.to.getTime() === range.from.getTime())
        last.to = range.to;
      else ranges.push({ ...range });
    }
  }
  return ranges;
}

type BucketRow = FigureRow & { transaction_id: string; bucket: number };

function bucketsSql(
  transactionIds: readonly string[],
  ranges: readonly PeriodRange[],
  starts: readonly Date[],
  parameters: SqlParameters,
): string {
  const ids = parameters.add(transactionIds, '::uuid[]');
  const rollup = (table: string, start: string) => (range: { from: string; to: string }) => `
      SELECT h.transaction_id, h.${start} AS at, h.runs, h.ok, h.warning, h.fail, h.duration_count,
        h.duration_sum_ms, h.duration_min_ms, h.duration_max_ms, h.histogram_bins, h.histogram_counts
      FROM ${table} h
      WHERE h.transaction_id = ANY(${ids}) AND h.${start} >= ${range.from} AND h.${start} < ${range.to}`;
  const branches = [
    // Typed columns for a period with no slice of some source (or none at all).
    `
      SELECT NULL::uuid AS transaction_id, NULL::timestamptz AS at, 0::bigint AS runs, 0::bigint AS ok,
        0::bigint AS warning, 0::bigint AS fail, 0::bigint AS duration_count, NULL::bigint AS duration_sum_ms,
        NULL::bigint AS duration_min_ms, NULL::bigint AS duration_max_ms, '{}'::smallint[] AS histogram_bins,
        '{}'::integer[] AS histogram_counts
      WHERE false`,
    rangeBranches(ranges, 'days', parameters, rollup('synth_run_days', 'day_start'), ''),
    rangeBranches(ranges, 'rollup', parameters, rollup('synth_run_hours', 'hour_start'), ''),
    rangeBranches(ranges, 'quarters', parameters, rollup('synth_transaction_quarters', 'quarter_start'), ''),
    rangeBranches(
      ranges,
      'raw',
      parameters,
      (range) => `
      SELECT r.transaction_id, r.started_at, 1, (r.status = 'OK')::int, (r.status = 'WARNING')::int,
        (r.status = 'FAIL')::int, d.count, d.ms, d.ms, d.ms,
        CASE WHEN d.ms IS NULL THEN '{}'::smallint[] ELSE ARRAY[synth_duration_bin(d.ms)] END,
        CASE WHEN d.ms IS NULL THEN '{}'::integer[] ELSE ARRAY[1] END
      FROM synth_runs r
      CROSS JOIN LATERAL (SELECT CASE WHEN r.status = 'FAIL' THEN NULL ELSE r.duration_ms END AS ms,
                                 (r.status <> 'FAIL')::int AS count) AS d
      WHERE r.transaction_id = ANY(${ids}) AND r.started_at >= ${range.from} AND r.started_at < ${range.to}`,
      '',
    ),
  ].filter((branch) => branch !== '');
  const thresholds = parameters.add(
    starts.map((start) => start.toISOString()),
    '::timestamptz[]',
  );
  // The facts are read twice, for the counts and for the bins, rather than materialized once: the
  // ~100,000 rows of a month spilled to disk and the whole took twice as long. The bins unnested
  // in the select list (a ProjectSet) took a third less than a lateral unnest.
  return `
    WITH facts AS NOT MATERIALIZED (
      SELECT width_bucket(f.at, ${thresholds}) - 1 AS bucket, f.*
      FROM (${branches.join('\n      UNION ALL')}
      ) f
    ), counts AS (
      SELECT transaction_id, bucket, sum(runs) AS runs, sum(ok) AS ok, sum(warning) AS warning,
        sum(fail) AS fail, sum(duration_count) AS duration_count, sum(duration_sum_ms) AS duration_sum_ms,
        min(duration_min_ms) AS duration_min_ms, max(duration_max_ms) AS duration_max_ms
      FROM facts GROUP BY 1, 2
    ), bins AS (
      SELECT transaction_id, bucket, bin, sum(n)::bigint AS n
      FROM (SELECT transaction_id, bucket, unnest(histogram_bins) AS bin, unnest(histogram_counts) AS n FROM facts) b
      GROUP BY 1, 2, 3
    ), histograms AS (
      SELECT transaction_id, bucket, array_agg(bin ORDER BY bin) AS bins, array_agg(n ORDER BY bin) AS counts
      FROM bins GROUP BY 1, 2
    )
    SELECT c.*, coalesce(h.bins, '{}') AS histogram_bins, coalesce(h.counts, '{}') AS histogram_counts
    FROM counts c LEFT JOIN histograms h USING (transaction_id, bucket)`;
}

export async function transactionSummaries(
  pool: Pool,
  request: TransactionSummaryRequest,
): Promise<TransactionSummary[]> {
  const { transactionIds, period, points } = request;
  const starts = bucketStarts(period, points);
  const parameters = new SqlParameters();
  const sql = bucketsSql(transactionIds, bucketRanges(period, starts), starts, parameters);
  const [buckets, newest] = await Promise.all([
    pool.query<BucketRow>(sql, parameters.values),
    // The newest run of each (one step back along synth_runs_transaction_started_key), and whether
    // the id names a transaction at all: one that has not run yet (a definition) is listed too.
    pool.query<{
      transaction_id: string;
      known: boolean;
      robot_id: string | null;
      result_id: string | null;
      status: string | null;
      started_at: Date | null;
    }>(
      `SELECT t.id AS transaction_id, r.robot_id, r.result_id, r.status, r.started_at,
         r.result_id IS NOT NULL
           OR EXISTS (SELECT 1 FROM synth_transactions c WHERE c.transaction_id = t.id)
           OR EXISTS (SELECT 1 FROM synth_definitions d WHERE d.uuid = t.id AND d.deleted_at IS NULL) AS known
       FROM unnest($1::uuid[]) AS t(id)
       LEFT JOIN LATERAL (
         SELECT robot_id, result_id, status, started_at FROM synth_runs
         WHERE transaction_id = t.id ORDER BY started_at DESC, robot_id DESC, result_id DESC LIMIT 1
       ) r ON true`,
      [transactionIds],
    ),
  ]);
  // The whole period's histogram is the sum of its buckets' (rows of one bucket each).
  const tallies = new Map<string, { total: Tally; trend: Tally[] }>();
  for (const row of buckets.rows) {
    let tally = tallies.get(row.transaction_id);
    if (tally === undefined) {
      tally = { total: new Tally(), trend: starts.map(() => new Tally()) };
      tallies.set(row.transaction_id, tally);
    }
    tally.total.add(row);
    tally.trend[row.bucket]?.add(row);
  }
  const newestOf = new Map(newest.rows.map((row) => [row.transaction_id, row]));
  return transactionIds.flatMap((id) => {
    const last = newestOf.get(id);
    const tally = tallies.get(id);
    if (tally === undefined && last?.known !== true) return [];
    const { total, trend } = tally ?? { total: new Tally(), trend: starts.map(() => new Tally()) };
    return [
      {
        transactionId: id,
        figures: total.figures(),
        trend: trend.map((bucket, index) => ({ from: starts[index] as Date, figures: bucket.figures() })),
        lastRun:
          last === undefined || last.result_id === null
            ? null
            : {
                robotId: last.robot_id as string,
                resultId: last.result_id,
                status: last.status as string,
                startedAt: last.started_at as Date,
              },
      },
    ];
  });
}
