// synth-store's hourly, daily and quarter-hour rollups (migrations 0005, 0007, 0009–0013) against the real
// PostgreSQL: after
// any sequence of writes — batches, the same runs again in other batches (a redelivery or a replay),
// runs re-sent with another start (into the day before), status or transaction, two writers held at
// the same rows — every rollup row equals a GROUP BY over the stored runs and steps, and a replay
// leaves every row exactly as it was. A database holding runs from before gets them from the
// migrations' backfill.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg, { type Pool } from 'pg';
import { durationBin } from '../../console/queries/duration-histogram.ts';
import { defaultSeasonality, type FleetPlan, fleetTransactions } from '../../scripts/fleet/fleet-plan.ts';
import { listMigrations, migrate } from '../../workers/synth-store/migrate.ts';
import { fleetRuns, storeRuns } from './read-model-fleet.ts';
import { scratchDatabase, waitFor } from './stack.ts';

const plan: FleetPlan = {
  seed: 11,
  from: new Date('2026-11-02T00:00:00Z'),
  to: new Date('2026-11-03T12:00:00Z'),
  transactions: fleetTransactions(2, 10),
  seasonality: defaultSeasonality,
  scenarios: [
    { kind: 'outage', from: new Date('2026-11-02T09:00:00Z'), to: new Date('2026-11-02T10:30:00Z') },
    { kind: 'slow-regression', from: new Date('2026-11-02T00:00:00Z'), growthPerDay: 1.5 },
  ],
  environment: 'production',
};
const runs = fleetRuns(plan);

let database: Awaited<ReturnType<typeof scratchDatabase>>;

before(async () => {
  database = await scratchDatabase();
  await migrate(database.pool);
});

after(async () => {
  await database?.drop();
});

type Unit = 'hour' | 'day';
const rollupTables = {
  hour: { runs: 'synth_run_hours', steps: 'synth_step_hours' },
  day: { runs: 'synth_run_days', steps: 'synth_step_days' },
} as const;
const dimensions = (unit: Unit) =>
  `${unit}_start, transaction_id, robot_id, transaction_name, service, project, robot_name, location, environment`;

/** A rollup table as it is, every row in key order. */
async function rollupRows(pool: Pool, unit: Unit, steps: boolean) {
  const table = rollupTables[unit][steps ? 'steps' : 'runs'];
  const order = steps ? `${dimensions(unit)}, step_index, step_name` : dimensions(unit);
  return (await pool.query(`SELECT * FROM ${table} ORDER BY ${order}`)).rows;
}

/**
 * What the rollups must hold, from the stored rows by a GROUP BY of the test's own; the histograms
 * from every duration, binned here.
 */
async function expectedRows(pool: Pool, unit: Unit, steps: boolean) {
  const stepColumns = steps ? ', s.step_index, s.name AS step_name' : '';
  const status = steps ? 's.status' : 'r.status';
  const duration = steps ? 's.duration_ms' : 'r.duration_ms';
  const { rows } = await pool.query(
    `SELECT date_trunc('${unit}', r.started_at, 'UTC') AS ${unit}_start, r.transaction_id, r.robot_id, r.transaction_name,
       r.service, coalesce(r.project, '') AS project, coalesce(r.robot_name, '') AS robot_name,
       concat_ws('/', r.location_country, r.location_region, r.location_city) AS location, r.environment ${stepColumns},
       count(*)::int AS runs, count(*) FILTER (WHERE ${status} = 'OK')::int AS ok,
       count(*) FILTER (WHERE ${status} = 'WARNING')::int AS warning,
       count(*) FILTER (WHERE ${status} = 'FAIL')::int AS fail,
       coalesce(array_agg(${duration} ORDER BY ${duration}) FILTER (WHERE ${status} <> 'FAIL'), '{}') AS durations
     FROM synth_runs r ${steps ? 'JOIN synth_step_runs s USING (robot_id, result_id)' : ''}
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ${steps ? ', 10, 11' : ''}
     ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ${steps ? ', 10, 11' : ''}`,
  );
  return rows.map(({ durations, ...row }) => ({ ...row, ...durationFigures(durations) }));
}

/** Count, sum, min, max and histogram of the given (sorted) durations, as the rollups keep them. */
function durationFigures(durations: string[]) {
  const values = durations.map(Number);
  const bins = new Map<number, number>();
  for (const value of values) bins.set(durationBin(value), (bins.get(durationBin(value)) ?? 0) + 1);
  const sorted = [...bins.keys()].sort((a, b) => a - b);
  const text = (value: number | undefined) => (value === undefined ? null : String(value));
  return {
    duration_count: values.length,
    duration_sum_ms: values.length === 0 ? null : String(values.reduce((sum, value) => sum + value, 0)),
    duration_min_ms: text(values[0]),
    duration_max_ms: text(values.at(-1)),
    histogram_bins: sorted,
    histogram_counts: sorted.map((bin) => bins.get(bin)),
  };
}

