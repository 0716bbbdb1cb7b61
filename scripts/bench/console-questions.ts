// The questions console-queries.ts asks: each endpoint of the read API with varied filters, levels,
// periods (1–30 days, edges inside hours), time zones and page cursors, and beside each the same
// question answered by plain SQL over the raw rows (synth_runs, synth_step_runs, synth_events; no
// rollup, no catalogue table). Values travel as parameters; the SQL text comes from the fixed maps
// below. Which variant a round asks is drawn from a seeded random stream, so two runs with the same
// seed ask the same questions.
import type { FleetTransaction } from '../fleet/fleet-plan.ts';
import type { RandomSource } from '../fleet/random.ts';

/** One timed API request, recorded under `label`; resolves with the answer's JSON (or CSV text). */
export type Ask = (
  label: string,
  path: string,
  query: Record<string, string>,
  options?: { csv?: boolean },
) => Promise<unknown>;

/** Statements run one after the other on one connection, timed together, recorded under `label`. */
export type RunSql = (
  label: string,
  statements: Array<[string, unknown[]]>,
) => Promise<Array<Array<Record<string, unknown>>>>;

export interface Question {
  /** The operation it asks (a console that does not serve it is skipped, and said so). */
  operationId: string;
  api(ask: Ask): Promise<void>;
  raw(run: RunSql): Promise<void>;
}

/** What the questions are drawn from: the loaded fleet. */
export interface FleetFacts {
  transactions: readonly FleetTransaction[];
  robots: readonly string[];
  locations: readonly string[];
  /** Stored runs (robot_id, result_id) to ask the run detail of. */
  sampleRuns: ReadonlyArray<{ robot_id: string; result_id: string }>;
}

export const timeZones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'] as const;
const periodDays = [1, 2, 7, 14, 30] as const;
const slaLevels = ['all', 'project', 'service', 'transaction', 'robot', 'location', 'step'] as const;
type SlaLevel = (typeof slaLevels)[number];

const dayMs = 86_400_000;
/** Pages of runs followed after the first one. */
const nextPages = 3;
const pageSize = 100;

function pick<T>(random: RandomSource, items: readonly T[]): T {
  return items[Math.floor(random.next() * items.length)] as T;
}

/**
 * A period of `days` ending a little before now, at a time that is not a whole hour: its edges are
 * read from the raw runs by the API, the hours inside from the rollups.
 */
function periodOf(random: RandomSource, days: number): { from: Date; to: Date } {
  const to = new Date(Date.now() - Math.floor(random.next() * 3 * 3_600_000));
  return { from: new Date(to.getTime() - days * dayMs), to };
}

/** A filter of the report endpoints (none, project, service or transaction) and its raw condition. */
function reportFilter(random: RandomSource, fleet: FleetFacts, allowNone: boolean) {
  const transaction = pick(random, fleet.transactions);
  const choices = [
    ...(allowNone ? [{ query: {}, column: undefined, value: undefined }] : []),
    {
      query: { project: transaction.project },
      column: "coalesce(r.project, '')",
      value: transaction.project,
    },
    { query: { service: transaction.service }, column: 'r.service', value: transaction.service },
    { query: { transaction: transaction.id }, column: 'r.transaction_id', value: transaction.id },
  ];
  return pick(random, choices) as { query: Record<string, string>; column?: string; value?: string };
}

// --- SLA ---------------------------------------------------------------------------------------

const locationKeySql = 'synth_location_key(r.location_country, r.location_region, r.location_city)';

/** The object of a level over raw rows: its key columns and the names shown beside them (newest). */
const slaRawColumns: Record<SlaLevel, { key: string[]; newest: string[] }> = {
  all: { key: [], newest: [] },
  project: { key: ["coalesce(r.project, '')"], newest: [] },
  service: { key: ["coalesce(r.project, '')", 'r.service'], newest: [] },
  transaction: { key: ['r.transaction_id'], newest: ['r.transaction_name', 'r.service', 'r.project'] },
  robot: { key: ['r.robot_id'], newest: ['r.robot_name'] },
  location: { key: [locationKeySql], newest: [] },
  step: { key: ['r.transaction_id', 's.step_index'], newest: ['r.transaction_name', 's.name'] },
};

