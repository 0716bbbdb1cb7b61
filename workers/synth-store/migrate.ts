// Versioned PostgreSQL migrations of synth-store's database: files `NNNN_name.sql` in migrations/,
// applied in order, each in its own transaction, recorded in schema_migrations. An advisory lock lets several
// worker instances start at once without racing.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';

const directory = join(import.meta.dirname, 'migrations');
// Any fixed 64-bit number: the lock that serialises migrators of one database.
const lockKey = 7_311_190_402;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function listMigrations(dir = directory): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(join(dir, file), 'utf8'),
    }));
}

/** What `migrate` says while it works: a migration that backfills a big table takes minutes. */
export interface MigrationProgress {
  applying?(migration: Migration): void;
  applied?(migration: Migration, seconds: number): void;
}

/** Apply what is missing; returns the versions applied now. */
export async function migrate(
  pool: Pool,
  migrations = listMigrations(),
  progress: MigrationProgress = {},
): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [lockKey]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      progress.applying?.(migration);
      const began = Date.now();
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(
          `migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`,
        );
      }
      applied.push(migration.version);
      progress.applied?.(migration, (Date.now() - began) / 1000);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [lockKey]).catch(() => undefined);
    client.release();
  }
}
