-- Quarter-hour rollups for the duration heatmap (console/queries/heatmap.ts): weekday × hour in any
-- time zone, for a transaction, a service, a project or everything.
--
-- The hourly rows of 0005 are per (hour, transaction, robot): a project's month is every one of its
-- series' 720 hours (432,000 rows with their histograms for 200 transactions × 3 locations), and a
-- UTC hour is not one local hour in a zone whose offset is not a whole hour (Asia/Kolkata +05:30,
-- Asia/Kathmandu +05:45), which sent those heatmaps to the raw runs. Every zone's offset is a whole
-- number of quarter hours, so a UTC quarter hour is inside one local hour everywhere, and here the
-- quarters are summed over the robots of a location (synth_transaction_quarters: 2,880 rows per
-- location for a transaction's month) and over the transactions and locations of a service
-- (synth_service_quarters: 2,880 rows per service). The transaction detail reads its points by local
-- day or hour and its per-location figures from the same rows, in any zone.
--
-- Derived, never incremented, as 0005: synth-store recomputes the rows of every (quarter,
-- transaction) a batch touched from synth_runs, and the service rows those transactions are part of
-- (before and after) from the transaction rows, in the write transaction; a redelivery or a replay
-- leaves every row as it was. Figures as in 0005: runs and their statuses, and count, sum, min, max
-- and the sparse histogram (synth_duration_bin) of the non-FAIL runs' durations; and those durations
-- counted exactly in the duration buckets of the transaction detail (0–30, 30–60, 60–120, 120–300,
-- 300+ s: console/queries/transaction-detail.ts durationBuckets), which no histogram bin edge meets.
-- Optional parts are ''.

-- The quarter hour (UTC) an instant is in.
CREATE FUNCTION synth_quarter_start(at timestamptz) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN date_bin('15 minutes', at, timestamptz '2000-01-01 00:00:00+00');

CREATE TABLE synth_transaction_quarters (
  quarter_start    timestamptz NOT NULL,
  transaction_id   uuid NOT NULL,
  location         text NOT NULL,
  project          text NOT NULL,
  service          text NOT NULL,
  environment      text NOT NULL,
  runs             integer NOT NULL,
  ok               integer NOT NULL,
  warning          integer NOT NULL,
  fail             integer NOT NULL,
  duration_count   integer NOT NULL,
  duration_sum_ms  bigint,
  duration_min_ms  bigint,
  duration_max_ms  bigint,
  histogram_bins   smallint[] NOT NULL,
  histogram_counts integer[] NOT NULL,
  -- Non-FAIL runs per duration bucket, in order: under 30 s, 30–60, 60–120, 120–300, 300 s and over.
  bucket_counts    integer[] NOT NULL,
  PRIMARY KEY (quarter_start, transaction_id, location, project, service, environment)
);

CREATE INDEX synth_transaction_quarters_transaction ON synth_transaction_quarters (transaction_id, quarter_start);

CREATE TABLE synth_service_quarters (
  quarter_start    timestamptz NOT NULL,
  project          text NOT NULL,
  service          text NOT NULL,
  environment      text NOT NULL,
  runs             integer NOT NULL,
  ok               integer NOT NULL,
  warning          integer NOT NULL,
  fail             integer NOT NULL,
  duration_count   integer NOT NULL,
  duration_sum_ms  bigint,
  duration_min_ms  bigint,
  duration_max_ms  bigint,
  histogram_bins   smallint[] NOT NULL,
  histogram_counts integer[] NOT NULL,
  -- Non-FAIL runs per duration bucket, in order: under 30 s, 30–60, 60–120, 120–300, 300 s and over.
  bucket_counts    integer[] NOT NULL,
  PRIMARY KEY (quarter_start, project, service, environment)
);

CREATE INDEX synth_service_quarters_project ON synth_service_quarters (project, service, quarter_start);
CREATE INDEX synth_service_quarters_service ON synth_service_quarters (service, quarter_start);

-- Recompute the rows of the given (quarter_start, transaction_id) keys (the arrays read side by
-- side) and of the service quarters they belong to, from the rows stored now. The caller holds the
-- quarter lock (writer.ts): a service row sums transactions other writers write too.
CREATE FUNCTION synth_refresh_quarter_rollups(quarters timestamptz[], transactions uuid[])
  RETURNS void LANGUAGE sql AS $$
-- The service rows the keys' transactions were part of and are part of now go; the last statement
-- sums every service row that is then missing in those quarters.
DELETE FROM synth_service_quarters s
USING (
  SELECT t.quarter_start, t.project, t.service, t.environment
  FROM unnest(quarters, transactions) AS k(quarter_start, transaction_id)
  JOIN synth_transaction_quarters t ON t.quarter_start = k.quarter_start AND t.transaction_id = k.transaction_id
  UNION
  SELECT k.quarter_start, coalesce(r.project, ''), r.service, r.environment
  FROM unnest(quarters, transactions) AS k(quarter_start, transaction_id)
  JOIN synth_runs r ON r.transaction_id = k.transaction_id
   AND r.started_at >= k.quarter_start AND r.started_at < k.quarter_start + interval '15 minutes'
) AS g
WHERE s.quarter_start = g.quarter_start AND s.project = g.project AND s.service = g.service
  AND s.environment = g.environment;

DELETE FROM synth_transaction_quarters t
USING unnest(quarters, transactions) AS k(quarter_start, transaction_id)
WHERE t.quarter_start = k.quarter_start AND t.transaction_id = k.transaction_id;

INSERT INTO synth_transaction_quarters
WITH keys AS (
  SELECT DISTINCT * FROM unnest(quarters, transactions) AS k(quarter_start, transaction_id)
), facts AS (
  SELECT k.quarter_start, r.transaction_id,
         synth_location_key(r.location_country, r.location_region, r.location_city) AS location,
         coalesce(r.project, '') AS project, r.service, r.environment, r.status, r.duration_ms,
         CASE WHEN r.status <> 'FAIL' THEN synth_duration_bin(r.duration_ms) END AS bin
  FROM keys k
  JOIN synth_runs r ON r.transaction_id = k.transaction_id
   AND r.started_at >= k.quarter_start AND r.started_at < k.quarter_start + interval '15 minutes'
   -- Redundant with the range, but an equality to hash-join on when every key is refreshed (0005).
   AND synth_quarter_start(r.started_at) = k.quarter_start
), by_bin AS (
  -- One pass: figures per (row, bin) first, then per row with the bins gathered in order. (A join
  -- of separately grouped histograms was planned as a nested loop over the unnested keys, which
  -- PostgreSQL guesses at 10 rows: it grouped every run again per key, 20 s for a 5,000-run batch.)
  SELECT quarter_start, transaction_id, location, project, service, environment, bin,
         count(*) AS runs,
         count(*) FILTER (WHERE status = 'OK') AS ok,
         count(*) FILTER (WHERE status = 'WARNING') AS warning,
         count(*) FILTER (WHERE status = 'FAIL') AS fail,
         count(*) FILTER (WHERE status <> 'FAIL') AS n,
         sum(duration_ms) FILTER (WHERE status <> 'FAIL') AS duration_sum_ms,
         min(duration_ms) FILTER (WHERE status <> 'FAIL') AS duration_min_ms,
         max(duration_ms) FILTER (WHERE status <> 'FAIL') AS duration_max_ms,
         count(*) FILTER (WHERE status <> 'FAIL' AND duration_ms < 30000) AS b0,
         count(*) FILTER (WHERE status <> 'FAIL' AND duration_ms >= 30000 AND duration_ms < 60000) AS b1,
         count(*) FILTER (WHERE status <> 'FAIL' AND duration_ms >= 60000 AND duration_ms < 120000) AS b2,
         count(*) FILTER (WHERE status <> 'FAIL' AND duration_ms >= 120000 AND duration_ms < 300000) AS b3,
         count(*) FILTER (WHERE status <> 'FAIL' AND duration_ms >= 300000) AS b4
  FROM facts GROUP BY 1, 2, 3, 4, 5, 6, 7
)
SELECT quarter_start, transaction_id, location, project, service, environment,
       sum(runs)::integer, sum(ok)::integer, sum(warning)::integer, sum(fail)::integer, sum(n)::integer,
       sum(duration_sum_ms)::bigint, min(duration_min_ms), max(duration_max_ms),
       coalesce(array_agg(bin ORDER BY bin) FILTER (WHERE bin IS NOT NULL), '{}'),
       coalesce(array_agg(n::integer ORDER BY bin) FILTER (WHERE bin IS NOT NULL), '{}'),
       ARRAY[sum(b0), sum(b1), sum(b2), sum(b3), sum(b4)]::integer[]
FROM by_bin GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO synth_service_quarters
WITH missing AS (
  SELECT DISTINCT t.quarter_start, t.project, t.service, t.environment
  FROM (SELECT DISTINCT unnest(quarters) AS quarter_start) AS q
  JOIN synth_transaction_quarters t ON t.quarter_start = q.quarter_start
  WHERE NOT EXISTS (
      SELECT 1 FROM synth_service_quarters s
      WHERE s.quarter_start = t.quarter_start AND s.project = t.project AND s.service = t.service
        AND s.environment = t.environment)
), parts AS (
  SELECT t.* FROM missing m JOIN synth_transaction_quarters t USING (quarter_start, project, service, environment)
), by_bin AS (
  -- As above: per (row, bin), the histograms' bins unnested beside their counts, then per row.
  SELECT p.quarter_start, p.project, p.service, p.environment, b.bin,
         sum(b.n) AS n, NULL::bigint AS runs, NULL::bigint AS ok, NULL::bigint AS warning,
         NULL::bigint AS fail, NULL::bigint AS duration_count, NULL::bigint AS duration_sum_ms,
         NULL::bigint AS duration_min_ms, NULL::bigint AS duration_max_ms,
         NULL::bigint AS b0, NULL::bigint AS b1, NULL::bigint AS b2, NULL::bigint AS b3, NULL::bigint AS b4
  FROM parts p, unnest(p.histogram_bins, p.histogram_counts) AS b(bin, n)
  GROUP BY 1, 2, 3, 4, 5
  UNION ALL
  SELECT quarter_start, project, service, environment, NULL, NULL, sum(runs), sum(ok), sum(warning), sum(fail),
         sum(duration_count), sum(duration_sum_ms), min(duration_min_ms), max(duration_max_ms),
         sum(bucket_counts[1]), sum(bucket_counts[2]), sum(bucket_counts[3]), sum(bucket_counts[4]),
         sum(bucket_counts[5])
  FROM parts GROUP BY 1, 2, 3, 4
)
SELECT quarter_start, project, service, environment,
       sum(runs)::integer, sum(ok)::integer, sum(warning)::integer, sum(fail)::integer,
       sum(duration_count)::integer, sum(duration_sum_ms)::bigint, min(duration_min_ms), max(duration_max_ms),
       coalesce(array_agg(bin ORDER BY bin) FILTER (WHERE bin IS NOT NULL), '{}'),
       coalesce(array_agg(n::integer ORDER BY bin) FILTER (WHERE bin IS NOT NULL), '{}'),
       ARRAY[sum(b0), sum(b1), sum(b2), sum(b3), sum(b4)]::integer[]
FROM by_bin GROUP BY 1, 2, 3, 4;
$$;

-- The runs stored so far.
SELECT synth_refresh_quarter_rollups(array_agg(quarter_start), array_agg(transaction_id))
FROM (SELECT DISTINCT synth_quarter_start(started_at) AS quarter_start, transaction_id FROM synth_runs) AS stored;

-- Statistics now: until autovacuum gets to the new table, the planner takes it for empty (a
-- heatmap sorted 73,000 histogram bins instead of hashing them, 5x slower).
ANALYZE synth_transaction_quarters, synth_service_quarters;
