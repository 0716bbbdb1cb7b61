// The console's read API at the size real teams have (issue 11): a seeded fleet of ≥ 5 M runs loaded
// through synth-store's own writer into a database of the bench's own, a console process over it,
// each endpoint asked many times with varied filters while a loader keeps adding runs at a steady
// rate, and beside each the same question answered by plain SQL over the raw rows. A benchmark,
// not a test: it prints figures and asserts nothing. See README.md here.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { PrimoartConfig } from '../../core/config-schema.ts';
import { sha256Hex } from '../../core/sha256.ts';
import { fromAvroResult, toAvroResult, validateTransactionResult } from '../../schemas/index.ts';
import type { SynthResult, TransactionResultPayload } from '../../schemas/record-types.ts';
import { migrate } from '../../workers/synth-store/migrate.ts';
import { writeRuns } from '../../workers/synth-store/writer.ts';
import {
  defaultSeasonality,
  type FleetPlan,
  fleetLocations,
  fleetTransactions,
} from '../fleet/fleet-plan.ts';
import { generateFleetResults, plannedRunCount } from '../fleet/generator.ts';
import { type RandomSource, seededRandom } from '../fleet/random.ts';
import { demoScenarios } from '../fleet/scenarios.ts';
import {
  benchConfigBase,
  freePort,
  localUrl,
  newBenchKey,
  oncePerSecond,
  percentileMs,
  runBench,
  secondsSince,
  startReadyProcess,
  writeBenchConfig,
} from './bench-support.ts';
import {
  type Ask,
  type FleetFacts,
  type Question,
  type RunSql,
  roundOfQuestions,
} from './console-questions.ts';

const everyMinutes = 5;
const runsPerDayPerSeries = (24 * 60) / everyMinutes;
const locations = fleetLocations.length;

const usage = `Usage: node scripts/bench/console-queries.ts [--runs N] [--days D] [--rounds R] [--raw-rounds Q]
                                          [--rate L] [--load-batch B] [--seed S] [--reuse] [--keep]
                                          [--config.file F]

Loads a seeded fleet (scripts/fleet: T transactions × ${locations} locations, a run every ${everyMinutes} minutes,
D days ending now, the demonstration scenarios in its last week) into a PostgreSQL database of its
own on the stack's server, through synth-store's own writer (writeRuns: runs, steps, catalogue and
the hourly rollups recomputed from the rows, one transaction per batch of B runs, a writer per
robot); T is N / (${locations} × ${runsPerDayPerSeries} × D), so the defaults give 200 transactions and
5,184,000 runs. Then starts a console process
of its own over that database and, while a loader adds L runs per second through the same writer
(a batch a second, runs starting now), asks every endpoint of the read API R rounds of varied
questions (SLA at every level, heatmap, runs pages and cursors, a CSV export, run and transaction
detail, the catalogue, status, events; periods of 1–30 days with edges inside hours, four time
zones), one request at a time, timed by the client to the last byte. Then the same questions of
the first Q rounds as plain SQL over the raw rows (no rollup, no catalogue table). Prints per
endpoint p50/p95/p99 of the API and of the raw SQL, and raw p50 / API p50.

Options:
  --runs N          runs to load, at least (default 5184000: 200 transactions × ${locations} × 30 days)
  --days D          days of history (default 30)
  --rounds R        rounds of API questions (default 40)
  --raw-rounds Q    rounds of raw-SQL questions, the first Q of the same rounds (default 8)
  --page-rounds P   rounds of the web console's pages (every page once, varied periods), logged in
                    with a session cookie as a browser is, after the API's rounds (default 20)
  --rate L          runs per second added while the questions are asked (default 100)
  --load-batch B    runs per transaction while loading (default 5000)
  --seed S          the fleet's and the questions' seed (default 11)
  --reuse           use the database a run with --keep left for the same fleet (same N, D and S);
                    a load that was interrupted goes on where it stopped
  --keep            keep the database at the end (its name is printed)
  --config.file F   the stack's config (default: $PRIMOART_CONFIG_FILE, as set by 'primoart env')
  --help            this text
`;

