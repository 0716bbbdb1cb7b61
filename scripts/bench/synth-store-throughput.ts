// Results per second through the synth-store, next to a direct bulk insert of the same rows with
// the same SQL and batch size straight to PostgreSQL, and the upload→row latency at a steady
// rate, in the same run. A benchmark, not a test: it prints figures and asserts nothing.
// See README.md here.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { quantileSorted } from 'simple-statistics';
import { stringify } from 'yaml';
import { loadConfig } from '../../core/config.ts';
import type { PrimoartConfig } from '../../core/config-schema.ts';
import { createLogger } from '../../core/logging.ts';
import { migrate } from '../../infra/migrations/migrate.ts';
import { sha256Hex } from '../../ingest-gateway/api-keys.ts';
import { fromAvroResult, toAvroResult, validateTransactionResult } from '../../schemas/index.ts';
import type { TransactionResultRecord } from '../../schemas/record-types.ts';
import { resetGroupOffsets } from '../../topics/admin.ts';
import { topics } from '../../topics/catalog.ts';
import { createValueCodec } from '../../topics/codec.ts';
import { connectKafka } from '../../topics/kafkajs-adapter.ts';
import { writeRuns } from '../../workers/synth-store/writer.ts';

const usage = `Usage: node scripts/bench/synth-store-throughput.ts [--results N] [--rate R] [--seconds S] [--config.file F]

Measures
  (a) direct bulk insert: N results written with the synth-store's own SQL (runs, steps, catalogue,
      one transaction per batch of ${500}) straight to PostgreSQL, batch after batch — the baseline,
  (b) through the worker: the same kind of N results produced to ${topics.synthResults.name} as a
      backlog first; a synth-store of its own (own group, own database) drains it, counted from
      the worker being ready to the last row being in PostgreSQL,
  (c) upload→row: results uploaded to a gateway of its own at R/s for S seconds; per result, from
      sending the upload to its row being visible (polled every 25 ms): p50/p99/max,
and prints each rate and the ratio worker/direct. Each measurement has a database of its own on
the stack's PostgreSQL, dropped at the end.

Options:
  --results N       results for (a) and (b) (default 20000)
  --rate R          uploads per second for (c) (default 50)
  --seconds S       duration of (c) (default 20)
  --config.file F   the stack's config (default: $PRIMOART_CONFIG_FILE, as set by 'primoart env')
  --help            this text
`;

const defaults = { results: 20_000, rate: 50, seconds: 20, batchSize: 500, transactions: 64 };

interface Options {
  results: number;
  rate: number;
  seconds: number;
  configFile: string;
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      results: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      'config.file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const positive = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  const configFile = values['config.file'] ?? process.env.PRIMOART_CONFIG_FILE;
  if (configFile === undefined) {
    throw new Error('no config: pass --config.file or run eval "$(scripts/primoart env)" first');
  }
  return {
    results: positive('results', values.results, defaults.results),
    rate: positive('rate', values.rate, defaults.rate),
    seconds: positive('seconds', values.seconds, defaults.seconds),
    configFile,
  };
}

// --- payloads ----------------------------------------------------------------------------------

/** A valid result, like a robot's: three steps, a location, attributes; no screenshots. */
function benchResult(transactions: readonly string[], i: number): Record<string, unknown> {
  const finished = Date.now() - 60_000;
  const started = finished - 3_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    result_id: randomUUID(),
    transaction_id: transactions[i % transactions.length],
    transaction_name: 'Benchmark: login and search',
    service: 'bench',
    project: 'bench',
    robot_id: '00000000-0000-4000-8000-00000000be4c',
    robot_name: 'synth-store-throughput',
    environment: 'bench',
    location: { city: 'Frankfurt am Main', country: 'DE', latitude: 50.11, longitude: 8.68 },
    started_at: iso(started),
    finished_at: iso(finished),
    status: 'OK',
    steps: [0, 1, 2].map((index) => ({
      index,
      name: `step ${index}`,
      started_at: iso(started + index * 1000),
      finished_at: iso(started + (index + 1) * 1000),
      status: 'OK',
    })),
    attributes: { browser: 'chromium', run: String(i) },
  };
}