/** The quarter tables' keys: per transaction and location, per service, per project. */
const quarterKeys = {
  transaction: 'quarter_start, transaction_id, location, project, service, environment',
  service: 'quarter_start, project, service, environment',
  project: 'quarter_start, project, environment',
} as const;
type QuarterLevel = keyof typeof quarterKeys;

async function quarterRows(pool: Pool, level: QuarterLevel) {
  return (await pool.query(`SELECT * FROM synth_${level}_quarters ORDER BY ${quarterKeys[level]}`)).rows;
}

/** What a quarter table must hold: a GROUP BY of the runs by the UTC quarter hour they started in. */
async function expectedQuarterRows(pool: Pool, level: QuarterLevel) {
  const { rows } = await pool.query(
    `SELECT ${quarterKeys[level]}, count(*)::int AS runs, count(*) FILTER (WHERE status = 'OK')::int AS ok,
       count(*) FILTER (WHERE status = 'WARNING')::int AS warning,
       count(*) FILTER (WHERE status = 'FAIL')::int AS fail,
       coalesce(array_agg(duration_ms ORDER BY duration_ms) FILTER (WHERE status <> 'FAIL'), '{}') AS durations
     FROM (
       SELECT to_timestamp(floor(extract(epoch FROM started_at) / 900) * 900) AS quarter_start, transaction_id,
         concat_ws('/', location_country, location_region, location_city) AS location,
         coalesce(project, '') AS project, service, environment, status, duration_ms
       FROM synth_runs
     ) AS r
     GROUP BY ${quarterKeys[level]} ORDER BY ${quarterKeys[level]}`,
  );
  // The transaction detail's buckets, counted here from the durations.
  const edges = [30_000, 60_000, 120_000, 300_000];
  return rows.map(({ durations, ...row }) => {
    const bucketCounts = [0, 0, 0, 0, 0];
    for (const value of (durations as string[]).map(Number)) {
      const bucket = edges.filter((edge) => value >= edge).length;
      bucketCounts[bucket] = (bucketCounts[bucket] ?? 0) + 1;
    }
    return { ...row, ...durationFigures(durations), bucket_counts: bucketCounts };
  });
}

const stepDayKeys =
  'day_start, transaction_id, transaction_name, service, project, environment, step_index, step_name';

/** The step counts per UTC day (or hour) and transaction, over its robots (0011, 0013), as they are. */
async function transactionStepDays(pool: Pool, unit: 'day' | 'hour' = 'day') {
  return (
    await pool.query(
      `SELECT * FROM synth_transaction_step_${unit}s ORDER BY ${stepDayKeys.replace('day_start', `${unit}_start`)}`,
    )
  ).rows;
}

/** What synth_transaction_step_days (_hours) must hold: a GROUP BY of the stored steps. */
async function expectedTransactionStepDays(pool: Pool, unit: 'day' | 'hour' = 'day') {
  const { rows } = await pool.query(
    `SELECT date_trunc('${unit}', r.started_at, 'UTC') AS ${unit}_start, r.transaction_id, r.transaction_name, r.service,
       coalesce(r.project, '') AS project, r.environment, s.step_index, s.name AS step_name,
       count(*)::int AS runs, count(*) FILTER (WHERE s.status = 'OK')::int AS ok,
       count(*) FILTER (WHERE s.status = 'WARNING')::int AS warning,
       count(*) FILTER (WHERE s.status = 'FAIL')::int AS fail
     FROM synth_runs r JOIN synth_step_runs s USING (robot_id, result_id)
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8`,
  );
  return rows;
}

/** The run counts per UTC day and service (0012), as they are. */
async function serviceDays(pool: Pool) {
  return (
    await pool.query('SELECT * FROM synth_service_days ORDER BY day_start, project, service, environment')
  ).rows;
}

