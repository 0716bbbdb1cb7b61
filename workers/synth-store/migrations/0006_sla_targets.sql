-- Target SLAs set through the console (primoart.console.sla-targets.v1, sla-target.avsc): the current
-- target of every object, and every change with who set it and when (the audit).
--
-- The topic is compacted and keyed by the object, so its latest record of a key is the current
-- target: a row takes a record only when its (source_partition, source_offset) is newer than the
-- row's, as synth_definitions does, so redeliveries and replays change nothing. The audit has one row
-- per record (its partition and offset are its identity): stored again, it is the same row. A
-- replay after compaction has removed older records keeps the audit rows already stored.

-- One row per object. object_key is the message key (a JSON array naming the object).
CREATE TABLE synth_sla_targets (
  object_key       text PRIMARY KEY,
  level            text NOT NULL CHECK (level IN ('project', 'service', 'transaction')),
  project          text,
  service          text,
  transaction_id   uuid,
  target_percent   double precision CHECK (target_percent BETWEEN 0 AND 100),  -- NULL: removed
  set_by_key_id    text NOT NULL,
  set_at           timestamptz NOT NULL,
  request_id       uuid NOT NULL,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL,
  stored_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE synth_sla_target_changes (
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL,
  object_key       text NOT NULL,
  level            text NOT NULL,
  project          text,
  service          text,
  transaction_id   uuid,
  target_percent   double precision,
  set_by_key_id    text NOT NULL,
  set_at           timestamptz NOT NULL,
  request_id       uuid NOT NULL,
  stored_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_partition, source_offset)
);

CREATE INDEX synth_sla_target_changes_object ON synth_sla_target_changes (object_key, set_at DESC);
CREATE INDEX synth_sla_target_changes_request ON synth_sla_target_changes (request_id);