function slaRawSql(level: SlaLevel, filterColumn: string | undefined): string {
  const { key, newest } = slaRawColumns[level];
  const status = level === 'step' ? 's.status' : 'r.status';
  // $1 from, $2 to, $3 previous from, $4 now, $5 tz, $6 the filter's value
  const periods = {
    current: 'r.started_at >= $1 AND r.started_at < $2',
    previous: 'r.started_at >= $3 AND r.started_at < $1',
    today: "r.started_at >= date_trunc('day', $4::timestamptz, $5) AND r.started_at < $4",
  };
  const counts = Object.entries(periods).flatMap(([name, where]) => [
    `count(*) FILTER (WHERE ${where}) AS ${name}_runs`,
    ...['OK', 'WARNING', 'FAIL'].map(
      (value) =>
        `count(*) FILTER (WHERE ${where} AND ${status} = '${value}') AS ${name}_${value.toLowerCase()}`,
    ),
  ]);
  const shown = [
    ...key.map((column, i) => `${column} AS key_${i}`),
    ...newest.map((column, i) => `(array_agg(${column} ORDER BY r.started_at DESC))[1] AS newest_${i}`),
  ];
  return `
    SELECT ${[...shown, ...counts].join(', ')}
    FROM synth_runs r
    ${level === 'step' ? 'JOIN synth_step_runs s ON s.robot_id = r.robot_id AND s.result_id = r.result_id' : ''}
    WHERE ((r.started_at >= $3 AND r.started_at < $2)
        OR (r.started_at >= date_trunc('day', $4::timestamptz, $5) AND r.started_at < $4))
      ${filterColumn === undefined ? 'AND $6::text IS NULL' : `AND ${filterColumn} = $6`}
    ${key.length === 0 ? '' : `GROUP BY ${key.join(', ')}`}
    HAVING count(*) FILTER (WHERE r.started_at >= $3 AND r.started_at < $2) > 0`;
}

function slaQuestion(random: RandomSource, fleet: FleetFacts): Question {
  const level = pick(random, slaLevels);
  const days = pick(random, periodDays);
  const { from, to } = periodOf(random, days);
  const tz = pick(random, timeZones);
  // The step level of a whole project is the largest question; it is asked without a filter too.
  const filter = reportFilter(random, fleet, true);
  // Short periods are the SLA's hardest (their edges are most of what is read); the issue's figure
  // is for 30 days.
  const label = `getSla level=${level} ${days === 30 ? '30 days' : '1–14 days'}`;
  return {
    operationId: 'getSla',
    async api(ask) {
      await ask(label, '/api/v1/sla', {
        level,
        from: from.toISOString(),
        to: to.toISOString(),
        tz,
        ...filter.query,
      });
    },
    async raw(run) {
      const previousFrom = new Date(from.getTime() - (to.getTime() - from.getTime()));
      await run(label, [
        [slaRawSql(level, filter.column), [from, to, previousFrom, new Date(), tz, filter.value ?? null]],
      ]);
    },
  };
}

// --- heatmap -----------------------------------------------------------------------------------

function heatmapQuestion(random: RandomSource, fleet: FleetFacts): Question {
  const days = pick(random, periodDays);
  const { from, to } = periodOf(random, days);
  const tz = pick(random, timeZones);
  const filter = reportFilter(random, fleet, false);
  const label = 'getHeatmap';
  return {
    operationId: 'getHeatmap',
    async api(ask) {
      await ask(label, '/api/v1/heatmap', {
        from: from.toISOString(),
        to: to.toISOString(),
        tz,
        ...filter.query,
      });
    },
    async raw(run) {
      await run(label, [
        [
          `SELECT extract(isodow FROM r.started_at AT TIME ZONE $3)::int AS weekday,
             extract(hour FROM r.started_at AT TIME ZONE $3)::int AS hour,
             count(*) AS runs, count(*) FILTER (WHERE r.status <> 'FAIL') AS durations,
             avg(r.duration_ms) FILTER (WHERE r.status <> 'FAIL') AS mean_ms,
             percentile_cont(0.9) WITHIN GROUP (ORDER BY r.duration_ms) FILTER (WHERE r.status <> 'FAIL') AS p90_ms
           FROM synth_runs r
           WHERE r.started_at >= $1 AND r.started_at < $2 AND ${filter.column} = $4
           GROUP BY 1, 2`,
          [from, to, tz, filter.value],
        ],
      ]);
    },
  };
}

// --- runs --------------------------------------------------------------------------------------

interface RunsFilter {
  query: Record<string, string>;
  conditions: string[];
  values: unknown[];
}

