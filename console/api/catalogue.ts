// The catalogue: every project, service, transaction, robot and location the runs have named
// (synth-store's catalogue tables), with when each was first and last seen, its current state
// from the open events, and for transactions their definitions (cron, target duration) from
// synth_definitions — also those defined but never run yet. One endpoint per kind, so each has a
// schema of its own in the OpenAPI document; all five are tables (CSV too).
//
// Current state: the newest event of each problem (transaction × kind × location) decides whether
// it is open; an open problem not suppressed by a maintenance window makes its transaction
// CRITICAL (severity critical or major) or WARNING (warning); none: OK. A service, project or
// location takes the worst state of its transactions' problems (a location: problems judged at it).
import { z } from 'zod';
import { defineEndpoint } from '../endpoint.ts';
import { locationKeySql, openProblemsSql } from '../queries/open-problems.ts';
import type { ConsoleStores } from '../stores.ts';

export const states = ['OK', 'WARNING', 'CRITICAL'] as const;
const state = z.enum(states).meta({
  description:
    'From the open events: CRITICAL with an open critical or major problem, WARNING with an open warning, else OK',
});
const time = z.iso.datetime().meta({ description: 'ISO 8601, UTC' });
const seen = {
  first_seen_at: time.nullable().meta({ description: 'The first run that named it (null: never run)' }),
  last_seen_at: time.nullable().meta({ description: 'The newest run that named it (null: never run)' }),
};
// A filter that names nothing gives an empty list, not an error; only malformed values are 400s.
const nameFilter = z.string().min(1).max(256);
const levelState = (level: number | null): (typeof states)[number] =>
  level === 2 ? 'CRITICAL' : level === 1 ? 'WARNING' : 'OK';
const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

async function rows<R>(stores: ConsoleStores, sql: string, parameters: unknown[]): Promise<R[]> {
  return (await stores.postgres.query(sql, parameters)).rows as R[];
}

// ---------------------------------------------------------------------------------------------

const projectSchema = z.strictObject({
  name: z.string(),
  ...seen,
  services: z.number().int().meta({ description: 'Services seen in it' }),
  transactions: z.number().int().meta({ description: 'Transactions seen in it' }),
  state,
});

export const listProjects = defineEndpoint({
  operationId: 'listProjects',
  method: 'get',
  path: '/api/v1/catalogue/projects',
  summary: 'Projects, with when each was seen and its current state',
  scope: 'read',
  stores: ['postgres'],
  query: z.strictObject({}),
  response: z.strictObject({ projects: z.array(projectSchema) }),
  csv: (body) => ({
    columns: ['name', 'first_seen_at', 'last_seen_at', 'services', 'transactions', 'state'],
    rows: body.projects.map((p) => [
      p.name,
      p.first_seen_at,
      p.last_seen_at,
      p.services,
      p.transactions,
      p.state,
    ]),
  }),
  async handle(_input, stores) {
    const found = await rows<{
      name: string;
      first_seen_at: Date;
      last_seen_at: Date;
      services: number;
      transactions: number;
      level: number | null;
    }>(
      stores,
      `WITH open AS MATERIALIZED (${openProblemsSql}),
       services AS (SELECT project, count(*)::int AS n FROM synth_services GROUP BY project),
       transactions AS (SELECT project, count(*)::int AS n FROM synth_transactions GROUP BY project),
       levels AS (
         SELECT t.project, max(o.level) AS level
         FROM open o JOIN synth_transactions t USING (transaction_id) GROUP BY t.project)
       SELECT p.name, p.first_seen_at, p.last_seen_at, coalesce(s.n, 0) AS services,
         coalesce(t.n, 0) AS transactions, l.level
       FROM synth_projects p
       LEFT JOIN services s ON s.project = p.name
       LEFT JOIN transactions t ON t.project = p.name
       LEFT JOIN levels l ON l.project = p.name
       ORDER BY p.name`,
      [],
    );
    return {
      projects: found.map((row) => ({
        name: row.name,
        first_seen_at: iso(row.first_seen_at),
        last_seen_at: iso(row.last_seen_at),
        services: row.services,
        transactions: row.transactions,
        state: levelState(row.level),
      })),
    };
  },
});

