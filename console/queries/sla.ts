// The SLA report: per object of a level, runs by status in the period, the period before it of the
// same length, and today; SLA % = OK runs / all runs, availability % = non-FAIL runs / all runs
// (the step level counts steps the same way). Objects with runs in the period or the one before are
// listed, worst SLA first.
import type { Pool } from 'pg';
import {
  filterConditions,
  filterNames,
  type RunFilters,
  rollupColumns,
  runColumns,
  SqlParameters,
} from './filters.ts';
import { byComplement, type ReportPeriods, rangeBranches, splitPeriodByDays } from './period.ts';

export const slaLevels = ['all', 'project', 'service', 'transaction', 'robot', 'location', 'step'] as const;
export type SlaLevel = (typeof slaLevels)[number];

/** The columns a fact row has, and which of them identify an object of each level (also the CSV's). */
export const factColumns = [
  'project',
  'service',
  'transaction_id',
  'transaction_name',
  'robot_id',
  'robot_name',
  'location',
  'step_index',
  'step_name',
] as const;
type FactColumn = (typeof factColumns)[number];

/**
 * Per level: the columns that identify an object, and those looked up after the sums (a sort per
 * object and column in the facts cost ~50 ms a column over a month of 600 series): a transaction's
 * and a robot's names in synth-store's catalogue (they follow the newest run), a step's name in the
 * newest hour's row of it up to the period's end.
 */
const levelColumns: Record<
  SlaLevel,
  {
    key: FactColumn[];
    /** The joins, given what they may refer to (each parameter added only when a join asks for it). */
    catalogue?: { join(refer: JoinReferences): string; columns: Partial<Record<FactColumn, string>> };
  }
> = {
  all: { key: [] },
  project: { key: ['project'] },
  service: { key: ['project', 'service'] },
  transaction: { key: ['transaction_id'], catalogue: transactionCatalogue() },
  robot: {
    key: ['robot_id'],
    catalogue: {
      join: () => 'LEFT JOIN synth_robots c ON c.robot_id = g.robot_id',
      columns: { robot_name: 'c.name' },
    },
  },
  location: { key: ['location'] },
  step: {
    key: ['transaction_id', 'step_index'],
    catalogue: {
      // The name of the newest hour with the step up to the period's end, under the report's
      // filters that the hourly rows have (a robot's or location's name is the same step's).
      join: (refer) => `LEFT JOIN synth_transactions c ON c.transaction_id = g.transaction_id
      LEFT JOIN LATERAL (
        SELECT d.step_name FROM synth_transaction_step_hours d
        WHERE ${['d.transaction_id = g.transaction_id', 'd.step_index = g.step_index', `d.hour_start < ${refer.periodEnd()}`, ...refer.conditions(stepHourColumns)].join(' AND ')}
        ORDER BY d.hour_start DESC LIMIT 1) n ON true`,
      columns: { ...transactionCatalogue().columns, step_name: 'n.step_name' },
    },
  },
};

interface JoinReferences {
  /** The placeholder of the current period's end. */
  periodEnd(): string;
  /** The report's filters over a table with these columns, for the filters it has. */
  conditions(columns: Partial<Record<(typeof filterNames)[number], string>>): string[];
}

/** The filter columns of synth_transaction_step_hours (0013), alias `d`. */
const stepHourColumns = {
  project: 'd.project',
  service: 'd.service',
  transaction: 'd.transaction_id',
  environment: 'd.environment',
};

function transactionCatalogue() {
  return {
    join: () => 'LEFT JOIN synth_transactions c ON c.transaction_id = g.transaction_id',
    columns: { transaction_name: 'c.name', service: 'c.service', project: 'c.project' },
  };
}

export interface StatusCounts {
  runs: number;
  ok: number;
  warning: number;
  fail: number;
  /** 100 × ok / runs; null without runs. */
  sla_percent: number | null;
  /** 100 × (ok + warning) / runs; null without runs. */
  availability_percent: number | null;
}

export interface SlaRow extends StatusCounts {
  project: string | null;
  service: string | null;
  transaction_id: string | null;
  transaction_name: string | null;
  robot_id: string | null;
  robot_name: string | null;
  location: string | null;
  step_index: number | null;
  step_name: string | null;
  previous: StatusCounts;
  today: StatusCounts;
  /** SLA % minus the previous period's, in percentage points; null when either has no runs. */
  sla_change: number | null;
  availability_change: number | null;
}

export function statusCounts(runs: number, ok: number, warning: number, fail: number): StatusCounts {
  return {
    runs,
    ok,
    warning,
    fail,
    sla_percent: runs === 0 ? null : (100 * ok) / runs,
    availability_percent: runs === 0 ? null : (100 * (ok + warning)) / runs,
  };
}

const change = (now: number | null, before: number | null): number | null =>
  now === null || before === null ? null : now - before;

const periodNames = ['current', 'previous', 'today'] as const;

