// The figures of the transaction list: per transaction, its p50 and p90 over a period, a trend of
// the period in buckets (runs, SLA, p50) and its newest run. Read from the rollups, never the runs:
// the whole UTC days inside the period from the daily rollups (synth_run_days) and the hours at its
// edges from the hourly ones (synth_run_hours), through their (transaction_id, start) indexes; the
// percentiles come from the rollups' histograms (duration-histogram.ts: within 9 %). So a list of
// 50 transactions over 30 days reads ~50 × 30 × robots day rows and up to 47 hours' rows of each.
import type { Pool } from 'pg';
import { HistogramSum, histogramPercentile } from './duration-histogram.ts';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
/**
 * Up to this long a period is read in hours (a week of 50 transactions: ~100 ms on the bench
 * database), beyond in whole days from the daily rollups (a month: ~60 ms; in hours ~400).
 */
const hourlyUpToMs = 8 * dayMs;

export interface TrendPoint {
  from: Date;
  runs: number;
  ok: number;
  p50Ms: number | null;
}

export interface TransactionSummary {
  transactionId: string;
  runs: number;
  ok: number;
  p50Ms: number | null;
  p90Ms: number | null;
  trend: TrendPoint[];
  lastRun: { robotId: string; resultId: string; status: string; startedAt: Date } | null;
}

interface BucketRow {
  transaction_id: string;
  bucket: number;
  runs: number;
  ok: number;
  min_ms: string | null;
  max_ms: string | null;
  bins: number[];
  counts: number[];
}

export async function transactionSummaries(
  pool: Pool,
  asked: { transactionIds: readonly string[]; from: Date; to: Date; points: number },
): Promise<TransactionSummary[]> {
  // A bucket holds the rollup rows (hours, days) that start in it, so each counts once: buckets of
  // whole hours for a short period, of whole UTC days beyond, the first starting at the hour (day)
  // the period starts in, as near `points` of them as whole units allow (24 h from 10:20 touch 25
  // hours: 25 buckets of an hour; 30 days touch 31 days: 31 buckets of a day).
  const firstHour = Math.floor(asked.from.getTime() / hourMs) * hourMs;
  const to = asked.to.getTime();
  const daily = to - firstHour > hourlyUpToMs;
  const unit = daily ? dayMs : hourMs;
  const start = Math.floor(firstHour / unit) * unit;
  const units = Math.ceil((to - start) / unit);
  const widthMs = Math.max(1, Math.round(units / asked.points)) * unit;
  const points = Math.ceil((to - start) / widthMs);
  // The whole UTC days inside the hours of the period come from the daily rollups.
  const firstDay = daily ? Math.ceil(firstHour / dayMs) * dayMs : to;
  const lastDay = daily ? Math.max(firstDay, Math.floor(to / dayMs) * dayMs) : to;
  const [buckets, newest] = await Promise.all([
    pool.query<BucketRow>(
      `WITH cells AS (
         SELECT transaction_id, hour_start AS at, runs, ok, duration_min_ms, duration_max_ms,
           histogram_bins, histogram_counts
         FROM synth_run_hours
         WHERE transaction_id = ANY($1::uuid[])
           AND ((hour_start >= $2 AND hour_start < $3) OR (hour_start >= $4 AND hour_start < $5))
         UNION ALL
         SELECT transaction_id, day_start, runs, ok, duration_min_ms, duration_max_ms,
           histogram_bins, histogram_counts
         FROM synth_run_days
         WHERE transaction_id = ANY($1::uuid[]) AND day_start >= $3 AND day_start < $4
       ),
       h AS (
         SELECT c.*, least(floor(extract(epoch FROM c.at - $6::timestamptz) * 1000 / $7)::int, $8 - 1) AS bucket
         FROM cells c
       ),
       bins AS (
         SELECT transaction_id, bucket, b.bin, sum(b.n)::int AS n
         FROM h, unnest(h.histogram_bins, h.histogram_counts) AS b(bin, n)
         GROUP BY 1, 2, 3
       ),
       histograms AS (
         SELECT transaction_id, bucket, array_agg(bin ORDER BY bin) AS bins, array_agg(n ORDER BY bin) AS counts
         FROM bins GROUP BY 1, 2
       )
       SELECT c.transaction_id, c.bucket, c.runs, c.ok, c.min_ms, c.max_ms,
         coalesce(x.bins, '{}') AS bins, coalesce(x.counts, '{}') AS counts
       FROM (
         SELECT transaction_id, bucket, sum(runs)::int AS runs, sum(ok)::int AS ok,
           min(duration_min_ms) AS min_ms, max(duration_max_ms) AS max_ms
         FROM h GROUP BY 1, 2
       ) c LEFT JOIN histograms x USING (transaction_id, bucket)`,
      [
        asked.transactionIds,
        new Date(firstHour),
        new Date(firstDay),
        new Date(lastDay),
        asked.to,
        new Date(start),
        widthMs,
        points,
      ],
    ),
    // The newest run of each, one step back along (transaction_id, started_at, …).
    pool.query<{
      transaction_id: string;
      robot_id: string;
      result_id: string;
      status: string;
      started_at: Date;
    }>(
      `SELECT t.id AS transaction_id, r.robot_id, r.result_id, r.status, r.started_at
       FROM unnest($1::uuid[]) AS t(id)
       CROSS JOIN LATERAL (
         SELECT robot_id, result_id, status, started_at FROM synth_runs
         WHERE transaction_id = t.id ORDER BY started_at DESC, robot_id DESC, result_id DESC LIMIT 1
       ) r`,
      [asked.transactionIds],
    ),
  ]);
  const lastOf = new Map(newest.rows.map((row) => [row.transaction_id, row]));
  const rowsOf = new Map<string, BucketRow[]>();
  for (const row of buckets.rows)
    rowsOf.set(row.transaction_id, [...(rowsOf.get(row.transaction_id) ?? []), row]);
  const number = (value: string | null) => (value === null ? null : Number(value));
  return asked.transactionIds.flatMap((id) => {
    const rows = rowsOf.get(id) ?? [];
    const last = lastOf.get(id);
    if (rows.length === 0 && last === undefined) return [];
    const whole = new HistogramSum();
    const trend: TrendPoint[] = Array.from({ length: points }, (_, bucket) => ({
      from: new Date(start + bucket * widthMs),
      runs: 0,
      ok: 0,
      p50Ms: null,
    }));
    for (const row of rows) {
      const point = trend[row.bucket];
      if (point === undefined) continue;
      const one = new HistogramSum();
      one.add(row.bins, row.counts, number(row.min_ms), number(row.max_ms));
      whole.add(row.bins, row.counts, number(row.min_ms), number(row.max_ms));
      Object.assign(point, { runs: row.runs, ok: row.ok, p50Ms: histogramPercentile(one.histogram(), 0.5) });
    }
    const histogram = whole.histogram();
    return [
      {
        transactionId: id,
        runs: trend.reduce((sum, point) => sum + point.runs, 0),
        ok: trend.reduce((sum, point) => sum + point.ok, 0),
        p50Ms: histogramPercentile(histogram, 0.5),
        p90Ms: histogramPercentile(histogram, 0.9),
        trend,
        lastRun:
          last === undefined
            ? null
            : {
                robotId: last.robot_id,
                resultId: last.result_id,
                status: last.status,
                startedAt: last.started_at,
              },
      },
    ];
  });
}