/** A filter of the runs list and its raw conditions ($1… in `values`' order). */
function runsFilter(random: RandomSource, fleet: FleetFacts): RunsFilter {
  const transaction = pick(random, fleet.transactions);
  const robot = pick(random, fleet.robots);
  const location = pick(random, fleet.locations);
  const { from, to } = periodOf(random, pick(random, periodDays));
  const choices: RunsFilter[] = [
    { query: {}, conditions: [], values: [] },
    {
      query: { transaction: transaction.id },
      conditions: ['r.transaction_id = $1'],
      values: [transaction.id],
    },
    { query: { robot }, conditions: ['r.robot_id = $1'], values: [robot] },
    { query: { location }, conditions: [`${locationKeySql} = $1`], values: [location] },
    {
      query: { status: 'FAIL' },
      conditions: ['r.status = ANY($1::text[])'],
      values: [['FAIL']],
    },
    {
      query: { service: transaction.service, status: 'WARNING,FAIL' },
      conditions: ['r.service = $1', 'r.status = ANY($2::text[])'],
      values: [transaction.service, ['WARNING', 'FAIL']],
    },
    {
      // Slow runs: durations over 2.5 × the median of the slowest journey, rare.
      query: { min_duration_ms: '25000' },
      conditions: ['r.duration_ms >= $1'],
      values: [25_000],
    },
    {
      query: { transaction: transaction.id, from: from.toISOString(), to: to.toISOString() },
      conditions: ['r.transaction_id = $1', 'r.started_at >= $2', 'r.started_at < $3'],
      values: [transaction.id, from, to],
    },
  ];
  return pick(random, choices);
}

const runListSql = (conditions: string[], limit: string) => `
  SELECT r.robot_id, r.result_id, r.transaction_id, r.transaction_name, r.service, r.project, r.robot_name,
    ${locationKeySql} AS location, r.environment, r.started_at, r.finished_at, r.duration_ms, r.status,
    r.error_code, r.error_message, r.target_duration_ms
  FROM synth_runs r
  ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}
  ORDER BY r.started_at DESC, r.robot_id DESC, r.result_id DESC
  ${limit}`;

function runsQuestion(random: RandomSource, fleet: FleetFacts): Question {
  const filter = runsFilter(random, fleet);
  const first = `listRuns first page, ${Object.keys(filter.query).join('+') || 'no filter'}`;
  const next = 'listRuns next pages (cursor)';
  return {
    operationId: 'listRuns',
    async api(ask) {
      const cursorOf = (body: unknown) => (body as { next_cursor?: unknown } | undefined)?.next_cursor;
      let cursor = cursorOf(await ask(first, '/api/v1/runs', { ...filter.query, limit: String(pageSize) }));
      for (let page = 0; page < nextPages && typeof cursor === 'string'; page++) {
        cursor = cursorOf(
          await ask(next, '/api/v1/runs', { ...filter.query, limit: String(pageSize), cursor }),
        );
      }
    },
    async raw(run) {
      const n = filter.values.length;
      let [rows] = await run(first, [
        [runListSql(filter.conditions, `LIMIT ${pageSize + 1}`), filter.values],
      ]);
      for (let page = 0; page < nextPages && rows !== undefined && rows.length > pageSize; page++) {
        const last = rows[pageSize - 1] as Record<string, unknown>;
        const after = `(r.started_at, r.robot_id, r.result_id) < ($${n + 1}, $${n + 2}, $${n + 3})`;
        [rows] = await run(next, [
          [
            runListSql([...filter.conditions, after], `LIMIT ${pageSize + 1}`),
            [...filter.values, last.started_at, last.robot_id, last.result_id],
          ],
        ]);
      }
    },
  };
}

/** One transaction's runs of a day as CSV (Accept: text/csv), read to the last byte. */
function runsCsvQuestion(random: RandomSource, fleet: FleetFacts): Question {
  const transaction = pick(random, fleet.transactions);
  const { from, to } = periodOf(random, 1);
  const label = 'listRuns CSV, a transaction-day';
  return {
    operationId: 'listRuns',
    async api(ask) {
      await ask(
        label,
        '/api/v1/runs',
        { transaction: transaction.id, from: from.toISOString(), to: to.toISOString() },
        { csv: true },
      );
    },
    async raw(run) {
      await run(label, [
        [
          runListSql(['r.transaction_id = $1', 'r.started_at >= $2', 'r.started_at < $3'], ''),
          [transaction.id, from, to],
        ],
      ]);
    },
  };
}

