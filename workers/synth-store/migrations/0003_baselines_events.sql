-- What the baseline worker and the event detector publish, stored by synth-store:
-- primoart.baselines.v1 → synth_baselines, primoart.forecasts.v1 → synth_forecasts,
-- primoart.events.v1 → synth_events.
--
-- Baselines and forecasts come from compacted topics whose latest record of a key is the current
-- one, so a row takes a record only when its (source_partition, source_offset) is newer than the
-- row's, as synth_definitions does: re-deliveries and replays change nothing, and a rebuild of the
-- baselines (republished later, at higher offsets) replaces them. updated_at / computed_at are the
-- publisher's wall clock and are not used for ordering: two publishers' clocks need not agree.

-- One row per series: <transaction_id>|run|<location or *> or <transaction_id>|step-<i>|<location or *>.
CREATE TABLE synth_baselines (
  series_key                 text PRIMARY KEY,
  transaction_id             uuid NOT NULL,
  transaction_name           text NOT NULL,
  step_index                 integer,          -- NULL: the whole run
  step_name                  text,
  location                   text,             -- country/region/city (known parts); NULL: every location
  state                      text NOT NULL CHECK (state IN ('learning', 'ready')),
  window_runs                integer NOT NULL,
  newest_run_at              timestamptz NOT NULL,
  -- The band over the whole window, all hours together.
  runs                       integer NOT NULL,
  duration_samples           integer NOT NULL,
  p10_ms                     double precision,
  p50_ms                     double precision,
  p90_ms                     double precision,
  availability               double precision,
  -- 168 entries, index = hour of week (0 = Monday 00:00 UTC):
  -- [{hour_of_week, source, runs, duration_samples, p10_ms, p50_ms, p90_ms, availability}].
  hours                      jsonb NOT NULL,
  updated_at                 timestamptz NOT NULL,
  source_partition           integer NOT NULL,
  source_offset              bigint NOT NULL,
  stored_at                  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX synth_baselines_transaction ON synth_baselines (transaction_id);

-- One row per transaction and forecast day. A forecast covers the 7 days after its newest day of
-- runs and replaces the rows of those days; rows of earlier days keep the last forecast made for
-- them (what was expected, next to what happened in synth_runs).
CREATE TABLE synth_forecasts (
  transaction_id   uuid NOT NULL,
  day              date NOT NULL,
  p50_ms           double precision,
  availability     double precision,
  computed_at      timestamptz NOT NULL,
  based_on_days    integer NOT NULL,
  method           text NOT NULL,
  -- {p50: {fitted_days, slope_per_day, weekday_index[7]} | null, availability: … | null}
  trend            jsonb NOT NULL,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL,
  stored_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (transaction_id, day)
);

-- One row per event_id (deterministic: the same judgement of the same run has the same id), so an
-- event delivered twice or replayed is one row. baseline_* are NULL when the event was judged
-- without a band.
CREATE TABLE synth_events (
  event_id              uuid PRIMARY KEY,
  action                text NOT NULL CHECK (action IN ('open', 'clear')),
  kind                  text NOT NULL,
  severity              text NOT NULL,
  transaction_id        uuid NOT NULL,
  transaction_name      text NOT NULL,
  service               text NOT NULL,
  environment           text NOT NULL,
  location              text,
  occurred_at           timestamptz NOT NULL,
  result_id             uuid,
  value                 text NOT NULL,
  text                  text NOT NULL,
  baseline_state        text,
  baseline_p10_ms       double precision,
  baseline_p50_ms       double precision,
  baseline_p90_ms       double precision,
  baseline_samples      integer,
  suppressed            boolean NOT NULL,
  maintenance_window_id text,
  source_topic          text NOT NULL,
  source_partition      integer NOT NULL,
  source_offset         bigint NOT NULL,
  stored_at             timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX synth_events_transaction_occurred ON synth_events (transaction_id, occurred_at DESC);
CREATE INDEX synth_events_occurred ON synth_events (occurred_at DESC);
