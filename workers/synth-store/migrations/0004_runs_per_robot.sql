-- A run is identified by (robot_id, result_id), no longer by result_id alone. result_id is chosen
-- by robots, so with result_id as the key a robot sending another robot's result_id replaced that
-- robot's run and steps. Now the same robot re-uploading a result_id is still one row (the
-- idempotent retry), and another robot with the same result_id gets a run of its own.
--
-- In place: existing rows keep their data; steps take their run's robot_id. This rewrites
-- synth_step_runs and rebuilds both keys under a lock, once, when the synth-store starts: about a
-- minute for 200,000 runs with 1,000,000 steps on the 2-core test machine under load.

ALTER TABLE synth_step_runs ADD COLUMN robot_id uuid;
UPDATE synth_step_runs s SET robot_id = r.robot_id FROM synth_runs r WHERE r.result_id = s.result_id;
ALTER TABLE synth_step_runs ALTER COLUMN robot_id SET NOT NULL;

ALTER TABLE synth_step_runs DROP CONSTRAINT synth_step_runs_result_id_fkey;
ALTER TABLE synth_step_runs DROP CONSTRAINT synth_step_runs_pkey;
ALTER TABLE synth_runs DROP CONSTRAINT synth_runs_pkey;

ALTER TABLE synth_runs ADD CONSTRAINT synth_runs_pkey PRIMARY KEY (robot_id, result_id);
ALTER TABLE synth_step_runs ADD CONSTRAINT synth_step_runs_pkey PRIMARY KEY (robot_id, result_id, step_index);
ALTER TABLE synth_step_runs ADD CONSTRAINT synth_step_runs_run_fkey
  FOREIGN KEY (robot_id, result_id) REFERENCES synth_runs (robot_id, result_id) ON DELETE CASCADE;

-- Looking a run up by result_id alone (an event's result_id, an operator's query) stays indexed.
CREATE INDEX synth_runs_result ON synth_runs (result_id);