/** The rollup tables, by granularity and by what they count. */
const rollupTables = {
  hour: { runs: 'synth_run_hours', steps: 'synth_step_hours' },
  day: { runs: 'synth_run_days', steps: 'synth_step_days' },
} as const;

/**
 * The facts of the ranges: rollup rows for whole days and the whole hours (or quarters) at their
 * edges, one row per raw run (or step) for the minutes left. Each question reads the coarsest rows
 * that still tell its objects and filters apart.
 */
function factsSql(level: SlaLevel, filters: RunFilters, parameters: SqlParameters, periods: ReportPeriods) {
  // All, a project or a service, narrowed to nothing finer: the rows per service (migrations 0009,
  // 0012), a few hundred for a month, instead of every robot's daily and hourly rows.
  const perService =
    (level === 'all' || level === 'project' || level === 'service') &&
    filters.transaction === undefined &&
    filters.robot === undefined &&
    filters.location === undefined;
  // Quarters at the edges per service, hours otherwise; each edge by its rows or by the coarser row
  // less the rest, whichever is fewer.
  const edges = perService ? 'quarters' : 'rollup';
  const ranges = periodNames.flatMap((name) =>
    byComplement(splitPeriodByDays(name, periods[name], edges), periods.today.to, edges),
  );
  // Added on first use: a parameter no branch refers to has no type PostgreSQL could infer.
  let rollupConditions: string[] | undefined;
  let rawConditions: string[] | undefined;
  const rollupFilters = () => (rollupConditions ??= filterConditions(filters, rollupColumns, parameters));
  const rawFilters = () => (rawConditions ??= filterConditions(filters, runColumns, parameters));
  const where = (time: string, from: string, to: string, conditions: string[]) =>
    [`${time} >= ${from}`, `${time} < ${to}`, ...conditions].join(' AND ');
  const runDimensions = `coalesce(r.project, '') AS project, r.service, r.transaction_id, r.transaction_name, r.robot_id,
      coalesce(r.robot_name, '') AS robot_name, synth_location_key(r.location_country, r.location_region, r.location_city) AS location`;
  const steps = level === 'step';
  // Whole days and hours of steps, unless asked for a robot or a location, from the rows summed over
  // robots (migrations 0011, 0013): a third of the per-robot rows for three locations.
  const stepsPerTransaction = steps && filters.robot === undefined && filters.location === undefined;
  const rollupBranch =
    (unit: 'hour' | 'day' | 'quarter') =>
    ({ period, from, to, subtract }: { period: string; from: string; to: string; subtract: boolean }) => {
      const counts = ['runs', 'ok', 'warning', 'fail']
        .map((count) => `${subtract ? '-' : ''}h.${count}`)
        .join(', ');
      if (perService)
        return `
    SELECT ${period} AS period, h.project, h.service, NULL::uuid, NULL::text, NULL::uuid,
      NULL::text, NULL::text, NULL::integer, NULL::text, ${counts}
    FROM ${unit === 'day' ? 'synth_service_days' : 'synth_service_quarters'} h
    WHERE ${where(`h.${unit}_start`, from, to, rollupFilters())}`;
      if (stepsPerTransaction)
        return `
    SELECT ${period} AS period, h.project, h.service, h.transaction_id, h.transaction_name,
      NULL::uuid, NULL::text, NULL::text, h.step_index, h.step_name, ${counts}
    FROM ${unit === 'day' ? 'synth_transaction_step_days' : 'synth_transaction_step_hours'} h
    WHERE ${where(`h.${unit}_start`, from, to, rollupFilters())}`;
      const table = rollupTables[unit === 'day' ? 'day' : 'hour'][steps ? 'steps' : 'runs'];
      return `
    SELECT ${period} AS period, h.project, h.service, h.transaction_id, h.transaction_name,
      h.robot_id, h.robot_name, h.location, ${steps ? 'h.step_index, h.step_name' : 'NULL::integer, NULL::text'},
      ${counts}
    FROM ${table} h
    WHERE ${where(`h.${unit}_start`, from, to, rollupFilters())}`;
    };
  const rollupSql = [
    rangeBranches(ranges, 'days', parameters, rollupBranch('day'), ''),
    rangeBranches(ranges, 'rollup', parameters, rollupBranch('hour'), ''),
    rangeBranches(ranges, 'quarters', parameters, rollupBranch('quarter'), ''),
  ].filter((branch) => branch !== '');
  const nothing = `
    SELECT NULL::text AS period, NULL::text AS project, NULL::text AS service,
      NULL::uuid AS transaction_id, NULL::text AS transaction_name, NULL::uuid AS robot_id, NULL::text AS robot_name,
      NULL::text AS location, NULL::integer AS step_index, NULL::text AS step_name, 0 AS runs, 0 AS ok,
      0 AS warning, 0 AS fail
    WHERE false`;
  const rawSql = rangeBranches(
    ranges,
    'raw',
    parameters,
    ({ period, from, to, subtract }) => {
      const sign = subtract ? '-' : '';
      return steps
        ? `
    SELECT ${period}, ${runDimensions}, s.step_index, s.name,
      ${sign}1, ${sign}(s.status = 'OK')::int, ${sign}(s.status = 'WARNING')::int, ${sign}(s.status = 'FAIL')::int
    FROM synth_runs r JOIN synth_step_runs s ON s.robot_id = r.robot_id AND s.result_id = r.result_id
    WHERE ${where('r.started_at', from, to, rawFilters())}`
        : `
    SELECT ${period}, ${runDimensions}, NULL, NULL,
      ${sign}1, ${sign}(r.status = 'OK')::int, ${sign}(r.status = 'WARNING')::int, ${sign}(r.status = 'FAIL')::int
    FROM synth_runs r
    WHERE ${where('r.started_at', from, to, rawFilters())}`;
    },
    '',
  );
  // The first branch names the columns; an empty period still has one (that finds nothing).
  return [nothing, ...rollupSql, rawSql].filter((branch) => branch !== '').join('\n    UNION ALL');
}

