// The runs list: filtered, newest first, paged by keyset on (started_at, robot_id, result_id), so a
// page never repeats or skips a stored run however many arrive meanwhile (a new run sorts before
// the cursor or, uploaded late, in its place further on). The cursor is opaque to clients: base64url
// of the last row's key, checked when it comes back. The export streams every matching run from a
// PostgreSQL cursor (pg-query-stream): no size limit, never all in memory.
import type { Pool } from 'pg';
import QueryStream from 'pg-query-stream';
import { filterConditions, type RunFilters, runColumns, SqlParameters, whereClause } from './filters.ts';
import { cursorTimePattern, cursorUuidPattern, decodeKeyset, encodeKeyset } from './keyset-cursor.ts';

export const runStatuses = ['OK', 'WARNING', 'FAIL'] as const;
export type RunStatus = (typeof runStatuses)[number];

export interface RunQuery {
  filters: RunFilters;
  /** Any of these statuses; all when empty. */
  statuses: RunStatus[];
  minDurationMs?: number | undefined;
  maxDurationMs?: number | undefined;
  /** Runs that started in [from, to). */
  from?: Date | undefined;
  to?: Date | undefined;
}

export interface RunRow {
  robot_id: string;
  result_id: string;
  transaction_id: string;
  transaction_name: string;
  service: string;
  project: string | null;
  robot_name: string | null;
  location: string | null;
  environment: string;
  started_at: Date;
  finished_at: Date;
  duration_ms: number;
  status: RunStatus;
  error_code: number | null;
  error_message: string | null;
  target_duration_ms: number | null;
}

export const runColumnNames: ReadonlyArray<keyof RunRow> = [
  'started_at',
  'finished_at',
  'duration_ms',
  'status',
  'transaction_id',
  'transaction_name',
  'service',
  'project',
  'robot_id',
  'robot_name',
  'location',
  'environment',
  'result_id',
  'error_code',
  'error_message',
  'target_duration_ms',
];

/** Where a page ended: the key of its last run. started_at is PostgreSQL's text, to the microsecond. */
export interface RunCursor {
  startedAt: string;
  robotId: string;
  resultId: string;
}

const runCursorPatterns = [cursorTimePattern, cursorUuidPattern, cursorUuidPattern];

export function encodeCursor(cursor: RunCursor): string {
  return encodeKeyset([cursor.startedAt, cursor.robotId, cursor.resultId]);
}

/** The cursor a page gave, or undefined for anything else (a client's typo, an edited cursor). */
export function decodeCursor(text: string): RunCursor | undefined {
  const parts = decodeKeyset(text, runCursorPatterns);
  if (parts === undefined) return undefined;
  const [startedAt, robotId, resultId] = parts as [string, string, string];
  return { startedAt, robotId, resultId };
}

function runsSql(query: RunQuery, parameters: SqlParameters, after: RunCursor | undefined): string {
  const conditions = filterConditions(query.filters, runColumns, parameters);
  if (query.statuses.length > 0)
    conditions.push(`r.status = ANY(${parameters.add(query.statuses, '::text[]')})`);
  if (query.minDurationMs !== undefined)
    conditions.push(`r.duration_ms >= ${parameters.add(query.minDurationMs, '::bigint')}`);
  if (query.maxDurationMs !== undefined)
    conditions.push(`r.duration_ms <= ${parameters.add(query.maxDurationMs, '::bigint')}`);
  if (query.from !== undefined)
    conditions.push(`r.started_at >= ${parameters.add(query.from, '::timestamptz')}`);
  if (query.to !== undefined) conditions.push(`r.started_at < ${parameters.add(query.to, '::timestamptz')}`);
  if (after !== undefined)
    conditions.push(
      `(r.started_at, r.robot_id, r.result_id) < (${parameters.add(after.startedAt, '::timestamptz')}, ${parameters.add(after.robotId, '::uuid')}, ${parameters.add(after.resultId, '::uuid')})`,
    );
  return `
    SELECT r.robot_id, r.result_id, r.transaction_id, r.transaction_name, r.service, r.project, r.robot_name,
      nullif(synth_location_key(r.location_country, r.location_region, r.location_city), '') AS location,
      r.environment, r.started_at, r.finished_at, r.duration_ms::float8 AS duration_ms, r.status,
      r.error_code::float8 AS error_code, r.error_message, r.target_duration_ms::float8 AS target_duration_ms,
      to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_started_at
    FROM synth_runs r
    ${whereClause(conditions)}
    ORDER BY r.started_at DESC, r.robot_id DESC, r.result_id DESC`;
}

type StoredRun = RunRow & { cursor_started_at: string };

function runRow({ cursor_started_at: _, ...run }: StoredRun): RunRow {
  return run;
}

/** One page: at most `limit` runs after `after`, and the cursor of the next page if there is one. */
export async function listRuns(
  pool: Pool,
  query: RunQuery,
  page: { limit: number; after?: RunCursor | undefined },
): Promise<{ runs: RunRow[]; next: RunCursor | undefined }> {
  const parameters = new SqlParameters();
  const sql = `${runsSql(query, parameters, page.after)} LIMIT ${parameters.add(page.limit + 1, '::integer')}`;
  const { rows } = await pool.query<StoredRun>(sql, parameters.values);
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  const last = shown.at(-1);
  return {
    runs: shown.map(runRow),
    next:
      more && last !== undefined
        ? { startedAt: last.cursor_started_at, robotId: last.robot_id, resultId: last.result_id }
        : undefined,
  };
}

/**
 * Every matching run (after the cursor, at most `limit` if given), newest first, read from a server-side cursor in batches; the connection goes
 * back to the pool when the iteration ends, fails or `signal` aborts it (a client hanging up).
 */
export async function* streamRuns(
  pool: Pool,
  query: RunQuery,
  page: {
    limit?: number | undefined;
    after?: RunCursor | undefined;
    /** This export's own statement bound, longer than the sessions' (SET LOCAL in its transaction). */
    statementTimeoutMs?: number | undefined;
  },
  signal: AbortSignal,
): AsyncGenerator<RunRow> {
  const parameters = new SqlParameters();
  let sql = runsSql(query, parameters, page.after);
  if (page.limit !== undefined) sql += ` LIMIT ${parameters.add(page.limit, '::integer')}`;
  const client = await pool.connect();
  let stream: QueryStream | undefined;
  let finished = false;
  try {
    if (page.statementTimeoutMs !== undefined) {
      await client.query('BEGIN READ ONLY');
      // set_config(…, true) is SET LOCAL with a parameter: it ends with the transaction.
      await client.query("SELECT set_config('statement_timeout', $1, true)", [
        String(Math.trunc(page.statementTimeoutMs)),
      ]);
    }
    stream = client.query(new QueryStream(sql, parameters.values, { batchSize: 500 }));
    yield* readStream(stream, signal);
    if (page.statementTimeoutMs !== undefined) await client.query('COMMIT');
    finished = true;
  } finally {
    if (stream !== undefined && !stream.destroyed) stream.destroy();
    // A cursor left before its end (a failure, the client hanging up) may still hold its portal and
    // its transaction: that connection is closed rather than handed to the next query.
    client.release(finished ? undefined : new Error('runs export ended early'));
  }
}

async function* readStream(stream: QueryStream, signal: AbortSignal): AsyncGenerator<RunRow> {
  const abort = () => stream.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal.addEventListener('abort', abort, { once: true });
  try {
    for await (const row of stream as AsyncIterable<StoredRun>) yield runRow(row);
  } finally {
    signal.removeEventListener('abort', abort);
  }
}
