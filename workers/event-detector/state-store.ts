// The detector's memory on disk: one SQLite row per series, the JSON of its SeriesState, written
// after the events a change caused were acknowledged by Kafka and read back whole at start.
import { DatabaseSync } from 'node:sqlite';
import { type DetectorState, parseDetectorState, type SeriesState } from './detector-state.ts';

const schema = `
CREATE TABLE IF NOT EXISTS series_state (
  series_key TEXT PRIMARY KEY,
  state TEXT NOT NULL
) WITHOUT ROWID;
`;

export class DetectorStateStore {
  readonly #database: DatabaseSync;

  constructor(path: string) {
    this.#database = new DatabaseSync(path);
    this.#database.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    this.#database.exec(schema);
  }

  /** Every series, checked by `parseDetectorState`: a malformed row stops the start, not the memory. */
  load(): DetectorState {
    const rows = this.#database.prepare('SELECT series_key, state FROM series_state').all() as Array<{
      series_key: string;
      state: string;
    }>;
    const series = rows.map((row) => `${JSON.stringify(row.series_key)}:${row.state}`).join(',');
    return parseDetectorState(`{"version":1,"series":{${series}}}`);
  }

  /** Upserts the given series in one transaction. */
  save(changed: ReadonlyMap<string, SeriesState>): void {
    if (changed.size === 0) return;
    const upsert = this.#database.prepare(
      'INSERT INTO series_state (series_key, state) VALUES (?, ?) ' +
        'ON CONFLICT (series_key) DO UPDATE SET state = excluded.state',
    );
    this.#database.exec('BEGIN');
    try {
      for (const [key, state] of changed) upsert.run(key, JSON.stringify(state));
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
