// Writes detected events from primoart.events.v1 into synth_events, one row per event_id. The id is
// deterministic (the same judgement of the same run), so an event delivered twice or replayed is
// one row; a copy at a later offset only moves the row's source (migration 0003).
import type { Pool } from 'pg';
import type { DetectedEventRecord } from '../../schemas/record-types.ts';
import { latestByKey, newerThanRow } from './source-order.ts';
import type { RunSource } from './writer.ts';

export function eventRow(event: DetectedEventRecord, source: RunSource) {
  return {
    event_id: event.event_id,
    action: event.action,
    kind: event.kind,
    severity: event.severity,
    transaction_id: event.transaction_id,
    transaction_name: event.transaction_name,
    service: event.service,
    environment: event.environment,
    location: event.location,
    occurred_at: new Date(event.occurred_at).toISOString(),
    result_id: event.result_id,
    robot_id: event.robot_id,
    locations: event.locations,
    locations_total: event.locations_total,
    value: event.value,
    text: event.text,
    baseline_state: event.baseline?.state ?? null,
    baseline_p10_ms: event.baseline?.p10_ms ?? null,
    baseline_p50_ms: event.baseline?.p50_ms ?? null,
    baseline_p90_ms: event.baseline?.p90_ms ?? null,
    baseline_samples: event.baseline?.samples ?? null,
    suppressed: event.suppressed,
    maintenance_window_id: event.maintenance_window_id,
    source_topic: source.topic,
    source_partition: source.partition,
    source_offset: source.offset,
  };
}

const columns = `event_id, action, kind, severity, transaction_id, transaction_name, service, environment,
  location, occurred_at, result_id, robot_id, locations, locations_total, value, text, baseline_state, baseline_p10_ms, baseline_p50_ms,
  baseline_p90_ms, baseline_samples, suppressed, maintenance_window_id, source_topic, source_partition,
  source_offset`;

const upsertEvents = `
INSERT INTO synth_events AS e (${columns})
SELECT ${columns}
FROM jsonb_to_recordset($1::jsonb) AS x(
  event_id uuid, action text, kind text, severity text, transaction_id uuid, transaction_name text,
  service text, environment text, location text, occurred_at timestamptz, result_id uuid,
  robot_id text, locations text[], locations_total integer, value text,
  text text, baseline_state text, baseline_p10_ms double precision, baseline_p50_ms double precision,
  baseline_p90_ms double precision, baseline_samples integer, suppressed boolean,
  maintenance_window_id text, source_topic text, source_partition integer, source_offset bigint)
ON CONFLICT (event_id) DO UPDATE SET
  action = EXCLUDED.action, kind = EXCLUDED.kind, severity = EXCLUDED.severity,
  transaction_id = EXCLUDED.transaction_id, transaction_name = EXCLUDED.transaction_name,
  service = EXCLUDED.service, environment = EXCLUDED.environment, location = EXCLUDED.location,
  occurred_at = EXCLUDED.occurred_at, result_id = EXCLUDED.result_id, robot_id = EXCLUDED.robot_id,
  locations = EXCLUDED.locations, locations_total = EXCLUDED.locations_total, value = EXCLUDED.value,
  text = EXCLUDED.text, baseline_state = EXCLUDED.baseline_state,
  baseline_p10_ms = EXCLUDED.baseline_p10_ms, baseline_p50_ms = EXCLUDED.baseline_p50_ms,
  baseline_p90_ms = EXCLUDED.baseline_p90_ms, baseline_samples = EXCLUDED.baseline_samples,
  suppressed = EXCLUDED.suppressed, maintenance_window_id = EXCLUDED.maintenance_window_id,
  source_topic = EXCLUDED.source_topic, source_partition = EXCLUDED.source_partition,
  source_offset = EXCLUDED.source_offset
WHERE ${newerThanRow('e')}`;

export async function writeEvents(
  pool: Pool,
  events: Array<{ event: DetectedEventRecord; source: RunSource }>,
): Promise<void> {
  // One statement may not touch a row twice: the newest copy of each event in the batch.
  const latest = latestByKey(
    events,
    ({ event }) => event.event_id,
    ({ source }) => source,
  );
  if (latest.length === 0) return;
  await pool.query(upsertEvents, [
    JSON.stringify(latest.map(({ event, source }) => eventRow(event, source))),
  ]);
}
