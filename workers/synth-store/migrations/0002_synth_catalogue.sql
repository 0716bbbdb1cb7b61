-- The catalogue results carry (projects, services, transactions, robots, locations) and the
-- transaction definitions from primoart.synth.definitions.v1.
--
-- Catalogue rows are upserted by synth-store in the same transaction as the runs they come from.
-- first_seen_at / last_seen_at are a run's finished_at; last_seen_at only moves forward, and the
-- descriptive columns (names, coordinates) follow the newest run, so a re-delivered or replayed
-- older run changes nothing.
--
-- Keys: a transaction and a robot are identified by their UUIDs; a project by its name; a service
-- by (project, name) because two projects may both have a "webshop"; a location by
-- (country, region, city). Optional parts of a key are stored as '' (not NULL) so they can be part
-- of a primary key: project '' = a service of no project; a result without any location part
-- yields no location row.

CREATE TABLE synth_projects (
  name          text PRIMARY KEY,
  first_seen_at timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL
);

CREATE TABLE synth_services (
  project       text NOT NULL,
  name          text NOT NULL,
  first_seen_at timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  PRIMARY KEY (project, name)
);

CREATE TABLE synth_transactions (
  transaction_id uuid PRIMARY KEY,
  name           text NOT NULL,
  service        text NOT NULL,
  project        text,
  first_seen_at  timestamptz NOT NULL,
  last_seen_at   timestamptz NOT NULL
);

CREATE TABLE synth_robots (
  robot_id      uuid PRIMARY KEY,
  name          text,
  first_seen_at timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL
);

CREATE TABLE synth_locations (
  country       text NOT NULL,
  region        text NOT NULL,
  city          text NOT NULL,
  latitude      double precision,
  longitude     double precision,
  first_seen_at timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  PRIMARY KEY (country, region, city)
);

-- One row per definition uuid, the latest record of its key. A tombstone does not delete the row
-- but sets deleted_at: the row keeps the offset it was deleted at, so an older record delivered
-- again (a replay) cannot bring a deleted definition back. A later record of the same uuid (the
-- definition created again) clears deleted_at; a tombstone of a uuid never seen leaves a row with
-- only its uuid and deleted_at. Records are applied only when their
-- (source_partition, source_offset) is newer than the row's: the topic is keyed by uuid, so one
-- uuid's records are ordered by offset within their partition.
CREATE TABLE synth_definitions (
  uuid                uuid PRIMARY KEY,
  name                text,
  cron                text,
  code                text,
  target_duration_s   double precision,
  metadata            jsonb NOT NULL DEFAULT '{}',
  description         text,
  updated_at          timestamptz,
  deleted_at          timestamptz,
  source_partition    integer NOT NULL,
  source_offset       bigint NOT NULL,
  stored_at           timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX synth_definitions_live ON synth_definitions (name) WHERE deleted_at IS NULL;