function runDetailQuestion(random: RandomSource, fleet: FleetFacts): Question {
  const { robot_id, result_id } = pick(random, fleet.sampleRuns);
  const label = 'getRun';
  return {
    operationId: 'getRun',
    async api(ask) {
      await ask(label, `/api/v1/runs/${robot_id}/${result_id}`, {});
    },
    async raw(run) {
      await run(label, [
        ['SELECT * FROM synth_runs WHERE robot_id = $1 AND result_id = $2', [robot_id, result_id]],
        [
          'SELECT * FROM synth_step_runs WHERE robot_id = $1 AND result_id = $2 ORDER BY step_index',
          [robot_id, result_id],
        ],
      ]);
    },
  };
}

// --- transaction detail ------------------------------------------------------------------------

const percentilesSql = (alias: string) =>
  `percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ${alias}.duration_ms) FILTER (WHERE ${alias}.status <> 'FAIL')`;

const statusCountsSql = (alias: string) =>
  `count(*) AS runs, count(*) FILTER (WHERE ${alias}.status = 'OK') AS ok,
   count(*) FILTER (WHERE ${alias}.status = 'WARNING') AS warning, count(*) FILTER (WHERE ${alias}.status = 'FAIL') AS fail`;

function transactionQuestion(random: RandomSource, fleet: FleetFacts): Question {
  const transaction = pick(random, fleet.transactions);
  const days = pick(random, periodDays);
  const { from, to } = periodOf(random, days);
  const tz = pick(random, timeZones);
  // As the API chooses by default: hourly points up to 7 days, daily ones beyond.
  const interval = days <= 7 ? 'hour' : 'day';
  const label = `getTransaction ${interval === 'hour' ? '≤ 7 days' : '> 7 days'}`;
  const where = 'r.transaction_id = $1 AND r.started_at >= $2 AND r.started_at < $3';
  return {
    operationId: 'getTransaction',
    async api(ask) {
      await ask(label, `/api/v1/transactions/${transaction.id}`, {
        from: from.toISOString(),
        to: to.toISOString(),
        tz,
      });
    },
    async raw(run) {
      const values = [transaction.id, from, to];
      const bucket =
        interval === 'hour'
          ? "date_trunc('hour', r.started_at, 'UTC')"
          : "date_trunc('day', r.started_at, $4)";
      await run(label, [
        [
          `SELECT ${statusCountsSql('r')}, avg(r.duration_ms) FILTER (WHERE r.status <> 'FAIL'), ${percentilesSql('r')} FROM synth_runs r WHERE ${where}`,
          values,
        ],
        [
          `SELECT ${bucket} AS at, ${statusCountsSql('r')}, avg(r.duration_ms) FILTER (WHERE r.status <> 'FAIL'), ${percentilesSql('r')}
           FROM synth_runs r WHERE ${where} ${interval === 'hour' ? 'AND $4::text IS NOT NULL' : ''} GROUP BY 1`,
          [...values, tz],
        ],
        [
          `SELECT ${locationKeySql} AS location, min(r.location_latitude), min(r.location_longitude), ${statusCountsSql('r')}, ${percentilesSql('r')}
           FROM synth_runs r WHERE ${where} GROUP BY 1`,
          values,
        ],
        [
          `SELECT s.step_index, (array_agg(s.name ORDER BY r.started_at DESC))[1], ${statusCountsSql('s')}, ${percentilesSql('s')}
           FROM synth_runs r JOIN synth_step_runs s ON s.robot_id = r.robot_id AND s.result_id = r.result_id
           WHERE ${where} GROUP BY 1`,
          values,
        ],
        [
          `SELECT width_bucket(r.duration_ms, ARRAY[30000, 60000, 120000, 300000]) AS bucket, count(*)
           FROM synth_runs r WHERE ${where} AND r.status <> 'FAIL' GROUP BY 1`,
          values,
        ],
        [
          `SELECT date_trunc('day', r.started_at, $4) AS day, ${statusCountsSql('r')}
           FROM synth_runs r WHERE ${where} GROUP BY 1`,
          [...values, tz],
        ],
      ]);
    },
  };
}

// --- catalogue, status, events -----------------------------------------------------------------

