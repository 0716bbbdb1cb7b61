-- Quarter-hour rollups per project (and environment), beside the transaction and service rows of
-- 0009: a project's heatmap then reads one row per quarter (2,880 for a month) instead of one per
-- service, whose histograms it had to merge (10 services: ~580,000 histogram bins for a month).
--
-- Derived, never incremented, as 0009: after a batch's transaction and service rows, synth-store
-- recomputes the project rows of every quarter the batch touched from the service rows
-- (a quarter has one row per service, so this is small), under the same quarter lock.

CREATE TABLE synth_project_quarters (
  quarter_start    timestamptz NOT NULL,
  project          text NOT NULL,
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
  bucket_counts    integer[] NOT NULL,
  PRIMARY KEY (quarter_start, project, environment)
);

CREATE INDEX synth_project_quarters_project ON synth_project_quarters (project, quarter_start);

-- Recompute the project rows of the given quarters from the service rows stored now.
CREATE FUNCTION synth_refresh_project_quarters(quarters timestamptz[])
  RETURNS void LANGUAGE sql AS $$
DELETE FROM synth_project_quarters p
USING (SELECT DISTINCT unnest(quarters) AS quarter_start) AS q
WHERE p.quarter_start = q.quarter_start;

INSERT INTO synth_project_quarters
WITH parts AS (
  SELECT s.quarter_start, s.project, s.environment, s.runs, s.ok, s.warning, s.fail, s.duration_count,
         s.duration_sum_ms, s.duration_min_ms, s.duration_max_ms, s.histogram_bins, s.histogram_counts,
         s.bucket_counts
  FROM (SELECT DISTINCT unnest(quarters) AS quarter_start) AS q
  JOIN synth_service_quarters s ON s.quarter_start = q.quarter_start
), by_bin AS (
  -- Per (row, bin) the histograms' bins beside their counts, and the other figures per row; then
  -- all of it per row in one pass (0009 says why not a join of the two).
  SELECT p.quarter_start, p.project, p.environment, b.bin, sum(b.n) AS n,
         NULL::bigint AS runs, NULL::bigint AS ok, NULL::bigint AS warning, NULL::bigint AS fail,
         NULL::bigint AS duration_count, NULL::bigint AS duration_sum_ms, NULL::bigint AS duration_min_ms,
         NULL::bigint AS duration_max_ms, NULL::bigint AS b0, NULL::bigint AS b1, NULL::bigint AS b2,
         NULL::bigint AS b3, NULL::bigint AS b4
  FROM parts p, unnest(p.histogram_bins, p.histogram_counts) AS b(bin, n)
  GROUP BY 1, 2, 3, 4
  UNION ALL
  SELECT quarter_start, project, environment, NULL, NULL, sum(runs), sum(ok), sum(warning), sum(fail),
         sum(duration_count), sum(duration_sum_ms), min(duration_min_ms), max(duration_max_ms),
         sum(bucket_counts[1]), sum(bucket_counts[2]), sum(bucket_counts[3]), sum(bucket_counts[4]),
         sum(bucket_counts[5])
  FROM parts GROUP BY 1, 2, 3
)
SELECT quarter_start, project, environment,
       sum(runs)::integer, sum(ok)::integer, sum(warning)::integer, sum(fail)::integer,
       sum(duration_count)::integer, sum(duration_sum_ms)::bigint, min(duration_min_ms), max(duration_max_ms),
       coalesce(array_agg(bin ORDER BY bin) FILTER (WHERE bin IS NOT NULL), '{}'),
       coalesce(array_agg(n::integer ORDER BY bin) FILTER (WHERE bin IS NOT NULL), '{}'),
       ARRAY[sum(b0), sum(b1), sum(b2), sum(b3), sum(b4)]::integer[]
FROM by_bin GROUP BY 1, 2, 3;

$$;

-- The service rows stored so far.
SELECT synth_refresh_project_quarters(array_agg(DISTINCT quarter_start)) FROM synth_service_quarters;

-- Statistics now: until autovacuum gets to the new table, the planner takes it for empty (a
-- heatmap sorted 73,000 histogram bins instead of hashing them, 5x slower).
ANALYZE synth_project_quarters;