// ---------------------------------------------------------------------------------------------

const serviceSchema = z.strictObject({
  project: z.string().meta({ description: 'Empty for runs that named no project' }),
  name: z.string(),
  ...seen,
  transactions: z.number().int(),
  state,
});

export const listServices = defineEndpoint({
  operationId: 'listServices',
  method: 'get',
  path: '/api/v1/catalogue/services',
  summary: 'Services, with their project, when each was seen and its current state',
  scope: 'read',
  stores: ['postgres'],
  query: z.strictObject({ project: nameFilter.optional().meta({ description: 'Only this project’s' }) }),
  response: z.strictObject({ services: z.array(serviceSchema) }),
  csv: (body) => ({
    columns: ['project', 'name', 'first_seen_at', 'last_seen_at', 'transactions', 'state'],
    rows: body.services.map((s) => [
      s.project,
      s.name,
      s.first_seen_at,
      s.last_seen_at,
      s.transactions,
      s.state,
    ]),
  }),
  async handle({ query }, stores) {
    const found = await rows<{
      project: string;
      name: string;
      first_seen_at: Date;
      last_seen_at: Date;
      transactions: number;
      level: number | null;
    }>(
      stores,
      `WITH open AS MATERIALIZED (${openProblemsSql}),
       transactions AS (
         SELECT coalesce(project, '') AS project, service, count(*)::int AS n
         FROM synth_transactions GROUP BY 1, 2),
       levels AS (
         SELECT coalesce(t.project, '') AS project, t.service, max(o.level) AS level
         FROM open o JOIN synth_transactions t USING (transaction_id) GROUP BY 1, 2)
       SELECT s.project, s.name, s.first_seen_at, s.last_seen_at, coalesce(t.n, 0) AS transactions, l.level
       FROM synth_services s
       LEFT JOIN transactions t ON t.project = s.project AND t.service = s.name
       LEFT JOIN levels l ON l.project = s.project AND l.service = s.name
       WHERE ($1::text IS NULL OR s.project = $1)
       ORDER BY s.project, s.name`,
      [query.project ?? null],
    );
    return {
      services: found.map((row) => ({
        project: row.project,
        name: row.name,
        first_seen_at: iso(row.first_seen_at),
        last_seen_at: iso(row.last_seen_at),
        transactions: row.transactions,
        state: levelState(row.level),
      })),
    };
  },
});

// ---------------------------------------------------------------------------------------------

const definitionSchema = z
  .strictObject({
    name: z.string().nullable(),
    cron: z.string().nullable().meta({ description: 'When robots run it (5-field cron)' }),
    target_duration_s: z.number().nullable().meta({ description: 'Slower runs are WARNING' }),
    description: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    updated_at: time.nullable(),
  })
  .nullable()
  .meta({
    description: 'The live definition of the transaction (primoart.synth.definitions.v1); null: none',
  });

const transactionSchema = z.strictObject({
  transaction_id: z.guid(),
  name: z.string().meta({ description: 'From the newest run, else the definition' }),
  service: z.string().nullable().meta({ description: 'Null for a transaction defined but never run' }),
  project: z.string().nullable(),
  ...seen,
  state,
  open_problems: z.number().int().meta({ description: 'Open, unsuppressed problems (kind × location)' }),
  definition: definitionSchema,
});