const defaults = {
  runs: 5_184_000,
  days: 30,
  rounds: 40,
  rawRounds: 8,
  pageRounds: 20,
  rate: 100,
  loadBatch: 5000,
  seed: 11,
};

/** Where the loaded runs say they came from; the live loader's runs name another topic. */
const loadTopic = 'bench.console-queries.load';
const liveTopic = 'bench.console-queries.live';
const dayMs = 86_400_000;

// --- the fleet and its database ----------------------------------------------------------------

interface FleetShape {
  transactions: number;
  days: number;
  seed: number;
}

function fleetShape(options: { runs: number; days: number; seed: number }): FleetShape {
  const perTransaction = locations * runsPerDayPerSeries * options.days;
  return {
    transactions: Math.max(1, Math.ceil(options.runs / perTransaction)),
    days: options.days,
    seed: options.seed,
  };
}

function fleetPlan(shape: FleetShape, to: Date): FleetPlan {
  const transactions = fleetTransactions(shape.transactions, everyMinutes);
  return {
    seed: shape.seed,
    from: new Date(to.getTime() - shape.days * dayMs),
    to,
    transactions,
    seasonality: defaultSeasonality,
    scenarios: demoScenarios(transactions, to),
    environment: 'production',
  };
}

/** A payload as synth-store gets it: validated as the gateway does, through Avro and back. */
function storedRun(payload: TransactionResultPayload, now: Date): SynthResult {
  const validation = validateTransactionResult(payload, { now, defaultEnvironment: 'production' });
  if (!validation.ok)
    throw new Error(`the fleet made an invalid result: ${JSON.stringify(validation.errors)}`);
  return fromAvroResult(toAvroResult(validation.value, { receivedAt: now }).result);
}

function requirePostgres(stack: PrimoartConfig): string {
  if (stack.postgres === undefined) throw new Error('the config has no postgres section');
  return stack.postgres.url;
}

