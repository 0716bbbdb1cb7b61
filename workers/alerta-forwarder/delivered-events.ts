// Which events already reached Alerta, in SQLite, so that forwarding is idempotent.
//
// Alerta's de-duplication makes a repeated alert harmless while its alert is still open, but not
// once it closed: re-sending an old `open` re-opens it. That happens when the event detector's
// state is rebuilt and the results replayed (it re-produces the same event ids), or when this
// worker's own group is rewound. An event id found here is therefore never sent again.
import { DatabaseSync, type StatementSync } from 'node:sqlite';

export class DeliveredEvents {
  private readonly db: DatabaseSync;
  private readonly lookup: StatementSync;
  private readonly insert: StatementSync;
  private readonly deleteBefore: StatementSync;

  constructor(file: string) {
    this.db = new DatabaseSync(file);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      CREATE TABLE IF NOT EXISTS delivered_events (
        event_id TEXT PRIMARY KEY,
        occurred_at_ms INTEGER NOT NULL,
        delivered_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX IF NOT EXISTS delivered_events_by_occurred_at ON delivered_events (occurred_at_ms);
    `);
    this.lookup = this.db.prepare('SELECT 1 FROM delivered_events WHERE event_id = ?');
    this.insert = this.db.prepare(
      'INSERT OR IGNORE INTO delivered_events (event_id, occurred_at_ms, delivered_at_ms) VALUES (?, ?, ?)',
    );
    this.deleteBefore = this.db.prepare('DELETE FROM delivered_events WHERE occurred_at_ms < ?');
  }

  has(eventId: string): boolean {
    return this.lookup.get(eventId) !== undefined;
  }

  /** Call only once Alerta accepted the event's alert. */
  record(eventId: string, occurredAt: Date, deliveredAt: Date): void {
    this.insert.run(eventId, occurredAt.getTime(), deliveredAt.getTime());
  }

  /** Forget events that occurred before `before`; returns how many. */
  prune(before: Date): number {
    return Number(this.deleteBefore.run(before.getTime()).changes);
  }

  close(): void {
    this.db.close();
  }
}