export const listTransactions = defineEndpoint({
  operationId: 'listTransactions',
  method: 'get',
  path: '/api/v1/catalogue/transactions',
  summary: 'Transactions seen or defined, with their definition (cron, target duration) and current state',
  scope: 'read',
  stores: ['postgres'],
  query: z.strictObject({
    project: nameFilter.optional().meta({ description: 'Only this project’s' }),
    service: nameFilter.optional().meta({ description: 'Only this service’s' }),
  }),
  response: z.strictObject({ transactions: z.array(transactionSchema) }),
  csv: (body) => ({
    columns: [
      'transaction_id',
      'name',
      'service',
      'project',
      'first_seen_at',
      'last_seen_at',
      'state',
      'open_problems',
      'cron',
      'target_duration_s',
      'definition_updated_at',
    ],
    rows: body.transactions.map((t) => [
      t.transaction_id,
      t.name,
      t.service,
      t.project,
      t.first_seen_at,
      t.last_seen_at,
      t.state,
      t.open_problems,
      t.definition?.cron ?? null,
      t.definition?.target_duration_s ?? null,
      t.definition?.updated_at ?? null,
    ]),
  }),
  async handle({ query }, stores) {
    const found = await rows<{
      transaction_id: string;
      name: string;
      service: string | null;
      project: string | null;
      first_seen_at: Date | null;
      last_seen_at: Date | null;
      level: number | null;
      open_problems: number;
      defined: boolean;
      definition_name: string | null;
      cron: string | null;
      target_duration_s: number | null;
      description: string | null;
      metadata: Record<string, string> | null;
      definition_updated_at: Date | null;
    }>(
      stores,
      `WITH open AS MATERIALIZED (${openProblemsSql}),
       problems AS (
         SELECT transaction_id, max(level) AS level, count(*) FILTER (WHERE NOT via_transaction)::int AS n
         FROM open GROUP BY transaction_id),
       live AS (SELECT * FROM synth_definitions WHERE deleted_at IS NULL)
       SELECT coalesce(t.transaction_id, d.uuid) AS transaction_id,
         coalesce(t.name, d.name, '') AS name, t.service, t.project, t.first_seen_at, t.last_seen_at,
         p.level, coalesce(p.n, 0) AS open_problems,
         d.uuid IS NOT NULL AS defined, d.name AS definition_name, d.cron, d.target_duration_s, d.description,
         d.metadata, d.updated_at AS definition_updated_at
       FROM synth_transactions t
       FULL JOIN live d ON d.uuid = t.transaction_id
       LEFT JOIN problems p ON p.transaction_id = coalesce(t.transaction_id, d.uuid)
       WHERE ($1::text IS NULL OR t.project = $1) AND ($2::text IS NULL OR t.service = $2)
       ORDER BY 2, 1`,
      [query.project ?? null, query.service ?? null],
    );
    return {
      transactions: found.map((row) => ({
        transaction_id: row.transaction_id,
        name: row.name,
        service: row.service,
        project: row.project,
        first_seen_at: iso(row.first_seen_at),
        last_seen_at: iso(row.last_seen_at),
        state: levelState(row.level),
        open_problems: row.open_problems,
        definition: row.defined
          ? {
              name: row.definition_name,
              cron: row.cron,
              target_duration_s: row.target_duration_s,
              description: row.description,
              metadata: row.metadata ?? {},
              updated_at: iso(row.definition_updated_at),
            }
          : null,
      })),
    };
  },
});

// ---------------------------------------------------------------------------------------------

const robotSchema = z.strictObject({
  robot_id: z.guid(),
  name: z.string().nullable().meta({ description: 'From the newest run' }),
  ...seen,
  last_run: z
    .strictObject({
      result_id: z.guid(),
      transaction_id: z.guid(),
      transaction_name: z.string(),
      status: z.enum(['OK', 'WARNING', 'FAIL']),
      started_at: time,
      location: z.string().nullable().meta({ description: 'country/region/city, the known parts' }),
    })
    .nullable()
    .meta({ description: 'The newest run the robot uploaded (by started_at): where it runs now' }),
});

