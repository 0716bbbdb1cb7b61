-- Daily run counts per service (and project and environment), for the SLA report's levels that
-- need no transaction, robot or location (all, project, service): a month and the month before
-- read one row per (day, service) here, and the quarter hours at the period's edges from
-- synth_service_quarters (0009), instead of every robot's daily and hourly rows (at 5 M runs a
-- month: ~36,000 daily and up to ~70,000 hourly rows a question, now a few hundred).
--
-- Derived, never incremented: synth-store recomputes the rows of every day a batch touched from
-- synth_service_quarters in the write transaction, after those, under the quarter lock (writer.ts;
-- the rows sum every robot's writes).

CREATE TABLE synth_service_days (
  day_start   timestamptz NOT NULL,
  project     text NOT NULL,
  service     text NOT NULL,
  environment text NOT NULL,
  runs        integer NOT NULL,
  ok          integer NOT NULL,
  warning     integer NOT NULL,
  fail        integer NOT NULL,
  PRIMARY KEY (day_start, project, service, environment)
);

-- Recompute the rows of the given UTC days from the service quarter rows stored now.
CREATE FUNCTION synth_refresh_service_days(days timestamptz[])
  RETURNS void LANGUAGE sql AS $$
DELETE FROM synth_service_days d
USING (SELECT DISTINCT unnest(days) AS day_start) AS k
WHERE d.day_start = k.day_start;

INSERT INTO synth_service_days
SELECT k.day_start, s.project, s.service, s.environment,
       sum(s.runs)::integer, sum(s.ok)::integer, sum(s.warning)::integer, sum(s.fail)::integer
FROM (SELECT DISTINCT unnest(days) AS day_start) AS k
JOIN synth_service_quarters s ON s.quarter_start >= k.day_start AND s.quarter_start < k.day_start + interval '1 day'
GROUP BY 1, 2, 3, 4;
$$;

-- The service quarters stored so far.
SELECT synth_refresh_service_days(array_agg(DISTINCT date_trunc('day', quarter_start, 'UTC')))
FROM synth_service_quarters;

-- Statistics now: until autovacuum gets to the new table, the planner takes it for empty.
ANALYZE synth_service_days;
