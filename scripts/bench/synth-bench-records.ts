// What the synth-store benchmarks share: results shaped like a robot's as the gateway publishes
// them, and a database of their own on the stack's PostgreSQL.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { PrimoartConfig } from '../../core/config-schema.ts';
import { benchResult, toResultRecord } from './bench-support.ts';

const transactionCount = 64;

const oneRobot = '00000000-0000-4000-8000-00000000be4c';

/**
 * A valid result, like a robot's: three steps, a location, attributes; no screenshots. Of one robot,
 * or of `robots` (each transaction run by its own robot, as in a fleet).
 */
export function synthBenchResult(
  transactions: readonly string[],
  i: number,
  robots?: readonly string[],
): Record<string, unknown> {
  const robot = robots === undefined ? undefined : robots[(i % transactions.length) % robots.length];
  return benchResult({
    transaction_id: transactions[i % transactions.length],
    service: 'bench',
    project: 'bench',
    robot_id: robot ?? oneRobot,
    robot_name: robot === undefined ? 'synth-store-throughput' : `bench robot ${robot.slice(0, 8)}`,
    location: { city: 'Frankfurt am Main', country: 'DE', latitude: 50.11, longitude: 8.68 },
    attributes: { browser: 'chromium', run: String(i) },
  });
}

/** Results as the gateway publishes them (Avro records), and the transactions they are of. */
export function freshRecords(count: number, options: { robots?: number } = {}) {
  const transactions = Array.from({ length: transactionCount }, () => randomUUID());
  const robots =
    options.robots === undefined ? undefined : Array.from({ length: options.robots }, () => randomUUID());
  return {
    transactions,
    records: Array.from({ length: count }, (_, i) =>
      toResultRecord(synthBenchResult(transactions, i, robots)),
    ),
  };
}

export async function scratchDatabase(stack: PrimoartConfig, label: string) {
  const adminUrl = requirePostgres(stack);
  const name = `primoart_bench_${label}_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  pool.on('error', () => undefined);
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

function requirePostgres(stack: PrimoartConfig): string {
  if (stack.postgres === undefined) throw new Error('the config has no postgres section');
  return stack.postgres.url;
}
