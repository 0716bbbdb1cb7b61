-- Hourly rollups of runs and steps, for the console's reports (SLA, heatmap): a 30-day question
-- reads one row per (hour, transaction, robot) instead of every run.
--
-- The rollups are derived, never incremented: synth-store recomputes the rows of every
-- (hour, transaction, robot) a batch touched from synth_runs / synth_step_runs, in the same
-- transaction as the runs (DELETE + INSERT … SELECT … GROUP BY, synth_refresh_rollups below), so a
-- re-delivery or a replay of the same runs leaves every rollup row as it was. The hour is the UTC
-- hour the run started in (a step counts in its run's hour). This migration fills them from the
-- runs already stored, with the same function.
--
-- Each row carries the dimensions every report filters on; optional parts are '' (not NULL) so
-- that they can be part of the key, as in the catalogue (0002). A rename or a move within an hour
-- gives a row per name/place.
--
-- Durations: as the baseline worker does, only non-FAIL runs (steps) have a duration figure (a
-- FAIL's time says how long it took to fail). Beside their count, sum, min and max, a sparse
-- histogram: bin 0 holds 0 ms (anything under 1 ms), bin k ≥ 1 holds [2^((k-1)/8), 2^(k/8)) ms,
-- eight bins per doubling (synth_duration_bin); histogram_bins are the non-empty bins ascending,
-- histogram_counts their counts. console/queries/duration-histogram.ts reads percentiles from them
-- (within a factor 2^(1/8) ≈ 1.0905 of the exact value: the method is described there).

-- A run's location as every report and event names it (schemas/series-key.ts locationKey):
-- country/region/city with the known, non-empty parts; '' when none.
CREATE FUNCTION synth_location_key(country text, region text, city text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN concat_ws('/', nullif(country, ''), nullif(region, ''), nullif(city, ''));

CREATE FUNCTION synth_duration_bin(duration_ms bigint) RETURNS smallint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN duration_ms < 1 THEN 0
              ELSE least(floor(8 * ln(duration_ms::double precision) / ln(2)) + 1, 32767)::smallint END;

CREATE TABLE synth_run_hours (
  hour_start       timestamptz NOT NULL,
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
  -- Non-FAIL runs only (ok + warning of them); sum/min/max NULL without any.
  duration_count   integer NOT NULL,
  duration_sum_ms  bigint,
  duration_min_ms  bigint,
  duration_max_ms  bigint,
  histogram_bins   smallint[] NOT NULL,
  histogram_counts integer[] NOT NULL,
  PRIMARY KEY (hour_start, transaction_id, robot_id, transaction_name, service, project, robot_name,
               location, environment)
);

CREATE INDEX synth_run_hours_transaction ON synth_run_hours (transaction_id, hour_start);

CREATE TABLE synth_step_hours (
  hour_start       timestamptz NOT NULL,
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
  PRIMARY KEY (hour_start, transaction_id, robot_id, transaction_name, service, project, robot_name,
               location, environment, step_index, step_name)
);

CREATE INDEX synth_step_hours_transaction ON synth_step_hours (transaction_id, hour_start);

-- Recompute the rollup rows of the given (hour_start, transaction_id, robot_id) keys, the three
-- arrays read side by side, from the rows stored now. A key without runs any more (a run re-sent
-- with another start) loses its rows.
CREATE FUNCTION synth_refresh_rollups(hours timestamptz[], transactions uuid[], robots uuid[])
  RETURNS void LANGUAGE sql AS $$
DELETE FROM synth_run_hours h
USING unnest(hours, transactions, robots) AS k(hour_start, transaction_id, robot_id)
WHERE h.hour_start = k.hour_start AND h.transaction_id = k.transaction_id AND h.robot_id = k.robot_id;

DELETE FROM synth_step_hours h
USING unnest(hours, transactions, robots) AS k(hour_start, transaction_id, robot_id)
WHERE h.hour_start = k.hour_start AND h.transaction_id = k.transaction_id AND h.robot_id = k.robot_id;

INSERT INTO synth_run_hours
WITH keys AS (
  SELECT DISTINCT * FROM unnest(hours, transactions, robots) AS k(hour_start, transaction_id, robot_id)
), facts AS (
  SELECT k.hour_start, r.transaction_id, r.robot_id, r.transaction_name, r.service,
         coalesce(r.project, '') AS project, coalesce(r.robot_name, '') AS robot_name,
         synth_location_key(r.location_country, r.location_region, r.location_city) AS location,
         r.environment, r.status, r.duration_ms
  FROM keys k
  JOIN synth_runs r ON r.transaction_id = k.transaction_id AND r.robot_id = k.robot_id
   AND r.started_at >= k.hour_start AND r.started_at < k.hour_start + interval '1 hour'
   -- Redundant with the range, but an equality: a backfill of every key can hash-join on it rather
   -- than pair each key with every run of its (transaction, robot) — quadratic for a robot with
   -- months of runs (an 808 k-run database did not finish in 20 min without it).
   AND date_trunc('hour', r.started_at, 'UTC') = k.hour_start
), bins AS (
  SELECT hour_start, transaction_id, robot_id, transaction_name, service, project, robot_name, location,
         environment, synth_duration_bin(duration_ms) AS bin, count(*)::integer AS n
  FROM facts WHERE status <> 'FAIL'
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
), histograms AS (
  SELECT hour_start, transaction_id, robot_id, transaction_name, service, project, robot_name, location,
         environment, array_agg(bin ORDER BY bin) AS histogram_bins, array_agg(n ORDER BY bin) AS histogram_counts
  FROM bins GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
)
SELECT f.hour_start, f.transaction_id, f.robot_id, f.transaction_name, f.service, f.project, f.robot_name,
       f.location, f.environment, f.runs, f.ok, f.warning, f.fail, f.duration_count, f.duration_sum_ms,
       f.duration_min_ms, f.duration_max_ms,
       coalesce(h.histogram_bins, '{}'), coalesce(h.histogram_counts, '{}')
FROM (
  SELECT hour_start, transaction_id, robot_id, transaction_name, service, project, robot_name, location,
         environment,
         count(*)::integer AS runs,
         (count(*) FILTER (WHERE status = 'OK'))::integer AS ok,
         (count(*) FILTER (WHERE status = 'WARNING'))::integer AS warning,
         (count(*) FILTER (WHERE status = 'FAIL'))::integer AS fail,
         (count(*) FILTER (WHERE status <> 'FAIL'))::integer AS duration_count,
         (sum(duration_ms) FILTER (WHERE status <> 'FAIL'))::bigint AS duration_sum_ms,
         min(duration_ms) FILTER (WHERE status <> 'FAIL') AS duration_min_ms,
         max(duration_ms) FILTER (WHERE status <> 'FAIL') AS duration_max_ms
  FROM facts GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
) f
LEFT JOIN histograms h USING (hour_start, transaction_id, robot_id, transaction_name, service, project,
                              robot_name, location, environment);

INSERT INTO synth_step_hours
WITH keys AS (
  SELECT DISTINCT * FROM unnest(hours, transactions, robots) AS k(hour_start, transaction_id, robot_id)
), facts AS (
  SELECT k.hour_start, r.transaction_id, r.robot_id, r.transaction_name, r.service,
         coalesce(r.project, '') AS project, coalesce(r.robot_name, '') AS robot_name,
         synth_location_key(r.location_country, r.location_region, r.location_city) AS location,
         r.environment, s.step_index, s.name AS step_name, s.status, s.duration_ms
  FROM keys k
  JOIN synth_runs r ON r.transaction_id = k.transaction_id AND r.robot_id = k.robot_id
   AND r.started_at >= k.hour_start AND r.started_at < k.hour_start + interval '1 hour'
   -- Redundant with the range, but an equality: a backfill of every key can hash-join on it rather
   -- than pair each key with every run of its (transaction, robot) — quadratic for a robot with
   -- months of runs (an 808 k-run database did not finish in 20 min without it).
   AND date_trunc('hour', r.started_at, 'UTC') = k.hour_start
  JOIN synth_step_runs s ON s.robot_id = r.robot_id AND s.result_id = r.result_id
), bins AS (
  SELECT hour_start, transaction_id, robot_id, transaction_name, service, project, robot_name, location,
         environment, step_index, step_name, synth_duration_bin(duration_ms) AS bin, count(*)::integer AS n
  FROM facts WHERE status <> 'FAIL'
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
), histograms AS (
  SELECT hour_start, transaction_id, robot_id, transaction_name, service, project, robot_name, location,
         environment, step_index, step_name,
         array_agg(bin ORDER BY bin) AS histogram_bins, array_agg(n ORDER BY bin) AS histogram_counts
  FROM bins GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
)
SELECT f.hour_start, f.transaction_id, f.robot_id, f.transaction_name, f.service, f.project, f.robot_name,
       f.location, f.environment, f.step_index, f.step_name, f.runs, f.ok, f.warning, f.fail,
       f.duration_count, f.duration_sum_ms, f.duration_min_ms, f.duration_max_ms,
       coalesce(h.histogram_bins, '{}'), coalesce(h.histogram_counts, '{}')
FROM (
  SELECT hour_start, transaction_id, robot_id, transaction_name, service, project, robot_name, location,
         environment, step_index, step_name,
         count(*)::integer AS runs,
         (count(*) FILTER (WHERE status = 'OK'))::integer AS ok,
         (count(*) FILTER (WHERE status = 'WARNING'))::integer AS warning,
         (count(*) FILTER (WHERE status = 'FAIL'))::integer AS fail,
         (count(*) FILTER (WHERE status <> 'FAIL'))::integer AS duration_count,
         (sum(duration_ms) FILTER (WHERE status <> 'FAIL'))::bigint AS duration_sum_ms,
         min(duration_ms) FILTER (WHERE status <> 'FAIL') AS duration_min_ms,
         max(duration_ms) FILTER (WHERE status <> 'FAIL') AS duration_max_ms
  FROM facts GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
) f
LEFT JOIN histograms h USING (hour_start, transaction_id, robot_id, transaction_name, service, project,
                              robot_name, location, environment, step_index, step_name);
$$;

-- The runs list pages newest first by (started_at, robot_id, result_id) (keyset pagination): these
-- serve it for every run, one transaction's and one robot's, and replace the (started_at) and
-- (transaction_id, started_at) indexes of 0001, their prefixes.
CREATE INDEX synth_runs_started_key ON synth_runs (started_at, robot_id, result_id);
CREATE INDEX synth_runs_transaction_started_key ON synth_runs (transaction_id, started_at, robot_id, result_id);
CREATE INDEX synth_runs_robot_started_key ON synth_runs (robot_id, started_at, result_id);
DROP INDEX synth_runs_started;
DROP INDEX synth_runs_transaction_started;

-- The runs stored so far.
SELECT synth_refresh_rollups(array_agg(hour_start), array_agg(transaction_id), array_agg(robot_id))
FROM (SELECT DISTINCT date_trunc('hour', started_at, 'UTC') AS hour_start, transaction_id, robot_id
      FROM synth_runs) AS stored;
