// The detector's memory on disk: one SQLite row per series (the JSON of its SeriesState) and one
// per transaction (its TransactionState), written after the events a change caused were
// acknowledged by Kafka and read back whole at start. A file without transaction rows but with
// series was written by version 1 of the state and is upgraded as it is read (detector-state.ts).
import { DatabaseSync } from 'node:sqlite';
import {
  checkedDetectorState,
  type DetectorState,
  type SeriesState,
  type TransactionState,
} from './detector-state.ts';

const schema = `
CREATE TABLE IF NOT EXISTS series_state (
  series_key TEXT PRIMARY KEY,
  state TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS transaction_state (
  transaction_id TEXT PRIMARY KEY,
  state TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS detector_meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;

export interface StateChanges {
  series: ReadonlyMap<string, SeriesState>;
  transactions: ReadonlyMap<string, TransactionState>;
  /** Series to delete (forgotten, see `forgetIdleSeries`). */
  forgottenSeries?: Iterable<string>;
  forgottenTransactions?: Iterable<string>;
}

/**
 * Makes equal strings of the state one string: JSON.parse gives each occurrence its own copy, and a
 * series repeats its robot id, status and judgement in each of its remembered runs (a fifth of the
 * heap of 100k series, scripts/bench/detector-state.ts). Result ids are unique and left alone.
 */
function interner(): <T>(value: T) => T {
  const strings = new Map<string, string>();
  const intern = (text: string): string => {
    const known = strings.get(text);
    if (known !== undefined) return known;
    strings.set(text, text);
    return text;
  };
  return (value) => {
    const series = value as { recent?: unknown; transaction_id?: unknown };
    if (Array.isArray(series.recent))
      for (const run of series.recent as Array<Record<string, unknown>>)
        for (const field of ['robot_id', 'status', 'performance'])
          if (typeof run[field] === 'string') run[field] = intern(run[field] as string);
    if (typeof series.transaction_id === 'string') series.transaction_id = intern(series.transaction_id);
    return value;
  };
}

export class DetectorStateStore {
  readonly #database: DatabaseSync;

  constructor(path: string) {
    this.#database = new DatabaseSync(path);
    this.#database.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    this.#database.exec(schema);
  }

  /**
   * Every series and transaction, checked by `checkedDetectorState`: a malformed row stops the
   * start. Row by row: one JSON text of the whole state (100k series: ~450 MB) parses slower than
   * linearly and needs it twice in memory.
   */
  load(): DetectorState {
    const interned = interner();
    const rows = (table: string, key: string) => {
      const parsed: Record<string, unknown> = {};
      for (const row of this.#database
        .prepare(`SELECT ${key} AS key, state FROM ${table}`)
        .iterate() as Iterable<{
        key: string;
        state: string;
      }>)
        parsed[row.key] = interned(JSON.parse(row.state));
      return parsed;
    };
    const version = this.#database
      .prepare("SELECT value FROM detector_meta WHERE name = 'state_version'")
      .get() as { value: string } | undefined;
    const series = rows('series_state', 'series_key');
    if (version === undefined) {
      // Written before transactions were kept (or new): read as version 1, upgraded, and saved whole.
      const state = checkedDetectorState({ version: 1, series });
      this.#replace(state);
      return state;
    }
    return checkedDetectorState({
      version: Number(version.value),
      series,
      transactions: rows('transaction_state', 'transaction_id'),
    });
  }

  /** The whole state in one transaction (the upgrade of a version-1 file). */
  #replace(state: DetectorState): void {
    this.#transaction(() => {
      this.#database.exec('DELETE FROM series_state; DELETE FROM transaction_state;');
      this.#write({
        series: new Map(Object.entries(state.series)),
        transactions: new Map(Object.entries(state.transactions)),
      });
      this.#database
        .prepare("INSERT OR REPLACE INTO detector_meta (name, value) VALUES ('state_version', ?)")
        .run(String(state.version));
    });
  }

  /** Upserts the given series and transactions and deletes the forgotten ones, in one transaction. */
  save(changes: StateChanges): void {
    this.#transaction(() => this.#write(changes));
  }

  #write(changes: StateChanges): void {
    const upsert = (table: string, key: string) =>
      this.#database.prepare(
        `INSERT INTO ${table} (${key}, state) VALUES (?, ?) ON CONFLICT (${key}) DO UPDATE SET state = excluded.state`,
      );
    const upsertSeries = upsert('series_state', 'series_key');
    for (const [key, state] of changes.series) upsertSeries.run(key, JSON.stringify(state));
    const upsertTransaction = upsert('transaction_state', 'transaction_id');
    for (const [id, state] of changes.transactions) upsertTransaction.run(id, JSON.stringify(state));
    const deleteSeries = this.#database.prepare('DELETE FROM series_state WHERE series_key = ?');
    for (const key of changes.forgottenSeries ?? []) deleteSeries.run(key);
    const deleteTransaction = this.#database.prepare(
      'DELETE FROM transaction_state WHERE transaction_id = ?',
    );
    for (const id of changes.forgottenTransactions ?? []) deleteTransaction.run(id);
  }

  #transaction(work: () => void): void {
    this.#database.exec('BEGIN');
    try {
      work();
      this.#database.exec('COMMIT');
    } catch (error) {
      this.#database.exec('ROLLBACK');
      throw error;
    }
  }

  close(): void {
    this.#database.close();
  }
}