export async function slaReport(
  pool: Pool,
  request: { level: SlaLevel; filters: RunFilters; periods: ReportPeriods },
): Promise<SlaRow[]> {
  const parameters = new SqlParameters();
  const facts = factsSql(request.level, request.filters, parameters, request.periods);
  const { key, catalogue } = levelColumns[request.level];
  const shown = factColumns.map((column) => (key.includes(column) ? column : `NULL AS ${column}`));
  // Only a level that looks a name up at the period's end has the parameter (an unused one has no type).
  const join =
    catalogue?.join({
      periodEnd: () => parameters.add(request.periods.current.to.toISOString(), '::timestamptz'),
      conditions: (columns) =>
        filterConditions(
          Object.fromEntries(
            filterNames.filter((name) => name in columns).map((name) => [name, request.filters[name]]),
          ),
          { ...rollupColumns, ...columns },
          parameters,
        ),
    }) ?? '';
  const sums = periodNames.flatMap((period) =>
    ['runs', 'ok', 'warning', 'fail'].map(
      (count) =>
        `coalesce(sum(${count}) FILTER (WHERE period = '${period}'), 0)::bigint AS ${period}_${count}`,
    ),
  );
  const looked = Object.entries(catalogue?.columns ?? {}).map(
    ([column, value]) => `${value} AS catalogue_${column}`,
  );
  const sql = `
    WITH facts AS (${facts}), grouped AS (
      SELECT ${[...shown, ...sums].join(',\n        ')}
      FROM facts
      ${key.length === 0 ? '' : `GROUP BY ${key.join(', ')}`}
      HAVING coalesce(sum(runs) FILTER (WHERE period IN ('current', 'previous')), 0) > 0
    )
    SELECT ${['g.*', ...looked].join(', ')}
    FROM grouped g ${join}`;
  const { rows } = await pool.query<Record<string, unknown>>(sql, parameters.values);
  const report = rows.map((row): SlaRow => {
    const counts = (period: string) =>
      statusCounts(
        Number(row[`${period}_runs`]),
        Number(row[`${period}_ok`]),
        Number(row[`${period}_warning`]),
        Number(row[`${period}_fail`]),
      );
    const current = counts('current');
    const previous = counts('previous');
    const text = (column: FactColumn) => {
      const value = row[`catalogue_${column}`] ?? row[column];
      return value === null || value === undefined || value === '' ? null : String(value);
    };
    return {
      project: text('project'),
      service: text('service'),
      transaction_id: text('transaction_id'),
      transaction_name: text('transaction_name'),
      robot_id: text('robot_id'),
      robot_name: text('robot_name'),
      location: text('location'),
      step_index: row.step_index === null ? null : Number(row.step_index),
      step_name: text('step_name'),
      ...current,
      previous,
      today: counts('today'),
      sla_change: change(current.sla_percent, previous.sla_percent),
      availability_change: change(current.availability_percent, previous.availability_percent),
    };
  });
  return report.sort(worstFirst);
}

/** Worst first: lowest SLA (none last), then lowest availability, most failures, then by name. */
function worstFirst(a: SlaRow, b: SlaRow): number {
  const low = (x: number | null, y: number | null) =>
    x === y ? 0 : x === null ? 1 : y === null ? -1 : x - y;
  return (
    low(a.sla_percent, b.sla_percent) ||
    low(a.availability_percent, b.availability_percent) ||
    b.fail - a.fail ||
    objectName(a).localeCompare(objectName(b))
  );
}

const objectName = (row: SlaRow): string =>
  [
    row.project,
    row.service,
    row.transaction_name,
    row.transaction_id,
    row.robot_name,
    row.robot_id,
    row.location,
    row.step_index,
  ]
    .map((part) => part ?? '')
    .join('|');
