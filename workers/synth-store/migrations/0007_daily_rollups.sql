-- Daily rollups beside the hourly ones of 0005: a 30-day report reads 30 rows per transaction and
-- robot instead of 720. A day is a UTC day (00:00–24:00 UTC); its rows are the sums of its 24 hourly
-- rows (histograms bin by bin, min of mins, max of maxes), recomputed by synth-store in the write
-- transaction for every (day, transaction, robot) whose hours it recomputed, like the hours: a
-- redelivery or a replay changes no row. A report reads whole UTC days from here, the whole hours at
-- its edges from the hourly rows and what is left from the runs (console/queries/period.ts).

CREATE TABLE synth_run_days (
  day_start        timestamptz NOT NULL,
  transaction_id   uuid NOT NULL,
  robot_id         uuid NOT NULL,
  transaction_name text NOT NULL,
  service          text NOT NULL,
  project          text NOT NULL,
  robot_name       text NOT NULL,
  location         text NOT NULL,
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
  PRIMARY KEY (day_start, transaction_id, robot_id, transaction_name, service, project, robot_name,
               location, environment)
);

CREATE INDEX synth_run_days_transaction ON synth_run_days (transaction_id, day_start);

CREATE TABLE synth_step_days (
  day_start        timestamptz NOT NULL,
  transaction_id   uuid NOT NULL,
  robot_id         uuid NOT NULL,
  transaction_name text NOT NULL,
  service          text NOT NULL,
  project          text NOT NULL,
  robot_name       text NOT NULL,
  location         text NOT NULL,
  environment      text NOT NULL,
  step_index       integer NOT NULL,
  step_name        text NOT NULL,
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
  PRIMARY KEY (day_start, transaction_id, robot_id, transaction_name, service, project, robot_name,
               location, environment, step_index, step_name)
);

CREATE INDEX synth_step_days_transaction ON synth_step_days (transaction_id, day_start);

-- Recompute the daily rows of the given (day_start, transaction_id, robot_id) keys from the hourly
-- rows stored now (the three arrays read side by side).
CREATE FUNCTION synth_refresh_day_rollups(days timestamptz[], transactions uuid[], robots uuid[])
  RETURNS void LANGUAGE sql AS $$
DELETE FROM synth_run_days d
USING unnest(days, transactions, robots) AS k(day_start, transaction_id, robot_id)
WHERE d.day_start = k.day_start AND d.transaction_id = k.transaction_id AND d.robot_id = k.robot_id;

DELETE FROM synth_step_days d
USING unnest(days, transactions, robots) AS k(day_start, transaction_id, robot_id)
WHERE d.day_start = k.day_start AND d.transaction_id = k.transaction_id AND d.robot_id = k.robot_id;

INSERT INTO synth_run_days
WITH keys AS (
  SELECT DISTINCT * FROM unnest(days, transactions, robots) AS k(day_start, transaction_id, robot_id)
), hours AS (
  SELECT k.day_start, h.*
  FROM keys k
  JOIN synth_run_hours h ON h.transaction_id = k.transaction_id AND h.robot_id = k.robot_id
   AND h.hour_start >= k.day_start AND h.hour_start < k.day_start + interval '24 hours'
   -- Redundant with the range, but an equality to hash-join on when every key is refreshed (0005).
   AND date_trunc('day', h.hour_start, 'UTC') = k.day_start
), bins AS (
  SELECT day_start, transaction_id, robot_id, transaction_name, service, project, robot_name, location, environment, b.bin, sum(b.n)::integer AS n
  FROM hours, unnest(histogram_bins, histogram_counts) AS b(bin, n)
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
), histograms AS (
  SELECT day_start, transaction_id, robot_id, transaction_name, service, project, robot_name, location, environment, array_agg(bin ORDER BY bin) AS histogram_bins, array_agg(n ORDER BY bin) AS histogram_counts
  FROM bins GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
)
SELECT f.*, coalesce(h.histogram_bins, '{}'), coalesce(h.histogram_counts, '{}')
FROM (
  SELECT day_start, transaction_id, robot_id, transaction_name, service, project, robot_name, location, environment,
         sum(runs)::integer, sum(ok)::integer, sum(warning)::integer, sum(fail)::integer,
         sum(duration_count)::integer, sum(duration_sum_ms)::bigint, min(duration_min_ms), max(duration_max_ms)
  FROM hours GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
) f
LEFT JOIN histograms h USING (day_start, transaction_id, robot_id, transaction_name, service, project, robot_name, location, environment);

INSERT INTO synth_step_days
WITH keys AS (
  SELECT DISTINCT * FROM unnest(days, transactions, robots) AS k(day_start, transaction_id, robot_id)
), hours AS (
  SELECT k.day_start, h.*
  FROM keys k
  JOIN synth_step_hours h ON h.transaction_id = k.transaction_id AND h.robot_id = k.robot_id
   AND h.hour_start >= k.day_start AND h.hour_start < k.day_start + interval '24 hours'
   -- Redundant with the range, but an equality to hash-join on when every key is refreshed (0005).
   AND date_trunc('day', h.hour_start, 'UTC') = k.day_start
), bins AS (
  SELECT day_start, transaction_id, robot_id, transaction_name, service, project, robot_name, location, environment, step_index, step_name, b.bin, sum(b.n)::integer AS n
  FROM hours, unnest(histogram_bins, histogram_counts) AS b(bin, n)
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
), histograms AS (
  SELECT day_start, transaction_id, robot_id, transaction_name, service, project, robot_name, location, environment, step_index, step_name, array_agg(bin ORDER BY bin) AS histogram_bins, array_agg(n ORDER BY bin) AS histogram_counts
  FROM bins GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
)
SELECT f.*, coalesce(h.histogram_bins, '{}'), coalesce(h.histogram_counts, '{}')
FROM (
  SELECT day_start, transaction_id, robot_id, transaction_name, service, project, robot_name, location, environment, step_index, step_name,
         sum(runs)::integer, sum(ok)::integer, sum(warning)::integer, sum(fail)::integer,
         sum(duration_count)::integer, sum(duration_sum_ms)::bigint, min(duration_min_ms), max(duration_max_ms)
  FROM hours GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
) f
LEFT JOIN histograms h USING (day_start, transaction_id, robot_id, transaction_name, service, project, robot_name, location, environment, step_index, step_name);
$$;

-- The hours stored so far.
SELECT synth_refresh_day_rollups(array_agg(day_start), array_agg(transaction_id), array_agg(robot_id))
FROM (SELECT DISTINCT date_trunc('day', hour_start, 'UTC') AS day_start, transaction_id, robot_id
      FROM synth_run_hours) AS stored;
