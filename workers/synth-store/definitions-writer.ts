// Writes transaction definitions from the compacted primoart.synth.definitions.v1 into
// synth_definitions: a record replaces the row of its uuid, a tombstone marks it deleted.
// Idempotent and ordered per uuid: a record is applied only when it is newer (by partition
// offset) than what the row holds, so re-deliveries and replays change nothing.
import type { Pool } from 'pg';
import type { TransactionDefinitionRecord } from '../../schemas/definition-records.ts';
import { latestByKey, newerThanRow } from './source-order.ts';

export interface DefinitionChange {
  uuid: string;
  /** null: a tombstone, the definition was deleted. */
  definition: TransactionDefinitionRecord | null;
  /** The message timestamp, used as deleted_at for a tombstone. */
  timestamp: number;
  partition: number;
  offset: string;
}

const upsertDefinitions = `
INSERT INTO synth_definitions AS d (
  uuid, name, cron, code, target_duration_s, metadata, description, updated_at, deleted_at,
  source_partition, source_offset)
SELECT uuid, name, cron, code, target_duration_s, coalesce(metadata, '{}'), description, updated_at, deleted_at,
  source_partition, source_offset
FROM jsonb_to_recordset($1::jsonb) AS x(
  uuid uuid, name text, cron text, code text, target_duration_s double precision, metadata jsonb,
  description text, updated_at timestamptz, deleted_at timestamptz, source_partition integer,
  source_offset bigint)
ON CONFLICT (uuid) DO UPDATE SET
  -- A tombstone keeps the last known fields and only marks the row deleted.
  name = coalesce(EXCLUDED.name, d.name), cron = coalesce(EXCLUDED.cron, d.cron),
  code = coalesce(EXCLUDED.code, d.code),
  target_duration_s = coalesce(EXCLUDED.target_duration_s, d.target_duration_s),
  metadata = CASE WHEN EXCLUDED.deleted_at IS NULL THEN EXCLUDED.metadata ELSE d.metadata END,
  description = CASE WHEN EXCLUDED.deleted_at IS NULL THEN EXCLUDED.description ELSE d.description END,
  updated_at = coalesce(EXCLUDED.updated_at, d.updated_at),
  deleted_at = EXCLUDED.deleted_at,
  source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset,
  stored_at = now()
-- Newer only (source-order.ts).
WHERE ${newerThanRow('d')}`;

export async function writeDefinitions(pool: Pool, changes: DefinitionChange[]): Promise<void> {
  // Within the batch, the latest record of each uuid wins.
  const latest = latestByKey(
    changes,
    (change) => change.uuid,
    (change) => change,
  );
  if (latest.length === 0) return;
  const rows = latest.map(({ uuid, definition, timestamp, partition, offset }) => ({
    uuid,
    name: definition?.name ?? null,
    cron: definition?.cron ?? null,
    code: definition?.code ?? null,
    target_duration_s: definition?.target_duration ?? null,
    metadata: definition?.metadata ?? null,
    description: definition?.description ?? null,
    updated_at: definition === null ? null : new Date(definition.updated_at).toISOString(),
    deleted_at: definition === null ? new Date(timestamp).toISOString() : null,
    source_partition: partition,
    source_offset: offset,
  }));
  await pool.query(upsertDefinitions, [JSON.stringify(rows)]);
}
