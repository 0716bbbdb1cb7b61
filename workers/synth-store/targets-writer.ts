// Writes target SLAs from the compacted primoart.console.sla-targets.v1 (set through the console)
// into synth_sla_targets (the current target of each object) and synth_sla_target_changes (every
// change: who and when). Idempotent: the current row takes only a newer record (by partition
// offset), and a change is identified by its partition and offset (migration 0006).
import type { Pool } from 'pg';
import type { SlaTargetRecord } from '../../schemas/record-types.ts';
import { latestByKey, newerThanRow } from './source-order.ts';

export interface TargetChange {
  /** The message key: the object, a JSON array (topics/catalog.ts). */
  objectKey: string;
  record: SlaTargetRecord;
  partition: number;
  offset: string;
}

const columns = `object_key, level, project, service, transaction_id, target_percent, set_by_key_id, set_at,
  request_id, source_partition, source_offset`;
const recordset = `jsonb_to_recordset($1::jsonb) AS x(
  object_key text, level text, project text, service text, transaction_id uuid, target_percent double precision,
  set_by_key_id text, set_at timestamptz, request_id uuid, source_partition integer, source_offset bigint)`;

const insertChanges = `
INSERT INTO synth_sla_target_changes (${columns})
SELECT ${columns} FROM ${recordset}
ON CONFLICT (source_partition, source_offset) DO NOTHING`;

const upsertTargets = `
INSERT INTO synth_sla_targets AS t (${columns})
SELECT ${columns} FROM ${recordset}
ON CONFLICT (object_key) DO UPDATE SET
  target_percent = EXCLUDED.target_percent, set_by_key_id = EXCLUDED.set_by_key_id, set_at = EXCLUDED.set_at,
  request_id = EXCLUDED.request_id, source_partition = EXCLUDED.source_partition,
  source_offset = EXCLUDED.source_offset, stored_at = now()
-- Newer only (source-order.ts).
WHERE ${newerThanRow('t')}`;

const rowOf = ({ objectKey, record, partition, offset }: TargetChange) => ({
  object_key: objectKey,
  level: record.level,
  project: record.project,
  service: record.service,
  transaction_id: record.transaction_id,
  target_percent: record.target_percent,
  set_by_key_id: record.set_by_key_id,
  set_at: new Date(record.set_at).toISOString(),
  request_id: record.request_id,
  source_partition: partition,
  source_offset: offset,
});

export async function writeTargets(pool: Pool, changes: TargetChange[]): Promise<void> {
  if (changes.length === 0) return;
  const latest = latestByKey(
    changes,
    (change) => change.objectKey,
    (change) => change,
  );
  // One transaction: a reader that sees a change in the audit sees the current target it made.
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(insertChanges, [JSON.stringify(changes.map(rowOf))]);
    await client.query(upsertTargets, [JSON.stringify(latest.map(rowOf))]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
