-- Events of one problem per transaction (issue 13): the event names its failing locations and how
-- many the transaction has, and the robot of its run (a run is keyed by robot and result id; the
-- console's link to it no longer has to guess the robot from the result id). Events written before
-- have no list (empty) and no robot (NULL).
ALTER TABLE synth_events
  ADD COLUMN robot_id text,
  ADD COLUMN locations text[] NOT NULL DEFAULT '{}',
  ADD COLUMN locations_total integer NOT NULL DEFAULT 0;