/** What the gateway publishes for a result: its message key and Avro record. */
function toRecord(result: Record<string, unknown>): { key: string; record: TransactionResultRecord } {
  const validation = validateTransactionResult(result, { now: new Date(), defaultEnvironment: 'bench' });
  if (!validation.ok) throw new Error(`bench result is invalid: ${JSON.stringify(validation.errors)}`);
  return {
    key: validation.value.transaction_id,
    record: toAvroResult(validation.value, { receivedAt: new Date() }).result,
  };
}

function freshRecords(count: number) {
  const transactions = Array.from({ length: defaults.transactions }, () => randomUUID());
  return {
    transactions,
    records: Array.from({ length: count }, (_, i) => toRecord(benchResult(transactions, i))),
  };
}

// --- databases and processes -------------------------------------------------------------------

async function scratchDatabase(stack: PrimoartConfig, label: string) {
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface BenchProcess {
  url: string;
  stop(): Promise<void>;
}

/** `primoart <args…> --config.file <its own config>`, resolved once /-/ready answers 200. */
async function startProcess(args: string[], config: unknown, port: number): Promise<BenchProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'primoart-bench-'));
  const configFile = join(dir, 'primoart.yml');
  writeFileSync(configFile, stringify(config), { mode: 0o600 });
  const cli = join(import.meta.dirname, '..', 'cli.ts');
  const child: ChildProcess = spawn(process.execPath, [cli, ...args, '--config.file', configFile], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${args.join(' ')} exited with ${child.exitCode} while starting`);
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${args.join(' ')} was not ready within 60 s`);
    }
    // Polled often: the worker starts draining as soon as it is ready, and (b) is timed from then.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const seconds = (since: number) => (performance.now() - since) / 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- main --------------------------------------------------------------------------------------

