-- Hourly step counts per transaction, summed over its robots, as 0011 keeps them per day: the SLA
-- report's step level reads the whole hours at a period's edges here (a third of the per-robot
-- rows of synth_step_hours for three locations; a day's question over 200 transactions read up to
-- ~96,000 per-robot hour rows). A report filtered by robot or location still reads synth_step_hours.
--
-- Derived, never incremented: synth-store recomputes the rows of every (hour, transaction) a batch
-- touched from synth_step_hours in the write transaction, after those, under the quarter lock
-- (writer.ts; the rows sum several robots' writes).

CREATE TABLE synth_transaction_step_hours (
  hour_start       timestamptz NOT NULL,
  transaction_id   uuid NOT NULL,
  transaction_name text NOT NULL,
  service          text NOT NULL,
  project          text NOT NULL,
  environment      text NOT NULL,
  step_index       integer NOT NULL,
  step_name        text NOT NULL,
  runs             integer NOT NULL,
  ok               integer NOT NULL,
  warning          integer NOT NULL,
  fail             integer NOT NULL,
  PRIMARY KEY (hour_start, transaction_id, transaction_name, service, project, environment, step_index,
               step_name)
);

-- The SLA report looks a step's name up in its newest hour up to a period's end: one probe here.
-- (The report's hour ranges are at most 12 hours at an edge: the primary key serves them.)
CREATE INDEX synth_transaction_step_hours_step ON synth_transaction_step_hours (transaction_id, step_index, hour_start);

-- Recompute the rows of the given (hour_start, transaction_id) keys (read side by side) from the
-- per-robot hourly step rows stored now.
CREATE FUNCTION synth_refresh_transaction_step_hours(hours timestamptz[], transactions uuid[])
  RETURNS void LANGUAGE sql AS $$
DELETE FROM synth_transaction_step_hours d
USING unnest(hours, transactions) AS k(hour_start, transaction_id)
WHERE d.hour_start = k.hour_start AND d.transaction_id = k.transaction_id;

INSERT INTO synth_transaction_step_hours
SELECT s.hour_start, s.transaction_id, s.transaction_name, s.service, s.project, s.environment, s.step_index,
       s.step_name, sum(s.runs)::integer, sum(s.ok)::integer, sum(s.warning)::integer, sum(s.fail)::integer
FROM (SELECT DISTINCT * FROM unnest(hours, transactions) AS k(hour_start, transaction_id)) AS k
JOIN synth_step_hours s ON s.transaction_id = k.transaction_id AND s.hour_start = k.hour_start
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
$$;

-- The hourly step rows stored so far.
SELECT synth_refresh_transaction_step_hours(array_agg(hour_start), array_agg(transaction_id))
FROM (SELECT DISTINCT hour_start, transaction_id FROM synth_step_hours) AS stored;

-- Statistics now: until autovacuum gets to the new table, the planner takes it for empty.
ANALYZE synth_transaction_step_hours;