export const listRobots = defineEndpoint({
  operationId: 'listRobots',
  method: 'get',
  path: '/api/v1/catalogue/robots',
  summary: 'Robots, with when each was seen and its newest run',
  scope: 'read',
  stores: ['postgres'],
  query: z.strictObject({}),
  response: z.strictObject({ robots: z.array(robotSchema) }),
  csv: (body) => ({
    columns: [
      'robot_id',
      'name',
      'first_seen_at',
      'last_seen_at',
      'last_result_id',
      'last_transaction_id',
      'last_status',
      'last_started_at',
      'last_location',
    ],
    rows: body.robots.map((r) => [
      r.robot_id,
      r.name,
      r.first_seen_at,
      r.last_seen_at,
      r.last_run?.result_id ?? null,
      r.last_run?.transaction_id ?? null,
      r.last_run?.status ?? null,
      r.last_run?.started_at ?? null,
      r.last_run?.location ?? null,
    ]),
  }),
  async handle(_input, stores) {
    const found = await rows<{
      robot_id: string;
      name: string | null;
      first_seen_at: Date;
      last_seen_at: Date;
      result_id: string | null;
      transaction_id: string;
      transaction_name: string;
      status: 'OK' | 'WARNING' | 'FAIL';
      started_at: Date;
      location: string | null;
    }>(
      stores,
      // The newest run of each robot: one step back along synth_runs_robot_started_key.
      `SELECT b.robot_id, b.name, b.first_seen_at, b.last_seen_at, r.result_id, r.transaction_id,
         r.transaction_name, r.status, r.started_at,
         nullif(synth_location_key(r.location_country, r.location_region, r.location_city), '') AS location
       FROM synth_robots b
       LEFT JOIN LATERAL (
         SELECT * FROM synth_runs r WHERE r.robot_id = b.robot_id ORDER BY r.started_at DESC, r.result_id DESC LIMIT 1
       ) r ON true
       ORDER BY b.name NULLS LAST, b.robot_id`,
      [],
    );
    return {
      robots: found.map((row) => ({
        robot_id: row.robot_id,
        name: row.name,
        first_seen_at: iso(row.first_seen_at),
        last_seen_at: iso(row.last_seen_at),
        last_run:
          row.result_id === null
            ? null
            : {
                result_id: row.result_id,
                transaction_id: row.transaction_id,
                transaction_name: row.transaction_name,
                status: row.status,
                started_at: iso(row.started_at) as string,
                location: row.location,
              },
      })),
    };
  },
});

// ---------------------------------------------------------------------------------------------

const locationSchema = z.strictObject({
  location: z.string().meta({ description: 'country/region/city (the known parts), as events name it' }),
  country: z.string(),
  region: z.string(),
  city: z.string(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  ...seen,
  state,
});

export const listLocations = defineEndpoint({
  operationId: 'listLocations',
  method: 'get',
  path: '/api/v1/catalogue/locations',
  summary: 'Locations robots ran from, with coordinates, when each was seen and its current state',
  scope: 'read',
  stores: ['postgres'],
  query: z.strictObject({ country: nameFilter.optional().meta({ description: 'Only this country’s' }) }),
  response: z.strictObject({ locations: z.array(locationSchema) }),
  csv: (body) => ({
    columns: [
      'location',
      'country',
      'region',
      'city',
      'latitude',
      'longitude',
      'first_seen_at',
      'last_seen_at',
      'state',
    ],
    rows: body.locations.map((l) => [
      l.location,
      l.country,
      l.region,
      l.city,
      l.latitude,
      l.longitude,
      l.first_seen_at,
      l.last_seen_at,
      l.state,
    ]),
  }),
  async handle({ query }, stores) {
    const found = await rows<{
      location: string;
      country: string;
      region: string;
      city: string;
      latitude: number | null;
      longitude: number | null;
      first_seen_at: Date;
      last_seen_at: Date;
      level: number | null;
    }>(
      stores,
      `WITH open AS MATERIALIZED (${openProblemsSql}),
       levels AS (SELECT location, max(level) AS level FROM open WHERE location IS NOT NULL GROUP BY location)
       SELECT ${locationKeySql} AS location, l.country, l.region, l.city,
         l.latitude, l.longitude, l.first_seen_at, l.last_seen_at, v.level
       FROM synth_locations l
       LEFT JOIN levels v ON v.location = ${locationKeySql}
       WHERE ($1::text IS NULL OR l.country = $1)
       ORDER BY l.country, l.region, l.city`,
      [query.country ?? null],
    );
    return {
      locations: found.map((row) => ({
        location: row.location,
        country: row.country,
        region: row.region,
        city: row.city,
        latitude: row.latitude,
        longitude: row.longitude,
        first_seen_at: iso(row.first_seen_at),
        last_seen_at: iso(row.last_seen_at),
        state: levelState(row.level),
      })),
    };
  },
});

export const catalogueEndpoints = [listProjects, listServices, listTransactions, listRobots, listLocations];
