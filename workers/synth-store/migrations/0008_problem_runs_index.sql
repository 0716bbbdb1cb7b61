-- The runs list filtered to failures or warnings ("what broke this week", a project's failures):
-- with 1 % of runs failing, a scan of every run's index for them read ~40,000 entries a page
-- (1.3 s for a project's failures over 5.2 M runs here; 4 ms with this index). Only problem runs
-- are in it, so it stays small and cheap to keep; PostgreSQL uses it for `status = ANY('{FAIL}')`
-- or `'{WARNING,FAIL}'`, which imply its condition.
CREATE INDEX synth_runs_problems_started_key ON synth_runs (started_at, robot_id, result_id) WHERE status <> 'OK';