async function main(): Promise<number> {
  let options: Options | undefined;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(usage);
    return 0;
  }
  const { results, rate } = options;
  const stack = await loadConfig(options.configFile);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(
    `synth-store throughput: ${results} results, batches of ${defaults.batchSize}; latency at ${rate}/s for ${options.seconds} s`,
  );

  const direct = await scratchDatabase(stack, 'direct');
  const viaWorker = await scratchDatabase(stack, 'worker');
  const kafka = connectKafka(
    {
      brokers: stack.kafka.brokers,
      clientId: 'primoart-bench',
      connectTimeoutMs: stack.kafka.connect_timeout_ms,
      requestTimeoutMs: stack.kafka.request_timeout_ms,
    },
    createLogger({ component: 'bench', level: 'warn' }),
  );
  const producer = await kafka.producer();
  const running: BenchProcess[] = [];
  try {
    // (a) direct: the worker's own write function, batch after batch, on a migrated empty database.
    await migrate(direct.pool);
    const directSet = freshRecords(results);
    const rows = directSet.records.map(({ record }, i) => ({
      run: fromAvroResult(record),
      source: { topic: topics.synthResults.name, partition: 0, offset: String(i) },
    }));
    log('(a) direct bulk insert…');
    const directStarted = performance.now();
    for (let i = 0; i < rows.length; i += defaults.batchSize) {
      await writeRuns(direct.pool, rows.slice(i, i + defaults.batchSize));
    }
    const directSeconds = seconds(directStarted);

    // (b) through the worker: a backlog on the topic first, then a worker of its own drains it.
    const groupId = `primoart.bench.synth-store.${randomUUID().slice(0, 8)}`;
    const admin = await kafka.admin();
    await resetGroupOffsets(admin, groupId, topics.synthResults.name, { kind: 'latest' });
    await admin.disconnect();
    const codec = await createValueCodec<TransactionResultRecord>({
      registryUrl: stack.schema_registry.url,
      topic: topics.synthResults.name,
      schema: topics.synthResults.valueSchema.schema,
    });
    const workerSet = freshRecords(results);
    log(`(b) producing a backlog of ${results}…`);
    for (let i = 0; i < workerSet.records.length; i += defaults.batchSize) {
      const messages = await Promise.all(
        workerSet.records
          .slice(i, i + defaults.batchSize)
          .map(async ({ key, record }) => ({ key, value: await codec.encode(record) })),
      );
      await producer.send([{ topic: topics.synthResults.name, messages }]);
    }
    const [workerPort, gatewayPort] = [await freePort(), await freePort()];
    const key = `bench-${randomUUID()}`;
    const config = {
      environment: 'bench',
      log: { level: 'warn' },
      kafka: stack.kafka,
      schema_registry: stack.schema_registry,
      postgres: { url: viaWorker.url },
      gateway: {
        listen: `127.0.0.1:${gatewayPort}`,
        api_keys: [{ name: 'bench', sha256: sha256Hex(key), scopes: ['results:write'] }],
        rate_limit: { requests_per_second: 1_000_000, burst: 1_000_000 },
      },
      workers: {
        'synth-store': {
          listen: `127.0.0.1:${workerPort}`,
          group_id: groupId,
          batch: { max_records: defaults.batchSize },
        },
      },
    };
    const countOf = async (transactions: string[]) =>
      Number(
        (
          await viaWorker.pool.query(
            'SELECT count(*) AS n FROM synth_runs WHERE transaction_id = ANY($1::uuid[])',
            [transactions],
          )
        ).rows[0].n,
      );
    log('(b) starting a synth-store of its own and draining…');
    const worker = await startProcess(['worker', 'synth-store'], config, workerPort);
    running.push(worker);
    const workerStarted = performance.now();
    let lastReport = performance.now();
    for (;;) {
      const stored = await countOf(workerSet.transactions);
      if (stored >= results) break;
      if (performance.now() - lastReport > 1000) {
        log(`  (b) ${stored}/${results} stored`);
        lastReport = performance.now();
      }
      if (seconds(workerStarted) > 120) throw new Error(`(b) only ${stored}/${results} stored after 120 s`);
      await sleep(20);
    }
    const workerSeconds = seconds(workerStarted);

    // (c) upload→row at a steady rate through a gateway of its own and the same worker.
    const gateway = await startProcess(['gateway'], config, gatewayPort);
    running.push(gateway);
    log(`(c) uploading at ${rate}/s for ${options.seconds} s…`);
    const latencyTransactions = Array.from({ length: defaults.transactions }, () => randomUUID());
    const pending = new Map<string, number>();
    const latencies: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling || pending.size > 0) {
        if (pending.size > 0) {
          const { rows: seen } = await viaWorker.pool.query<{ result_id: string }>(
            'SELECT result_id FROM synth_runs WHERE result_id = ANY($1::uuid[])',
            [[...pending.keys()]],
          );
          const now = performance.now();
          for (const { result_id } of seen) {
            latencies.push(now - (pending.get(result_id) as number));
            pending.delete(result_id);
          }
        }
        await sleep(25);
      }
    })();
    const total = rate * options.seconds;
    const streamStarted = performance.now();
    const uploads: Array<Promise<void>> = [];
    for (let i = 0; i < total; i++) {
      // Paced by schedule, not by answers: a slow answer does not lower the offered rate.
      const due = streamStarted + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const result = benchResult(latencyTransactions, i);
      const sentAt = performance.now();
      uploads.push(
        fetch(`${gateway.url}/api/v1/transactions/results/upload`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify(result),
        }).then(async (response) => {
          await response.arrayBuffer();
          if (response.status === 202) pending.set(result.result_id as string, sentAt);
          else log(`  (c) upload answered ${response.status}`);
        }),
      );
    }
    await Promise.all(uploads);
    polling = false;
    const drainDeadline = performance.now() + 60_000;
    while (pending.size > 0 && performance.now() < drainDeadline) await sleep(100);
    const lost = pending.size;
    pending.clear();
    await poller;

    latencies.sort((a, b) => a - b);
    const ms = (q: number) => (latencies.length === 0 ? Number.NaN : quantileSorted(latencies, q)).toFixed(0);
    const directRate = results / directSeconds;
    const workerRate = results / workerSeconds;
    log(
      `\nresults (${results} results, batches of ${defaults.batchSize})\n` +
        `  (a) direct bulk insert   ${directRate.toFixed(0).padStart(8)} results/s  (${directSeconds.toFixed(2)} s)\n` +
        `  (b) through the worker   ${workerRate.toFixed(0).padStart(8)} results/s  (${workerSeconds.toFixed(2)} s)\n` +
        `  worker/direct:           ${(workerRate / directRate).toFixed(2)}\n` +
        `  (c) upload→row at ${rate}/s: ${latencies.length} rows, p50 ${ms(0.5)} ms, p99 ${ms(0.99)} ms, ` +
        `max ${ms(1)} ms${lost > 0 ? `, ${lost} not seen within 60 s` : ''}`,
    );
  } finally {
    for (const process of running.reverse()) await process.stop();
    await producer.disconnect();
    await direct.drop();
    await viaWorker.drop();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`synth-store-throughput: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
