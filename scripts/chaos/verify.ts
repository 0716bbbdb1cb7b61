// What each store holds of a chaos run, counted the way the README documents reading it without
// copies: PostgreSQL rows per (robot_id, result_id), MinIO objects by key, VictoriaMetrics samples
// per series and millisecond (its dedup), VictoriaLogs entries collapsed by entry_id.
import { Client as MinioClient } from 'minio';
import pg from 'pg';
import type { AcceptedResult } from './load.ts';

export interface StoreCount {
  store: string;
  what: string;
  accepted: number;
  stored: number;
  missing: number;
  duplicated: number;
  /** Anything the table should say besides the counts. */
  note?: string;
  /** The results missing from this store, where it can name them: what a failed run is read by. */
  missingResults?: string[];
}

export interface StoreEndpoints {
  pgUrl: string;
  minio: { url: string; accessKey: string; secretKey: string; bucket: string };
  vmUrl: string;
  vlUrl: string;
}

export async function countPostgres(pgUrl: string, results: readonly AcceptedResult[]): Promise<StoreCount> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ rows: string; runs: string; found: string }>(
      `SELECT count(*) AS rows, count(DISTINCT (robot_id, result_id)) AS runs,
              count(DISTINCT result_id) AS found
         FROM synth_runs WHERE result_id = ANY($1::uuid[])`,
      [results.map((r) => r.resultId)],
    );
    const row = rows[0] ?? { rows: '0', runs: '0', found: '0' };
    const count = tally(
      'postgres',
      'runs (synth_runs rows)',
      results.length,
      Number(row.found),
      Number(row.rows) - Number(row.runs),
    );
    if (count.missing === 0) return count;
    const found = await client.query<{ id: string }>(
      'SELECT DISTINCT result_id::text AS id FROM synth_runs WHERE result_id = ANY($1::uuid[])',
      [results.map((r) => r.resultId)],
    );
    const stored = new Set(found.rows.map((r) => r.id));
    return { ...count, missingResults: results.map((r) => r.resultId).filter((id) => !stored.has(id)) };
  } finally {
    await client.end();
  }
}

export async function countMinio(
  endpoints: StoreEndpoints['minio'],
  results: readonly AcceptedResult[],
): Promise<StoreCount> {
  const url = new URL(endpoints.url);
  const client = new MinioClient({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: url.protocol === 'https:',
    accessKey: endpoints.accessKey,
    secretKey: endpoints.secretKey,
  });
  const withScreenshot = results.filter((r) => r.screenshotKey !== undefined);
  const missingResults: string[] = [];
  for (const result of withScreenshot) {
    try {
      await client.statObject(endpoints.bucket, result.screenshotKey as string);
    } catch (error) {
      if ((error as { code?: string }).code !== 'NotFound') throw error;
      missingResults.push(result.resultId);
    }
  }
  // A key names one object: a second write of it replaces the first, so copies cannot exist.
  const count = tally(
    'minio',
    'screenshots (objects by key)',
    withScreenshot.length,
    withScreenshot.length - missingResults.length,
    0,
  );
  return missingResults.length === 0 ? count : { ...count, missingResults };
}

/** Run-duration samples of the session's series: one per run, at its finished_at. */
export async function countVictoriaMetrics(
  vmUrl: string,
  session: string,
  accepted: number,
): Promise<StoreCount> {
  await fetch(`${vmUrl}/internal/force_flush`).catch(() => undefined);
  const match = `primoart_synth_run_duration_seconds{service="${session}"}`;
  const response = await fetch(`${vmUrl}/api/v1/export?match[]=${encodeURIComponent(match)}&start=0`);
  if (!response.ok) throw new Error(`victoria-metrics export: ${response.status} ${await response.text()}`);
  let samples = 0;
  let copies = 0;
  for (const line of (await response.text()).split('\n')) {
    if (line.trim() === '') continue;
    const { timestamps } = JSON.parse(line) as { timestamps: number[] };
    samples += timestamps.length;
    copies += timestamps.length - new Set(timestamps).size;
  }
  return tally('victoria-metrics', 'run samples (per series and ms)', accepted, samples - copies, copies);
}

async function logsqlRows(vlUrl: string, query: string): Promise<Array<Record<string, string>>> {
  const response = await fetch(`${vlUrl}/select/logsql/query`, {
    method: 'POST',
    body: new URLSearchParams({ query }),
  });
  if (!response.ok) throw new Error(`victoria-logs query: ${response.status} ${await response.text()}`);
  return (await response.text())
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, string>);
}

async function logsql(vlUrl: string, query: string): Promise<Record<string, string>> {
  return (await logsqlRows(vlUrl, query))[0] ?? {};
}

/**
 * Entries of one kind of the session, collapsed by entry_id (README.md "Logs"): `stored` is the
 * distinct ids of what was accepted (`key`), `duplicated` the entries beyond one per id; a
 * redelivery's copies with the same entry_id are counted in the note, as VictoriaLogs keeps them.
 * Ids in `resent` were in a request sent again after no answer or a 5xx: OTLP has no idempotency
 * key, so a first attempt published before its answer was lost is a record of its own (README.md
 * "Logs"). Their second entries are at-least-once by design: counted in the note, not as duplicated.
 */
export async function countVictoriaLogs(
  vlUrl: string,
  filter: string,
  key: string,
  what: string,
  accepted: number,
  resent: ReadonlySet<string> = new Set(),
): Promise<StoreCount> {
  await fetch(`${vlUrl}/internal/force_flush`).catch(() => undefined);
  const stats = await logsql(
    vlUrl,
    `${filter} | stats count() as raw, count_uniq(entry_id) as entries, count_uniq(${key}) as distinct_keys`,
  );
  const raw = Number(stats.raw ?? 0);
  const entries = Number(stats.entries ?? 0);
  const distinct = Number(stats.distinct_keys ?? 0);
  let resentCopies = 0;
  if (entries > distinct && resent.size > 0) {
    const field = key.replaceAll('"', '');
    const doubled = await logsqlRows(
      vlUrl,
      `${filter} | stats by (${key}) count_uniq(entry_id) as ids | filter ids:>1`,
    );
    for (const row of doubled) if (resent.has(row[field] ?? '')) resentCopies += Number(row.ids ?? 1) - 1;
  }
  const notes = [
    ...(raw > entries ? [`${raw - entries} redelivered cop(ies) of an entry_id, collapsed by queries`] : []),
    ...(resentCopies > 0
      ? [`${resentCopies} second entr(ies) of records resent after a lost answer (OTLP: at least once)`]
      : []),
  ];
  return {
    ...tally('victoria-logs', what, accepted, distinct, entries - distinct - resentCopies),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

function tally(
  store: string,
  what: string,
  accepted: number,
  stored: number,
  duplicated: number,
): StoreCount {
  return { store, what, accepted, stored, missing: Math.max(0, accepted - stored), duplicated };
}