/** The catalogue lists over the raw runs: first and last seen, names from the newest run. */
const catalogueRawSql: Record<string, string> = {
  listProjects: `SELECT coalesce(project, '') AS name, count(DISTINCT service) AS services,
      count(DISTINCT transaction_id) AS transactions, min(started_at), max(started_at)
    FROM synth_runs GROUP BY 1`,
  listServices: `SELECT coalesce(project, ''), service, count(DISTINCT transaction_id), min(started_at), max(started_at)
    FROM synth_runs GROUP BY 1, 2`,
  listTransactions: `SELECT transaction_id, (array_agg(transaction_name ORDER BY started_at DESC))[1],
      (array_agg(service ORDER BY started_at DESC))[1], min(started_at), max(started_at)
    FROM synth_runs GROUP BY 1`,
  listRobots: `SELECT robot_id, (array_agg(robot_name ORDER BY started_at DESC))[1], min(started_at), max(started_at)
    FROM synth_runs GROUP BY 1`,
  listLocations: `SELECT ${locationKeySql.replaceAll('r.', '')}, min(location_latitude), min(location_longitude),
      min(started_at), max(started_at)
    FROM synth_runs GROUP BY 1`,
};

const cataloguePaths: Record<string, string> = {
  listProjects: 'projects',
  listServices: 'services',
  listTransactions: 'transactions',
  listRobots: 'robots',
  listLocations: 'locations',
};

function catalogueQuestion(random: RandomSource): Question {
  const operationId = pick(random, Object.keys(cataloguePaths));
  return {
    operationId,
    async api(ask) {
      await ask(operationId, `/api/v1/catalogue/${cataloguePaths[operationId]}`, {});
    },
    async raw(run) {
      await run(operationId, [[catalogueRawSql[operationId] as string, []]]);
    },
  };
}

/** The newest event of every problem, open and not suppressed (as the event detector tracks them). */
const openProblemsRawSql = `
  SELECT transaction_id, location, CASE WHEN severity IN ('critical', 'major') THEN 2 ELSE 1 END AS level
  FROM (SELECT DISTINCT ON (transaction_id, kind, coalesce(location, '')) transaction_id, location, action, severity, suppressed
        FROM synth_events ORDER BY transaction_id, kind, coalesce(location, ''), occurred_at DESC, stored_at DESC) newest
  WHERE action = 'open' AND NOT suppressed`;

function statusQuestion(random: RandomSource): Question {
  const level = pick(random, ['project', 'service', 'transaction', 'location'] as const);
  const objects: Record<typeof level, string> = {
    project: "coalesce(r.project, '')",
    service: "coalesce(r.project, '') || '|' || r.service",
    transaction: 'r.transaction_id::text',
    location: locationKeySql,
  };
  const label = 'getStatus';
  return {
    operationId: 'getStatus',
    async api(ask) {
      await ask(label, '/api/v1/status', { level });
    },
    async raw(run) {
      await run(label, [
        [
          `WITH open AS (${openProblemsRawSql}),
                objects AS (SELECT DISTINCT ${objects[level]} AS object, r.transaction_id FROM synth_runs r)
           SELECT o.object, coalesce(max(p.level), 0) AS level, count(p.level) AS problems
           FROM objects o LEFT JOIN open p ON p.transaction_id = o.transaction_id GROUP BY 1`,
          [],
        ],
      ]);
    },
  };
}

function eventsQuestion(random: RandomSource, fleet: FleetFacts): Question {
  const transaction = pick(random, fleet.transactions);
  const filtered = random.next() < 0.5;
  const label = 'listEvents';
  return {
    operationId: 'listEvents',
    async api(ask) {
      await ask(label, '/api/v1/events', filtered ? { transaction: transaction.id } : {});
    },
    async raw(run) {
      await run(label, [
        [
          `SELECT e.* FROM synth_events e
           WHERE NOT e.suppressed AND ($1::uuid IS NULL OR e.transaction_id = $1)
           ORDER BY e.occurred_at DESC, e.event_id DESC LIMIT ${pageSize + 1}`,
          [filtered ? transaction.id : null],
        ],
      ]);
    },
  };
}

/** One round: every kind of question once, each with a variant drawn from `random`. */
export function roundOfQuestions(random: RandomSource, fleet: FleetFacts): Question[] {
  return [
    slaQuestion(random, fleet),
    slaQuestion(random, fleet),
    slaQuestion(random, fleet),
    heatmapQuestion(random, fleet),
    runsQuestion(random, fleet),
    runsCsvQuestion(random, fleet),
    runDetailQuestion(random, fleet),
    transactionQuestion(random, fleet),
    catalogueQuestion(random),
    statusQuestion(random),
    eventsQuestion(random, fleet),
  ];
}
