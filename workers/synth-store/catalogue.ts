// The catalogue results carry: projects, services, transactions, robots and locations, upserted
// inside the transaction that writes the runs (see migration 0002 for the keys).
// Idempotent and order-free: last_seen_at only moves forward, and names and coordinates follow the
// newest run, so a re-delivered or replayed older run changes nothing.
import type { PoolClient } from 'pg';
import type { SynthResult } from '../../schemas/record-types.ts';

interface Seen {
  first_seen_at: number;
  last_seen_at: number;
}

/** Rows by key: first and last sightings over the batch, attributes from the newest run. */
class Sightings<T extends object> {
  readonly rows = new Map<string, T & Seen>();

  see(key: string, at: number, attributes: T): void {
    const row = this.rows.get(key);
    if (row === undefined) {
      this.rows.set(key, { ...attributes, first_seen_at: at, last_seen_at: at });
      return;
    }
    row.first_seen_at = Math.min(row.first_seen_at, at);
    if (at >= row.last_seen_at) Object.assign(row, attributes, { last_seen_at: at });
  }

  /**
   * As JSON for jsonb_to_recordset, sorted by key: concurrent instances then lock shared rows
   * (the same project from two partitions) in the same order, so they wait instead of deadlocking.
   */
  json(): string {
    const sorted = [...this.rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return JSON.stringify(
      sorted.map(([, row]) => ({
        ...row,
        first_seen_at: new Date(row.first_seen_at).toISOString(),
        last_seen_at: new Date(row.last_seen_at).toISOString(),
      })),
    );
  }
}

// Every upsert: insert new keys; on an existing key widen the seen interval, and take the
// attributes only from a sighting newer than the stored one. Unchanged rows are not rewritten.
const seenUpdate = (table: string, attributes: string[]) => `
  first_seen_at = LEAST(${table}.first_seen_at, EXCLUDED.first_seen_at),
  last_seen_at = GREATEST(${table}.last_seen_at, EXCLUDED.last_seen_at)${attributes
    .map(
      (column) =>
        `,\n  ${column} = CASE WHEN EXCLUDED.last_seen_at > ${table}.last_seen_at THEN EXCLUDED.${column} ELSE ${table}.${column} END`,
    )
    .join('')}
WHERE EXCLUDED.last_seen_at > ${table}.last_seen_at OR EXCLUDED.first_seen_at < ${table}.first_seen_at`;

const seenColumns = 'first_seen_at timestamptz, last_seen_at timestamptz';

const upsertProjects = `
INSERT INTO synth_projects AS p (name, first_seen_at, last_seen_at)
SELECT name, first_seen_at, last_seen_at FROM jsonb_to_recordset($1::jsonb) AS x(name text, ${seenColumns})
ON CONFLICT (name) DO UPDATE SET ${seenUpdate('p', [])}`;

const upsertServices = `
INSERT INTO synth_services AS s (project, name, first_seen_at, last_seen_at)
SELECT project, name, first_seen_at, last_seen_at
FROM jsonb_to_recordset($1::jsonb) AS x(project text, name text, ${seenColumns})
ON CONFLICT (project, name) DO UPDATE SET ${seenUpdate('s', [])}`;

const upsertTransactions = `
INSERT INTO synth_transactions AS t (transaction_id, name, service, project, first_seen_at, last_seen_at)
SELECT transaction_id, name, service, project, first_seen_at, last_seen_at
FROM jsonb_to_recordset($1::jsonb) AS x(transaction_id uuid, name text, service text, project text, ${seenColumns})
ON CONFLICT (transaction_id) DO UPDATE SET ${seenUpdate('t', ['name', 'service', 'project'])}`;

const upsertRobots = `
INSERT INTO synth_robots AS r (robot_id, name, first_seen_at, last_seen_at)
SELECT robot_id, name, first_seen_at, last_seen_at
FROM jsonb_to_recordset($1::jsonb) AS x(robot_id uuid, name text, ${seenColumns})
ON CONFLICT (robot_id) DO UPDATE SET ${seenUpdate('r', ['name'])}`;

const upsertLocations = `
INSERT INTO synth_locations AS l (country, region, city, latitude, longitude, first_seen_at, last_seen_at)
SELECT country, region, city, latitude, longitude, first_seen_at, last_seen_at
FROM jsonb_to_recordset($1::jsonb) AS x(
  country text, region text, city text, latitude double precision, longitude double precision, ${seenColumns})
ON CONFLICT (country, region, city) DO UPDATE SET ${seenUpdate('l', ['latitude', 'longitude'])}`;

export async function upsertCatalogue(client: PoolClient, runs: SynthResult[]): Promise<void> {
  const projects = new Sightings<{ name: string }>();
  const services = new Sightings<{ project: string; name: string }>();
  const transactions = new Sightings<{
    transaction_id: string;
    name: string;
    service: string;
    project: string | null;
  }>();
  const robots = new Sightings<{ robot_id: string; name: string | null }>();
  const locations = new Sightings<{
    country: string;
    region: string;
    city: string;
    latitude: number | null;
    longitude: number | null;
  }>();

  for (const run of runs) {
    const at = run.finished_at.getTime();
    const project = run.project ?? null;
    if (project !== null) projects.see(project, at, { name: project });
    // A key of parts: JSON keeps any separator inside a name from colliding.
    services.see(JSON.stringify([project ?? '', run.service]), at, {
      project: project ?? '',
      name: run.service,
    });
    transactions.see(run.transaction_id, at, {
      transaction_id: run.transaction_id,
      name: run.transaction_name,
      service: run.service,
      project,
    });
    robots.see(run.robot_id, at, { robot_id: run.robot_id, name: run.robot_name ?? null });
    const location = run.location;
    if (location && (location.country || location.region || location.city)) {
      const place = {
        country: location.country ?? '',
        region: location.region ?? '',
        city: location.city ?? '',
      };
      locations.see(JSON.stringify([place.country, place.region, place.city]), at, {
        ...place,
        latitude: location.latitude ?? null,
        longitude: location.longitude ?? null,
      });
    }
  }

  if (projects.rows.size > 0) await client.query(upsertProjects, [projects.json()]);
  await client.query(upsertServices, [services.json()]);
  await client.query(upsertTransactions, [transactions.json()]);
  await client.query(upsertRobots, [robots.json()]);
  if (locations.rows.size > 0) await client.query(upsertLocations, [locations.json()]);
}