/** The bench's database for a fleet shape: one name per shape, so --reuse finds it. */
async function openDatabase(stack: PrimoartConfig, shape: FleetShape, reuse: boolean) {
  const adminUrl = requirePostgres(stack);
  const name = `primoart_bench_console_t${shape.transactions}_d${shape.days}_s${shape.seed}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
    if (exists && !reuse) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    if (!exists || !reuse) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: locations + 2 });
  pool.on('error', () => undefined);
  return {
    name,
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
type BenchDatabase = Awaited<ReturnType<typeof openDatabase>>;

/**
 * The fleet's end, fixed when its database was made (a reused database keeps its fleet), and how
 * many of its runs each robot has stored: the generator is deterministic and each robot's batches
 * commit in its order, so a robot's stored runs are a prefix of its runs in the sequence.
 */
async function fleetState(pool: pg.Pool): Promise<{ to: Date; stored: Map<string, number> }> {
  await pool.query('CREATE TABLE IF NOT EXISTS bench_fleet (fleet_to timestamptz NOT NULL)');
  const { rows } = await pool.query<{ fleet_to: Date }>('SELECT fleet_to FROM bench_fleet');
  let to = rows[0]?.fleet_to;
  if (to === undefined) {
    to = new Date(Math.floor(Date.now() / (everyMinutes * 60_000)) * everyMinutes * 60_000);
    await pool.query('INSERT INTO bench_fleet VALUES ($1)', [to]);
  }
  const counts = await pool.query<{ robot_id: string; n: string }>(
    'SELECT robot_id, count(*) AS n FROM synth_runs WHERE source_topic = $1 GROUP BY robot_id',
    [loadTopic],
  );
  return { to, stored: new Map(counts.rows.map((row) => [row.robot_id, Number(row.n)])) };
}

type StoredRun = Parameters<typeof writeRuns>[1][number];

/**
 * Loads the plan's runs not stored yet with writeRuns, one writer per robot, each writing a batch
 * while the next is made (as synth-store instances holding different partitions would). Their
 * rollup locks differ (writer.ts robotLockKey), so they write side by side but for the quarter
 * refresh and commit at the end of each batch (one at a time). Returns how many runs it wrote.
 */
async function loadFleet(
  pool: pg.Pool,
  plan: FleetPlan,
  stored: ReadonlyMap<string, number>,
  batchSize: number,
): Promise<number> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const planned = plannedRunCount(plan);
  const already = [...stored.values()].reduce((sum, n) => sum + n, 0);
  if (already >= planned) {
    log(`load: all ${planned} runs are stored already`);
    return 0;
  }
  log(
    `load: ${planned} runs planned, ${already} stored already; ${locations} writers, batches of ${batchSize}`,
  );
  const progress = oncePerSecond();
  const started = performance.now();
  let written = 0;
  const lanes = new Map<string, { seen: number; batch: StoredRun[]; writing: Promise<void> }>();
  const flush = async (lane: { batch: StoredRun[]; writing: Promise<void> }) => {
    const rows = lane.batch;
    lane.batch = [];
    await lane.writing;
    lane.writing = writeRuns(pool, rows).then(() => {
      written += rows.length;
    });
  };
  let offset = 0;
  for (const payload of generateFleetResults(plan)) {
    offset++;
    const robot = payload.robot_id;
    let lane = lanes.get(robot);
    if (lane === undefined) {
      lane = { seen: 0, batch: [], writing: Promise.resolve() };
      lanes.set(robot, lane);
    }
    if (lane.seen++ < (stored.get(robot) ?? 0)) continue;
    lane.batch.push({
      run: storedRun(payload, plan.to),
      source: { topic: loadTopic, partition: 0, offset: String(offset) },
    });
    if (lane.batch.length >= batchSize) {
      await flush(lane);
      progress(() => {
        const rate = written / secondsSince(started);
        const left = (planned - already - written) / Math.max(rate, 1);
        return `  load: ${already + written}/${planned} runs (${rate.toFixed(0)}/s, about ${Math.ceil(left / 60)} min left)`;
      });
    }
  }
  for (const lane of lanes.values()) if (lane.batch.length > 0) await flush(lane);
  await Promise.all([...lanes.values()].map((lane) => lane.writing));
  log(
    `load: ${written} runs in ${secondsSince(started).toFixed(0)} s (${(written / secondsSince(started)).toFixed(0)}/s)`,
  );
  return written;
}

// --- the loader while questions are asked ------------------------------------------------------

/**
 * Runs added at `rate` per second through the writer (a batch a second, as synth-store would take
 * them from the topic), starting now: the
 * fleet's transactions and robots, drawn from a plan of another seed with times moved to now.
 */
function startLiveLoader(pool: pg.Pool, shape: FleetShape, rate: number) {
  const to = new Date();
  const plan = { ...fleetPlan({ ...shape, seed: shape.seed + 1, days: 7 }, to), scenarios: [] };
  const source = generateFleetResults({
    ...plan,
    transactions: plan.transactions.map((t) => ({ ...t, everyMinutes: 1 })),
  });
  const shift = (iso: string, delta: number) => new Date(Date.parse(iso) + delta).toISOString();
  const tickMs = 1000;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  let offset = 0;
  let added = 0;
  let running = true;
  let failure: Error | undefined;
  const started = performance.now();
  const loop = (async () => {
    for (let tick = 1; running && failure === undefined; tick++) {
      const now = Date.now();
      const rows = [];
      for (let i = 0; i < perTick; i++) {
        const next = source.next();
        if (next.done) throw new Error('the live loader ran out of runs');
        const payload = next.value;
        const delta = now - 1000 - Date.parse(payload.finished_at);
        const moved: TransactionResultPayload = {
          ...payload,
          started_at: shift(payload.started_at, delta),
          finished_at: shift(payload.finished_at, delta),
          steps: payload.steps.map((step) => ({
            ...step,
            started_at: shift(step.started_at, delta),
            finished_at: shift(step.finished_at, delta),
          })),
        };
        rows.push({
          run: storedRun(moved, new Date(now)),
          source: { topic: liveTopic, partition: 0, offset: String(offset++) },
        });
      }
      await writeRuns(pool, rows).then(
        () => {
          added += rows.length;
        },
        (error: Error) => {
          failure = error;
        },
      );
      // Paced by schedule: a slow write is followed at once by the next batch, not skipped.
      const wait = started + tick * tickMs - performance.now();
      if (wait > 0) await sleep(wait);
    }
  })();
  return {
    /** Stops it; resolves with the runs added and the rate reached. */
    async stop() {
      running = false;
      await loop;
      return { added, perSecond: added / secondsSince(started), failure };
    },
  };
}

// --- asking and timing -------------------------------------------------------------------------

class Samples {
  readonly byLabel = new Map<string, { ms: number[]; failed: number; firstFailure?: string }>();
  add(label: string, ms: number): void {
    this.entry(label).ms.push(ms);
  }
  fail(label: string, why: string): void {
    const entry = this.entry(label);
    entry.failed++;
    entry.firstFailure ??= why;
  }
  private entry(label: string) {
    let entry = this.byLabel.get(label);
    if (entry === undefined) {
      entry = { ms: [], failed: 0 };
      this.byLabel.set(label, entry);
    }
    return entry;
  }
}

function consoleAsker(url: string, key: string, samples: Samples): Ask {
  return async (label, path, query, options = {}) => {
    const target = `${url}${path}${Object.keys(query).length === 0 ? '' : `?${new URLSearchParams(query)}`}`;
    const started = performance.now();
    const response = await fetch(target, {
      headers: { authorization: `Bearer ${key}`, accept: options.csv ? 'text/csv' : 'application/json' },
    });
    const text = await response.text();
    const ms = performance.now() - started;
    if (response.status !== 200) {
      samples.fail(label, `${response.status} ${text.slice(0, 300)}`);
      return undefined;
    }
    samples.add(label, ms);
    return options.csv ? text : JSON.parse(text);
  };
}

/**
 * The web console's pages, asked as a browser would (a session cookie from POST /login), timed to
 * the last byte of the HTML (the page's charts then load their data from the same HTML: no more
 * requests but the cached assets). Labels start with `page`.
 */
async function askPages(
  url: string,
  key: string,
  rounds: number,
  random: RandomSource,
  fleet: FleetFacts,
  samples: Samples,
  progress: (line: () => string) => void,
): Promise<void> {
  const login = await fetch(`${url}/login`, {
    method: 'POST',
    body: new URLSearchParams({ key, next: '/' }),
    redirect: 'manual',
  });
  const cookie = login.headers.get('set-cookie')?.split(';')[0];
  if (login.status !== 303 || cookie === undefined) throw new Error(`login answered ${login.status}`);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random.next() * items.length)] as T;
  const periods = ['today', '24h', '7d', '30d'];
  const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Singapore'];
  for (let round = 0; round < rounds; round++) {
    const period = `period=${pick(periods)}&tz=${encodeURIComponent(pick(zones))}`;
    const transaction = pick(fleet.transactions).id;
    const run = pick(fleet.sampleRuns);
    const pages: Array<[string, string]> = [
      ['page overview', `/?${period}`],
      ['page transactions', `/transactions?${period}`],
      ['page transactions, 2nd page by name', `/transactions?${period}&sort=name&offset=50`],
      ['page transaction', `/transactions/${transaction}?${period}`],
      ['page transaction, failed runs', `/transactions/${transaction}?${period}&status=FAIL`],
      ['page run', `/runs/${run.robot_id}/${run.result_id}?${period}`],
      ['page robots', `/robots?${period}`],
      ['page events', `/events?${period}`],
      ['page pipeline', '/pipeline'],
    ];
    for (const [label, path] of pages) {
      const started = performance.now();
      const response = await fetch(`${url}${path}`, { headers: { cookie }, redirect: 'manual' });
      const text = await response.text();
      const ms = performance.now() - started;
      if (response.status === 200) samples.add(label, ms);
      else samples.fail(label, `${response.status} ${text.slice(0, 200)}`);
    }
    progress(() => `  page round ${round + 1}/${rounds}`);
  }
}

function sqlRunner(pool: pg.Pool, samples: Samples): RunSql {
  return async (label, statements) => {
    const client = await pool.connect();
    try {
      const started = performance.now();
      const results = [];
      for (const [sql, values] of statements) results.push((await client.query(sql, values)).rows);
      samples.add(label, performance.now() - started);
      return results;
    } catch (error) {
      samples.fail(label, (error as Error).message);
      return statements.map(() => []);
    } finally {
      client.release();
    }
  };
}

function report(api: Samples, raw: Samples): string {
  const figure = (ms: number[], q: number) => (ms.length === 0 ? '—' : percentileMs(ms, q).toFixed(0));
  const header = ['endpoint', 'n', 'API p50', 'p95', 'p99', 'n', 'raw p50', 'p95', 'p99', 'raw/API p50'];
  const rows = [...api.byLabel.keys()].sort().map((label) => {
    const a = api.byLabel.get(label) ?? { ms: [], failed: 0 };
    const r = raw.byLabel.get(label) ?? { ms: [], failed: 0 };
    const ratio =
      a.ms.length === 0 || r.ms.length === 0
        ? '—'
        : (percentileMs(r.ms, 0.5) / percentileMs(a.ms, 0.5)).toFixed(1);
    return [
      label,
      `${a.ms.length}${a.failed > 0 ? ` (+${a.failed} failed)` : ''}`,
      figure(a.ms, 0.5),
      figure(a.ms, 0.95),
      figure(a.ms, 0.99),
      `${r.ms.length}${r.failed > 0 ? ` (+${r.failed} failed)` : ''}`,
      figure(r.ms, 0.5),
      figure(r.ms, 0.95),
      figure(r.ms, 0.99),
      ratio,
    ];
  });
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => String(row[i]).length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  const failures = [...api.byLabel, ...raw.byLabel].flatMap(([label, entry]) =>
    entry.firstFailure === undefined
      ? []
      : [`  ${label}: ${entry.failed} failed, first: ${entry.firstFailure}`],
  );
  return [line(header), ...rows.map(line), ...(failures.length > 0 ? ['failures:', ...failures] : [])].join(
    '\n',
  );
}

// --- main --------------------------------------------------------------------------------------

runBench(
  {
    name: 'console-queries',
    usage,
    counts: defaults,
    flags: ['reuse', 'keep'],
  },
  async (options) => {
    const { stack } = options;
    const log = (line: string) => process.stdout.write(`${line}\n`);
    const shape = fleetShape(options);
    const database: BenchDatabase = await openDatabase(stack, shape, options.reuse);
    log(`console-queries: database ${database.name}${options.reuse ? ' (reused if it was there)' : ''}`);
    const stopping: Array<() => Promise<unknown>> = [];
    try {
      await migrate(database.pool);
      const { to, stored } = await fleetState(database.pool);
      const plan = fleetPlan(shape, to);
      log(
        `fleet: ${shape.transactions} transactions × ${locations} locations every ${everyMinutes} min, ` +
          `${plan.from.toISOString()} – ${to.toISOString()} (${plannedRunCount(plan)} runs), seed ${shape.seed}`,
      );
      const loadStarted = performance.now();
      const loaded = await loadFleet(database.pool, plan, stored, options.loadBatch);
      // Fresh statistics and visibility map for the planner, as autovacuum leaves them after a while;
      // statistics at least of the rollups a migration may just have filled on a reused database.
      const tables = [
        'synth_runs',
        'synth_step_runs',
        'synth_run_hours',
        'synth_step_hours',
        'synth_run_days',
        'synth_step_days',
        'synth_transaction_quarters',
        'synth_service_quarters',
        'synth_project_quarters',
        'synth_transaction_step_days',
      ].join(', ');
      if (loaded > 0) {
        log('load: VACUUM ANALYZE…');
        await database.pool.query(`VACUUM (ANALYZE) ${tables}`);
        log(`load: done in ${secondsSince(loadStarted).toFixed(0)} s`);
      } else {
        await database.pool.query(`ANALYZE ${tables}`);
      }
      const sizes = await database.pool.query<{ relation: string; rows: string; size: string }>(
        `SELECT relname AS relation, n_live_tup::text AS rows, pg_size_pretty(pg_total_relation_size(relid)) AS size
         FROM pg_stat_user_tables WHERE relname IN ('synth_runs', 'synth_step_runs', 'synth_run_hours', 'synth_step_hours')
         ORDER BY relname`,
      );
      for (const row of sizes.rows) log(`  ${row.relation}: ~${row.rows} rows, ${row.size} with indexes`);

      // A console of its own over the database: the stack's Kafka (its own identity) and stores.
      const port = await freePort();
      const key = newBenchKey();
      const config = writeBenchConfig({
        ...benchConfigBase(stack),
        postgres: { url: database.url },
        minio: stack.minio,
        victoria_metrics: stack.victoria_metrics,
        victoria_logs: stack.victoria_logs,
        console: {
          listen: `127.0.0.1:${port}`,
          api_keys: [{ name: 'bench', sha256: sha256Hex(key), scopes: ['read'] }],
        },
      });
      stopping.push(async () => config.remove());
      const consoleProcess = await startReadyProcess(['console'], config.configFile, localUrl(port), {
        label: 'console',
      });
      stopping.push(() => consoleProcess.stop());
      const document = (await (await fetch(`${consoleProcess.url}/api/v1/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { operationId: string }>>;
      };
      const served = new Set(
        Object.values(document.paths).flatMap((item) =>
          Object.values(item).map((operation) => operation.operationId),
        ),
      );

      const sample = await database.pool.query<{ robot_id: string; result_id: string }>(
        'SELECT robot_id, result_id FROM synth_runs TABLESAMPLE SYSTEM (1) LIMIT 500',
      );
      const fleet: FleetFacts = {
        transactions: plan.transactions,
        robots: fleetLocations.map((location) => location.robotId),
        locations: fleetLocations.map((l) => [l.country, l.region, l.city].join('/')),
        sampleRuns: sample.rows,
      };
      const random = seededRandom(shape.seed);
      const rounds: Question[][] = Array.from({ length: options.rounds }, () =>
        roundOfQuestions(random, fleet),
      );
      const skipped = new Set(
        rounds.flat().flatMap((question) => (served.has(question.operationId) ? [] : [question.operationId])),
      );
      if (skipped.size > 0) log(`not served by this console, not asked: ${[...skipped].sort().join(', ')}`);

      const loader = startLiveLoader(database.pool, shape, options.rate);
      stopping.push(() => loader.stop());
      const api = new Samples();
      const raw = new Samples();
      const ask = consoleAsker(consoleProcess.url, key, api);
      const progress = oncePerSecond();
      log(
        `asking: ${options.rounds} rounds of API questions, then ${options.rawRounds} of raw SQL, while ${options.rate} runs/s arrive`,
      );
      // The API's questions first, then the raw SQL's: a raw scan of millions of rows between two
      // API requests would time the cache it left behind, not the API.
      for (const [i, round] of rounds.entries()) {
        for (const question of round) if (served.has(question.operationId)) await question.api(ask);
        progress(() => `  API round ${i + 1}/${rounds.length}`);
      }
      await askPages(consoleProcess.url, key, options.pageRounds, random, fleet, api, progress);
      const runSql = sqlRunner(database.pool, raw);
      for (const [i, round] of rounds.slice(0, options.rawRounds).entries()) {
        for (const question of round) if (served.has(question.operationId)) await question.raw(runSql);
        log(`  raw SQL round ${i + 1}/${Math.min(options.rawRounds, rounds.length)}`);
      }
      stopping.pop();
      const live = await loader.stop();
      const total = await database.pool.query<{ n: string }>('SELECT count(*) AS n FROM synth_runs');
      log(
        `\nlive loader: ${live.added} runs added at ${live.perSecond.toFixed(0)}/s` +
          `${live.failure === undefined ? '' : ` (stopped by a failed write: ${live.failure.message})`}; ` +
          `${total.rows[0]?.n} runs stored now\n` +
          'latency in ms, one request at a time, client side to the last byte; raw = plain SQL over synth_runs/synth_step_runs\n',
      );
      log(report(api, raw));
    } finally {
      for (const stop of stopping.reverse()) await stop().catch(() => undefined);
      if (options.keep) {
        await database.pool.end();
        log(`kept database ${database.name} (--reuse uses it again)`);
      } else {
        await database.drop();
      }
    }
  },
);
