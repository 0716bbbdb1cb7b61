-- Daily step counts per transaction, summed over its robots, for the SLA report's step level: a
-- month and the month before of every step of every transaction read one row per (day,
-- transaction, step) instead of one per robot too (a third of the rows for three locations; the
-- level read ~60,000 per-robot rows at 5 M runs a month). Counts only: the report needs no
-- duration. A report filtered by robot or location still reads synth_step_days (0007).
--
-- Derived, never incremented: synth-store recomputes the rows of every (day, transaction) a batch
-- touched from synth_step_days in the write transaction, after those, under the quarter lock
-- (writer.ts; the rows sum several robots' writes).

CREATE TABLE synth_transaction_step_days (
  day_start        timestamptz NOT NULL,
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
  PRIMARY KEY (day_start, transaction_id, transaction_name, service, project, environment, step_index,
               step_name)
);

CREATE INDEX synth_transaction_step_days_transaction ON synth_transaction_step_days (transaction_id, day_start);

-- Recompute the rows of the given (day_start, transaction_id) keys (read side by side) from the
-- per-robot daily step rows stored now.
CREATE FUNCTION synth_refresh_transaction_step_days(days timestamptz[], transactions uuid[])
  RETURNS void LANGUAGE sql AS $$
DELETE FROM synth_transaction_step_days d
USING unnest(days, transactions) AS k(day_start, transaction_id)
WHERE d.day_start = k.day_start AND d.transaction_id = k.transaction_id;

INSERT INTO synth_transaction_step_days
SELECT s.day_start, s.transaction_id, s.transaction_name, s.service, s.project, s.environment, s.step_index,
       s.step_name, sum(s.runs)::integer, sum(s.ok)::integer, sum(s.warning)::integer, sum(s.fail)::integer
FROM (SELECT DISTINCT * FROM unnest(days, transactions) AS k(day_start, transaction_id)) AS k
JOIN synth_step_days s ON s.transaction_id = k.transaction_id AND s.day_start = k.day_start
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
$$;

-- The daily step rows stored so far.
SELECT synth_refresh_transaction_step_days(array_agg(day_start), array_agg(transaction_id))
FROM (SELECT DISTINCT day_start, transaction_id FROM synth_step_days) AS stored;

-- Statistics now: until autovacuum gets to the new table, the planner takes it for empty (a
-- heatmap sorted 73,000 histogram bins instead of hashing them, 5x slower).
ANALYZE synth_transaction_step_days;
