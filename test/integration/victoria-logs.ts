// VictoriaLogs as integration tests read it back: LogsQL through its own query API, of the stack's
// VictoriaLogs unless `url` names another (a test's own: private-store.ts).
import assert from 'node:assert/strict';
import { stack } from './stack.ts';

export type Entry = Record<string, string>;

/** Run a LogsQL query against VictoriaLogs itself. */
export async function logsql(query: string, url = stack.victoriaLogsUrl()): Promise<Entry[]> {
  const response = await fetch(`${url}/select/logsql/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query }),
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Entry);
}

/** The documented de-duplicating query (README "Logs"): each entry once, however often it was written. */
export const uniqueEntries = (filter: string, url?: string) =>
  logsql(`${filter} | first 1 by (_time) partition by (entry_id)`, url);

/** Entries matching `filter`: every one written (raw) and distinct entry ids (unique). */
export async function counts(filter: string, url?: string): Promise<{ raw: number; unique: number }> {
  const [row] = await logsql(`${filter} | stats count() raw, count_uniq(entry_id) unique_entries`, url);
  return { raw: Number(row?.raw ?? 0), unique: Number(row?.unique_entries ?? 0) };
}
