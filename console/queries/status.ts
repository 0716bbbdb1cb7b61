// The status roll-up: per object of a level (project, service, transaction, location) its state
// now, from the open events, and how many objects are OK / WARNING / CRITICAL.
//
// A problem is a transaction × kind × location (NULL: the transaction over every location), as the
// event detector tracks it; its newest stored event (by occurred_at, then stored_at) decides whether
// it is open. An open problem suppressed by a maintenance window counts as no problem (there is no
// alert). The state of an object is its worst open problem: critical or major → CRITICAL, warning →
// WARNING, none → OK. A transaction's problems count for its service and project; a location has
// the problems judged at it (overall ones belong to no location). Objects are those of the catalogue
// (synth-store's tables: everything a run named), so an object that never had a problem is OK.
import type { Pool } from 'pg';
import { SqlParameters } from './filters.ts';
import { locationKeySql, openProblemsSql } from './open-problems.ts';

export const statusLevels = ['project', 'service', 'transaction', 'location'] as const;
export type StatusLevel = (typeof statusLevels)[number];
export const objectStates = ['OK', 'WARNING', 'CRITICAL'] as const;
export type ObjectState = (typeof objectStates)[number];

export interface StatusObject {
  project: string | null;
  service: string | null;
  transaction_id: string | null;
  transaction_name: string | null;
  location: string | null;
  state: ObjectState;
  /** Open, unsuppressed problems (transaction × kind × location) that count for the object. */
  open_problems: number;
}

export interface StatusFilters {
  project?: string | undefined;
  service?: string | undefined;
}

/** The objects of a level with their state, worst first, then by name. */
export async function statusObjects(
  pool: Pool,
  level: StatusLevel,
  filters: StatusFilters,
): Promise<StatusObject[]> {
  const parameters = new SqlParameters();
  const project = parameters.add(filters.project ?? null, '::text');
  const service = parameters.add(filters.service ?? null, '::text');
  // The transactions the filters leave (alias t); every level's problems go through them.
  const transactionFilter = `(${project} IS NULL OR coalesce(t.project, '') = ${project})
    AND (${service} IS NULL OR t.service = ${service})`;
  const sql: Record<StatusLevel, string> = {
    transaction: `
      SELECT coalesce(t.project, '') AS project, t.service, t.transaction_id, t.name AS transaction_name,
        NULL AS location, max(o.level) AS level,
        count(o.level) FILTER (WHERE NOT o.via_transaction)::int AS open_problems
      FROM synth_transactions t LEFT JOIN open o USING (transaction_id)
      WHERE ${transactionFilter}
      GROUP BY t.transaction_id`,
    service: `
      SELECT s.project, s.name AS service, NULL AS transaction_id, NULL AS transaction_name, NULL AS location,
        max(o.level) AS level, count(o.level) FILTER (WHERE NOT o.via_transaction)::int AS open_problems
      FROM synth_services s
      LEFT JOIN synth_transactions t ON coalesce(t.project, '') = s.project AND t.service = s.name
      LEFT JOIN open o USING (transaction_id)
      WHERE (${project} IS NULL OR s.project = ${project}) AND (${service} IS NULL OR s.name = ${service})
      GROUP BY s.project, s.name`,
    project: `
      SELECT p.name AS project, NULL AS service, NULL AS transaction_id, NULL AS transaction_name,
        NULL AS location, max(o.level) AS level,
        count(o.level) FILTER (WHERE NOT o.via_transaction)::int AS open_problems
      FROM synth_projects p
      LEFT JOIN synth_transactions t ON t.project = p.name AND (${service} IS NULL OR t.service = ${service})
      LEFT JOIN open o USING (transaction_id)
      WHERE (${project} IS NULL OR p.name = ${project})
      GROUP BY p.name`,
    // Every location is listed; with a project or service filter only their transactions' problems count.
    location: `
      SELECT NULL AS project, NULL AS service, NULL AS transaction_id, NULL AS transaction_name,
        ${locationKeySql} AS location, max(o.level) AS level, count(o.level)::int AS open_problems
      FROM synth_locations l
      LEFT JOIN (open o JOIN synth_transactions t USING (transaction_id))
        ON o.location = ${locationKeySql} AND ${transactionFilter}
      GROUP BY l.country, l.region, l.city`,
  };
  const { rows } = await pool.query<Omit<StatusObject, 'state'> & { level: number | null }>(
    // Sorted by PostgreSQL: a collation-aware sort of thousands of rows in JavaScript took longer
    // than the query.
    `WITH open AS MATERIALIZED (${openProblemsSql})
     SELECT * FROM (${sql[level]}) objects
     ORDER BY coalesce(level, 0) DESC, project, service, transaction_name, location, transaction_id`,
    parameters.values,
  );
  return rows.map(({ level: worst, ...row }) => ({
    ...row,
    state: worst === 2 ? ('CRITICAL' as const) : worst === 1 ? ('WARNING' as const) : ('OK' as const),
  }));
}