/** What synth_service_days must hold: a GROUP BY of the stored runs. */
async function expectedServiceDays(pool: Pool) {
  const { rows } = await pool.query(
    `SELECT date_trunc('day', started_at, 'UTC') AS day_start, coalesce(project, '') AS project, service,
       environment, count(*)::int AS runs, count(*) FILTER (WHERE status = 'OK')::int AS ok,
       count(*) FILTER (WHERE status = 'WARNING')::int AS warning,
       count(*) FILTER (WHERE status = 'FAIL')::int AS fail
     FROM synth_runs GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
  );
  return rows;
}

async function assertRollupsMatchRows(pool: Pool, when: string): Promise<void> {
  for (const unit of ['hour', 'day'] as const)
    for (const steps of [false, true])
      assert.deepEqual(
        await rollupRows(pool, unit, steps),
        await expectedRows(pool, unit, steps),
        `${unit}ly ${steps ? 'steps' : 'runs'}, ${when}`,
      );
  for (const level of ['transaction', 'service', 'project'] as const)
    assert.deepEqual(
      await quarterRows(pool, level),
      await expectedQuarterRows(pool, level),
      `quarters per ${level}, ${when}`,
    );
  for (const unit of ['day', 'hour'] as const)
    assert.deepEqual(
      await transactionStepDays(pool, unit),
      await expectedTransactionStepDays(pool, unit),
      `step ${unit}s per transaction, ${when}`,
    );
  assert.deepEqual(await serviceDays(pool), await expectedServiceDays(pool), `days per service, ${when}`);
}

/** Every rollup row of every table. */
async function allRollups(pool: Pool) {
  return Promise.all([
    rollupRows(pool, 'hour', false),
    rollupRows(pool, 'hour', true),
    rollupRows(pool, 'day', false),
    rollupRows(pool, 'day', true),
    quarterRows(pool, 'transaction'),
    quarterRows(pool, 'service'),
    quarterRows(pool, 'project'),
    transactionStepDays(pool),
    transactionStepDays(pool, 'hour'),
    serviceDays(pool),
  ]);
}

test('rollups equal a GROUP BY over the stored runs and steps, and a replay changes no row', async () => {
  const pool = database.pool;
  await storeRuns(pool, runs, 250);
  const rollups = await allRollups(pool);
  const [hours, , days] = rollups;
  assert.ok(hours.length > 100 && days.length >= 12, `${hours.length} hourly, ${days.length} daily rows`);
  assert.ok(hours.some((row) => row.fail > 0) && hours.some((row) => row.warning > 0), 'every status occurs');
  await assertRollupsMatchRows(pool, 'after the first delivery');
  assert.equal(
    hours.reduce((sum, row) => sum + row.runs, 0),
    runs.length,
  );

  // A redelivery in other batches and the whole topic replayed: nothing moves.
  await storeRuns(pool, runs.slice(100, 400), 37);
  await storeRuns(pool, [...runs].reverse(), 500);
  assert.deepEqual(await allRollups(pool), rollups, 'every rollup row after the replay');
});

test('a run re-sent with another start, status or transaction leaves its old hour too', async () => {
  const pool = database.pool;
  const [moved, failed, renamed] = [5, 50, 500].map((i) => runs[i]);
  assert.ok(moved !== undefined && failed !== undefined && renamed !== undefined);
  // Three hours earlier: the day before (the fleet starts at midnight).
  const earlier = (date: Date) => new Date(date.getTime() - 3 * 3_600_000);
  await storeRuns(pool, [
    {
      ...moved,
      started_at: earlier(moved.started_at),
      finished_at: earlier(moved.finished_at),
      steps: moved.steps.map((step) => ({
        ...step,
        started_at: earlier(step.started_at),
        finished_at: earlier(step.finished_at),
      })),
    },
    { ...failed, status: 'FAIL', steps: failed.steps.map((step) => ({ ...step, status: 'FAIL' as const })) },
    {
      ...renamed,
      transaction_id: '2f0c9a8e-3b7d-4c15-a6e2-0000000000ff',
      transaction_name: 'Another journey',
    },
  ]);
  await assertRollupsMatchRows(pool, 'after runs were re-sent changed');
});

/**
 * Write `one` and `two` by two writers at once while `hold` (a SELECT … FOR UPDATE) holds rows
 * both must rewrite: both stop there, and are let go together once both wait.
 */
async function writeTogetherHeld(
  pool: pg.Pool,
  hold: { sql: string; values?: unknown[] },
  one: (typeof runs)[number],
  two: (typeof runs)[number],
) {
  const holder = await pool.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(hold.sql, hold.values);
    const writers = Promise.all([storeRuns(pool, [one]), storeRuns(pool, [two])]);
    // Asked outside the holder's transaction: pg_stat_activity is read once per transaction.
    await waitFor('both writers waiting', async () => {
      const { rows } = await database.pool.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return rows[0].n >= 2;
    });
    await holder.query('COMMIT');
    await writers;
  } finally {
    holder.release();
  }
}

const truncateEverything =
  'TRUNCATE synth_runs, synth_step_runs, synth_run_hours, synth_step_hours, synth_run_days, synth_step_days, ' +
  'synth_transaction_quarters, synth_service_quarters, synth_project_quarters, synth_transaction_step_days, ' +
  'synth_service_days, synth_transaction_step_hours';

test('two writers held at the same rollup rows both count: the second recomputes after the first commits', async () => {
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  try {
    await pool.query(truncateEverything);
    // Two runs of one transaction and robot in one hour, written by two writers at once.
    const [first] = runs;
    assert.ok(first !== undefined);
    const hour = Math.floor(first.started_at.getTime() / 3_600_000);
    const sameKey = runs.filter(
      (run) =>
        run.transaction_id === first.transaction_id &&
        run.robot_id === first.robot_id &&
        Math.floor(run.started_at.getTime() / 3_600_000) === hour,
    );
    const [one, two] = sameKey;
    assert.ok(one !== undefined && two !== undefined);
    await storeRuns(pool, sameKey.slice(2));

    // Hold the hour's rollup rows, so both writers stop at them (without the writers' lock, both
    // after writing their run, each then counting only its own).
    await writeTogetherHeld(
      pool,
      {
        sql: 'SELECT * FROM synth_run_hours WHERE transaction_id = $1 AND robot_id = $2 FOR UPDATE',
        values: [first.transaction_id, first.robot_id],
      },
      one,
      two,
    );
    await assertRollupsMatchRows(pool, 'after two writers held at the same rows');
    assert.equal(
      (await pool.query('SELECT sum(runs)::int AS n FROM synth_run_hours')).rows[0].n,
      sameKey.length,
    );
  } finally {
    await pool.end();
  }
});

test("two robots' writers at one service's quarter both count", async () => {
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  try {
    await pool.query(truncateEverything);
    // Runs of two robots (other locations or transactions) of one service in one quarter hour: their
    // robot locks differ. The quarter lock keeps the writers of the service row apart; so, today,
    // does the catalogue's service row both upsert (this passes with the lock taken out, tried),
    // which the lock does not count on.
    const quarter = (run: (typeof runs)[number]) => Math.floor(run.started_at.getTime() / 900_000);
    const [one, two] = runs.flatMap((run, i) =>
      runs
        .slice(i + 1)
        .filter(
          (other) =>
            other.robot_id !== run.robot_id &&
            other.service === run.service &&
            quarter(other) === quarter(run),
        )
        .slice(0, 1)
        .map((other) => [run, other] as const),
    )[0] ?? [undefined, undefined];
    assert.ok(one !== undefined && two !== undefined, 'two robots of a service in one quarter hour');
    const neighbours = runs.filter(
      (run) => run !== one && run !== two && run.service === one.service && quarter(run) === quarter(one),
    );
    assert.ok(neighbours.length > 0, 'the service quarter has a row to hold before the two are written');
    await storeRuns(pool, neighbours);

    await writeTogetherHeld(pool, { sql: 'SELECT * FROM synth_service_quarters FOR UPDATE' }, one, two);
    await assertRollupsMatchRows(pool, "after two robots' writers at one service quarter");
    assert.equal(
      (await pool.query('SELECT sum(runs)::int AS n FROM synth_service_quarters')).rows[0].n,
      neighbours.length + 2,
    );
  } finally {
    await pool.end();
  }
});

test('migrations 0005, 0007 and 0009–0013 fill the rollups from the runs stored before them', async () => {
  const earlier = await scratchDatabase();
  try {
    const pool = earlier.pool;
    await migrate(
      pool,
      listMigrations().filter((migration) => migration.version < 5),
    );
    // The writer of this version recomputes rollups; before 0005 there are none to recompute.
    const stubs = [
      'synth_refresh_rollups(timestamptz[], uuid[], uuid[]) RETURNS void',
      'synth_refresh_day_rollups(timestamptz[], uuid[], uuid[]) RETURNS void',
      'synth_refresh_quarter_rollups(timestamptz[], uuid[]) RETURNS void',
      'synth_refresh_project_quarters(timestamptz[]) RETURNS void',
      'synth_refresh_transaction_step_days(timestamptz[], uuid[]) RETURNS void',
      'synth_refresh_service_days(timestamptz[]) RETURNS void',
      'synth_refresh_transaction_step_hours(timestamptz[], uuid[]) RETURNS void',
      'synth_quarter_start(timestamptz) RETURNS timestamptz',
    ];
    for (const stub of stubs)
      await pool.query(
        `CREATE FUNCTION ${stub} LANGUAGE sql AS '${stub.endsWith('void') ? 'SELECT' : 'SELECT $1'}'`,
      );
    await storeRuns(pool, runs.slice(0, 1200));
    for (const stub of stubs) await pool.query(`DROP FUNCTION ${stub.slice(0, stub.indexOf(' RETURNS'))}`);
    const applied = await migrate(pool);
    assert.ok(
      [5, 7, 9, 10, 11, 12, 13].every((version) => applied.includes(version)),
      `applied ${applied}`,
    );
    await assertRollupsMatchRows(pool, 'after the backfill');
    assert.equal((await pool.query('SELECT sum(runs)::int AS n FROM synth_run_hours')).rows[0].n, 1200);
  } finally {
    await earlier.drop();
  }
});
