// Target SLAs as synth-store stored them (migration 0006): the current target of each object, every
// change (the audit: who, when), and the lookup the SLA report uses.
import type { Pool } from 'pg';
import { slaTargetKey } from '../../schemas/sla-target.ts';
import { SqlParameters, whereClause } from './filters.ts';

export const targetLevels = ['project', 'service', 'transaction'] as const;
export type TargetLevel = (typeof targetLevels)[number];

export interface TargetObject {
  level: TargetLevel;
  /** Levels project and service ('' for a service of no project). */
  project: string | null;
  service: string | null;
  transaction_id: string | null;
}

export interface TargetRow extends TargetObject {
  /** null in a change: the target was removed. */
  target_percent: number | null;
  set_by_key_id: string;
  set_at: string;
  request_id: string;
}

const selected = `level, project, service, transaction_id, target_percent, set_by_key_id, set_at, request_id`;

const rowOf = (row: TargetRow & { set_at: Date | string }): TargetRow => ({
  ...row,
  set_at: new Date(row.set_at).toISOString(),
});

function conditions(
  filter: { level?: TargetLevel | undefined; requestId?: string | undefined },
  parameters: SqlParameters,
): string[] {
  return [
    ...(filter.level === undefined ? [] : [`level = ${parameters.add(filter.level, '::text')}`]),
    ...(filter.requestId === undefined ? [] : [`request_id = ${parameters.add(filter.requestId, '::uuid')}`]),
  ];
}

/** The current targets (removed ones left out), by level and object. */
export async function currentTargets(
  pool: Pool,
  filter: { level?: TargetLevel | undefined },
): Promise<TargetRow[]> {
  const parameters = new SqlParameters();
  const where = whereClause(['target_percent IS NOT NULL', ...conditions(filter, parameters)]);
  const { rows } = await pool.query(
    `SELECT ${selected} FROM synth_sla_targets ${where}
     ORDER BY array_position(ARRAY['project', 'service', 'transaction'], level), project, service, transaction_id`,
    parameters.values,
  );
  return rows.map(rowOf);
}

/** Every change, newest first: the audit. */
export async function targetChanges(
  pool: Pool,
  filter: { level?: TargetLevel | undefined; requestId?: string | undefined; limit: number },
): Promise<TargetRow[]> {
  const parameters = new SqlParameters();
  const where = whereClause(conditions(filter, parameters));
  const { rows } = await pool.query(
    `SELECT ${selected} FROM synth_sla_target_changes ${where}
     ORDER BY set_at DESC, source_partition DESC, source_offset DESC
     LIMIT ${parameters.add(filter.limit, '::int')}`,
    parameters.values,
  );
  return rows.map(rowOf);
}

/** The change stored from the record at this position, once synth-store has stored it. */
export async function storedChange(
  pool: Pool,
  position: { partition: number; offset: string },
): Promise<TargetRow | undefined> {
  const { rows } = await pool.query(
    `SELECT ${selected} FROM synth_sla_target_changes WHERE source_partition = $1 AND source_offset = $2`,
    [position.partition, position.offset],
  );
  return rows[0] === undefined ? undefined : rowOf(rows[0]);
}

/** The current target % of every object that has one, by its key (schemas/sla-target.ts). */
export async function targetsByObject(pool: Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ object_key: string; target_percent: number }>(
    'SELECT object_key, target_percent FROM synth_sla_targets WHERE target_percent IS NOT NULL',
  );
  return new Map(rows.map((row) => [row.object_key, row.target_percent]));
}

/** The key of the object an SLA row of a level stands for, if that level has targets. */
export function targetKeyOf(
  level: string,
  row: { project: string | null; service: string | null; transaction_id: string | null },
): string | undefined {
  if (level !== 'project' && level !== 'service' && level !== 'transaction') return undefined;
  return slaTargetKey({
    level,
    project: row.project ?? '',
    service: row.service ?? '',
    transaction_id: row.transaction_id,
  });
}
