// What a report or a run list may be narrowed to, and the SQL conditions for it. Values always
// travel as parameters; the column expressions come from the fixed maps below, never from input.

export interface RunFilters {
  project?: string | undefined;
  service?: string | undefined;
  /** A transaction_id. */
  transaction?: string | undefined;
  /** A robot_id. */
  robot?: string | undefined;
  /** `country/region/city` with the known parts, as events and baselines name it. */
  location?: string | undefined;
  environment?: string | undefined;
}

export const filterNames = ['project', 'service', 'transaction', 'robot', 'location', 'environment'] as const;

/** A query's parameter list: `add` returns the placeholder of a value. */
export class SqlParameters {
  readonly values: unknown[] = [];
  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

/** The columns of the rollup tables (synth_run_hours, synth_step_hours), alias `h`. */
export const rollupColumns: Record<(typeof filterNames)[number], string> = {
  project: 'h.project',
  service: 'h.service',
  transaction: 'h.transaction_id',
  robot: 'h.robot_id',
  location: 'h.location',
  environment: 'h.environment',
};

/** The same facts of a raw run (synth_runs, alias `r`), as the rollups store them. */
export const runColumns: Record<(typeof filterNames)[number], string> = {
  project: "coalesce(r.project, '')",
  service: 'r.service',
  transaction: 'r.transaction_id',
  robot: 'r.robot_id',
  location: 'synth_location_key(r.location_country, r.location_region, r.location_city)',
  environment: 'r.environment',
};

const casts: Record<(typeof filterNames)[number], string> = {
  project: '::text',
  service: '::text',
  transaction: '::uuid',
  robot: '::uuid',
  location: '::text',
  environment: '::text',
};

/** `col = $n` for every filter given, over the columns of `columns`. */
export function filterConditions(
  filters: RunFilters,
  columns: Record<(typeof filterNames)[number], string>,
  parameters: SqlParameters,
): string[] {
  const conditions: string[] = [];
  for (const name of filterNames) {
    const value = filters[name];
    if (value !== undefined) conditions.push(`${columns[name]} = ${parameters.add(value, casts[name])}`);
  }
  return conditions;
}

export const whereClause = (conditions: readonly string[]): string =>
  conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
