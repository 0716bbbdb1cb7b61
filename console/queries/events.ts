// The recent events: what the event detector published and synth-store stored (synth_events),
// newest first, filtered, paged by keyset on (occurred_at, event_id) with an opaque cursor, so a
// page never repeats or skips an event that was stored while a client paged (an event stored later
// with an older occurred_at lands where it belongs, behind or ahead of the cursor).
import type { Pool } from 'pg';
import { SqlParameters, whereClause } from './filters.ts';
import { cursorTimePattern, decodeKeyset, encodeKeyset } from './keyset-cursor.ts';

export interface EventFilters {
  project?: string | undefined;
  service?: string | undefined;
  transaction?: string | undefined;
  location?: string | undefined;
  environment?: string | undefined;
  kind?: string | undefined;
  severity?: string | undefined;
  action?: string | undefined;
  /** Suppressed events (inside a maintenance window) are left out unless asked for. */
  includeSuppressed: boolean;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** Where a page ended: occurred_at as PostgreSQL's text, to the microsecond, and the event id. */
export interface EventCursor {
  occurredAt: string;
  eventId: string;
}

// 'e' first: a runs cursor is never taken for an events cursor. The event id is lowercase as stored.
const eventCursorPatterns = [
  /^e$/,
  cursorTimePattern,
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
];

export function encodeEventCursor(cursor: EventCursor): string {
  return encodeKeyset(['e', cursor.occurredAt, cursor.eventId]);
}

/** The cursor a page gave, or undefined for anything else (a typo, an edited or a runs cursor). */
export function decodeEventCursor(text: string): EventCursor | undefined {
  const parts = decodeKeyset(text, eventCursorPatterns);
  if (parts === undefined) return undefined;
  const [, occurredAt, eventId] = parts as [string, string, string];
  return { occurredAt, eventId };
}

export interface EventRow {
  event_id: string;
  occurred_at: string;
  action: string;
  kind: string;
  severity: string;
  transaction_id: string;
  transaction_name: string;
  service: string;
  project: string | null;
  environment: string;
  location: string | null;
  result_id: string | null;
  robot_id: string | null;
  /** The failing locations of an open of a transaction's problem (empty for a clear). */
  locations: string[];
  /** How many locations the transaction had (0 for events from before issue 13). */
  locations_total: number;
  value: string;
  text: string;
  suppressed: boolean;
  maintenance_window_id: string | null;
}

/** One page: at most `limit` events after `after`, newest first, and the next page's cursor if any. */
export async function eventsPage(
  pool: Pool,
  filters: EventFilters,
  page: { limit: number; after?: EventCursor | undefined },
): Promise<{ events: EventRow[]; next: EventCursor | undefined }> {
  const parameters = new SqlParameters();
  const conditions: string[] = [];
  const equal = (column: string, value: string | undefined, cast = '::text') => {
    if (value !== undefined) conditions.push(`${column} = ${parameters.add(value, cast)}`);
  };
  equal("coalesce(t.project, '')", filters.project);
  equal('e.service', filters.service);
  equal('e.transaction_id', filters.transaction, '::uuid');
  equal('e.location', filters.location);
  equal('e.environment', filters.environment);
  equal('e.kind', filters.kind);
  equal('e.severity', filters.severity);
  equal('e.action', filters.action);
  if (!filters.includeSuppressed) conditions.push('NOT e.suppressed');
  if (filters.from !== undefined)
    conditions.push(`e.occurred_at >= ${parameters.add(filters.from, '::timestamptz')}`);
  if (filters.to !== undefined)
    conditions.push(`e.occurred_at < ${parameters.add(filters.to, '::timestamptz')}`);
  if (page.after !== undefined)
    conditions.push(
      `(e.occurred_at, e.event_id) < (${parameters.add(page.after.occurredAt, '::timestamptz')}, ${parameters.add(page.after.eventId, '::uuid')})`,
    );
  const limit = parameters.add(page.limit + 1, '::int');
  const { rows } = await pool.query<EventRow & { cursor_at: string }>(
    `SELECT e.event_id, e.occurred_at, e.action, e.kind, e.severity, e.transaction_id, e.transaction_name,
       e.service, t.project, e.environment, e.location, e.result_id,
       coalesce(e.robot_id, r.robot_id::text) AS robot_id, e.locations, e.locations_total, e.value, e.text,
       e.suppressed, e.maintenance_window_id,
       to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
     FROM synth_events e LEFT JOIN synth_transactions t USING (transaction_id)
     -- Events from before issue 13 name the run by result_id only; a run is keyed by its robot too
     -- (a robot names its own result_ids), so their robot is that of the stored run of this transaction.
     LEFT JOIN LATERAL (
       SELECT r.robot_id FROM synth_runs r
       WHERE e.robot_id IS NULL AND r.result_id = e.result_id AND r.transaction_id = e.transaction_id
       ORDER BY r.robot_id LIMIT 1
     ) r ON true
     ${whereClause(conditions)}
     ORDER BY e.occurred_at DESC, e.event_id DESC
     LIMIT ${limit}`,
    parameters.values,
  );
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    events: shown.map(({ cursor_at: _, occurred_at, ...event }) => ({
      ...event,
      occurred_at: new Date(occurred_at).toISOString(),
    })),
    next:
      rows.length > page.limit && last !== undefined
        ? { occurredAt: last.cursor_at, eventId: last.event_id }
        : undefined,
  };
}
