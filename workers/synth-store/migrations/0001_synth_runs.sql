-- Robot runs and their steps, one row per result_id: the idempotency key chosen by the robot.

CREATE TABLE synth_runs (
  result_id          uuid PRIMARY KEY,
  transaction_id     uuid NOT NULL,
  transaction_name   text NOT NULL,
  service            text NOT NULL,
  project            text,
  robot_id           uuid NOT NULL,
  robot_name         text,
  location_city      text,
  location_region    text,
  location_country   text,
  location_latitude  double precision,
  location_longitude double precision,
  environment        text NOT NULL,
  started_at         timestamptz NOT NULL,
  finished_at        timestamptz NOT NULL,
  duration_ms        bigint NOT NULL,
  status             text NOT NULL CHECK (status IN ('OK', 'WARNING', 'FAIL')),
  error_code         bigint,
  error_message      text,
  target_duration_ms bigint,
  log                text,
  attributes         jsonb NOT NULL DEFAULT '{}',
  -- References to screenshot objects (bytes live in object storage): [{step_index, content_type, object_key, size_bytes, sha256}]
  screenshots        jsonb NOT NULL DEFAULT '[]',
  received_at        timestamptz NOT NULL,
  -- Where the row came from, for tracing a row back to its Kafka record.
  source_topic       text NOT NULL,
  source_partition   integer NOT NULL,
  source_offset      bigint NOT NULL,
  stored_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX synth_runs_transaction_started ON synth_runs (transaction_id, started_at DESC);
CREATE INDEX synth_runs_started ON synth_runs (started_at DESC);

CREATE TABLE synth_step_runs (
  result_id     uuid NOT NULL REFERENCES synth_runs (result_id) ON DELETE CASCADE,
  step_index    integer NOT NULL,
  name          text NOT NULL,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz NOT NULL,
  duration_ms   bigint NOT NULL,
  status        text NOT NULL CHECK (status IN ('OK', 'WARNING', 'FAIL')),
  error_message text,
  PRIMARY KEY (result_id, step_index)
);
