// Entries per second through the logs-store next to a direct bulk NDJSON insert of the same entries
// into VictoriaLogs from the same machine in the same run, and upload→entry latency at a steady
// upload rate. A benchmark, not a test: it prints figures and asserts nothing. See README.md here.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { quantile } from 'simple-statistics';
import { stringify } from 'yaml';
import { loadConfig } from '../../core/config.ts';
import type { PrimoartConfig } from '../../core/config-schema.ts';
import { createLogger } from '../../core/logging.ts';
import { sha256Hex } from '../../ingest-gateway/api-keys.ts';
import { fromAvroResult, toAvroResult, validateTransactionResult } from '../../schemas/index.ts';
import type { TransactionResultRecord } from '../../schemas/record-types.ts';
import { resetGroupOffsets } from '../../topics/admin.ts';
import { topics } from '../../topics/catalog.ts';
import { createValueCodec } from '../../topics/codec.ts';
import { connectKafka } from '../../topics/kafkajs-adapter.ts';
import { type LogEntry, robotRunEntries } from '../../workers/logs-store/log-entries.ts';
import { createVictoriaLogsWriter } from '../../workers/logs-store/victoria-logs-writer.ts';

const usage = `Usage: node scripts/bench/logs-store-throughput.ts [--results N] [--log-lines L] [--rate R] [--seconds S] [--config.file F]

Measures
  (a) entries/s through a logs-store of its own: N results with L log lines each (L+1 entries per
      result) produced to ${topics.synthResults.name} while the worker drains them, timed from the
      first send until the worker's group has committed past the last one (it commits only what
      VictoriaLogs confirmed);
  (b) entries/s of a direct bulk NDJSON insert of the same entries into VictoriaLogs (the same
      /insert/jsonline request shape, batches of the worker's batch size), 1 and 4 requests in flight;
  (c) upload→entry latency: R uploads/s for S seconds through a gateway of its own, each result's
      run entry found by polling VictoriaLogs every 100 ms (p50/p99 include VictoriaLogs' own delay
      before a written entry is searchable, and up to 100 ms of polling).

Options:
  --results N       results for (a) and (b) (default 20000)
  --log-lines L     log lines per result (default 9)
  --rate R          uploads per second for (c) (default 20)
  --seconds S       duration of (c) (default 20)
  --config.file F   the stack's config (default: $PRIMOART_CONFIG_FILE, as set by 'primoart env')
  --help            this text
`;

const defaults = { results: 20000, logLines: 9, rate: 20, seconds: 20, workerBatch: 500 };

interface Options {
  results: number;
  logLines: number;
  rate: number;
  seconds: number;
  configFile: string;
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      results: { type: 'string' },
      'log-lines': { type: 'string' },
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
    logLines: positive('log-lines', values['log-lines'], defaults.logLines),
    rate: positive('rate', values.rate, defaults.rate),
    seconds: positive('seconds', values.seconds, defaults.seconds),
    configFile,
  };
}

// --- payloads ----------------------------------------------------------------------------------

const robotId = '00000000-0000-4000-8000-00000000be4d';

function benchResult(service: string, logLines: number, i: number): Record<string, unknown> {
  const finished = Date.now() - 60_000;
  const started = finished - 3_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    result_id: randomUUID(),
    transaction_id: randomUUID(),
    transaction_name: 'Benchmark: login and search',
    service,
    robot_id: robotId,
    robot_name: 'logs-store-throughput',
    environment: 'bench',
    started_at: iso(started),
    finished_at: iso(finished),
    status: i % 10 === 0 ? 'FAIL' : 'OK',
    ...(i % 10 === 0 ? { error_message: 'search box not found' } : {}),
    steps: [0, 1, 2].map((index) => ({
      index,
      name: `step ${index}`,
      started_at: iso(started + index * 1000),
      finished_at: iso(started + (index + 1) * 1000),
      status: 'OK',
    })),
    log: Array.from(
      { length: logLines },
      (_, line) => `${iso(started + line * 100)} INFO step ${line % 3}: robot action ${line} of run ${i}`,
    ).join('\n'),
  };
}

function toRecord(result: Record<string, unknown>): TransactionResultRecord {
  const validation = validateTransactionResult(result, { now: new Date(), defaultEnvironment: 'bench' });
  if (!validation.ok) throw new Error(`bench result is invalid: ${JSON.stringify(validation.errors)}`);
  return toAvroResult(validation.value, { receivedAt: new Date() }).result;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// --- processes of its own ----------------------------------------------------------------------

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

async function startProcess(args: string[], url: string): Promise<BenchProcess> {
  const cli = join(import.meta.dirname, '..', 'cli.ts');
  const child: ChildProcess = spawn(process.execPath, [cli, ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
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
    await sleep(100);
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

interface BenchSetup {
  configFile: string;
  groupId: string;
  gatewayUrl: string;
  workerUrl: string;
  key: string;
  remove(): void;
}

async function benchConfig(stack: PrimoartConfig, victoriaLogsUrl: string): Promise<BenchSetup> {
  const [gatewayPort, workerPort] = [await freePort(), await freePort()];
  const key = `bench-${randomUUID()}`;
  const groupId = `primoart.bench.logs-store.${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'primoart-bench-'));
  const configFile = join(dir, 'primoart.yml');
  const config = {
    environment: 'bench',
    log: { level: 'warn' },
    kafka: stack.kafka,
    schema_registry: stack.schema_registry,
    victoria_logs: { url: victoriaLogsUrl },
    gateway: {
      listen: `127.0.0.1:${gatewayPort}`,
      api_keys: [{ name: 'bench', sha256: sha256Hex(key), scopes: ['results:write'] }],
      rate_limit: { requests_per_second: 1_000_000, burst: 1_000_000 },
    },
    workers: {
      'logs-store': {
        listen: `127.0.0.1:${workerPort}`,
        group_id: groupId,
        batch: { max_records: defaults.workerBatch },
      },
    },
  };
  writeFileSync(configFile, stringify(config), { mode: 0o600 });
  return {
    configFile,
    groupId,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    workerUrl: `http://127.0.0.1:${workerPort}`,
    key,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function logsql(victoriaLogsUrl: string, query: string): Promise<Array<Record<string, string>>> {
  const response = await fetch(`${victoriaLogsUrl}/select/logsql/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`VictoriaLogs query answered ${response.status}: ${text}`);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, string>);
}

async function uniqueCount(victoriaLogsUrl: string, service: string): Promise<number> {
  const [row] = await logsql(
    victoriaLogsUrl,
    `service:=${JSON.stringify(service)} | stats count_uniq(entry_id) n`,
  );
  return Number(row?.n ?? 0);
}

// --- measurements ------------------------------------------------------------------------------

interface Rate {
  label: string;
  entries: number;
  seconds: number;
}

async function throughWorker(
  stack: PrimoartConfig,
  setup: BenchSetup,
  victoriaLogsUrl: string,
  options: Options,
): Promise<Rate> {
  const service = `bench-logs-worker-${randomUUID().slice(0, 8)}`;
  const kafka = connectKafka(
    {
      brokers: stack.kafka.brokers,
      clientId: 'primoart-bench',
      connectTimeoutMs: stack.kafka.connect_timeout_ms,
      requestTimeoutMs: stack.kafka.request_timeout_ms,
    },
    createLogger({ component: 'bench', level: 'warn' }),
  );
  const groupAdmin = await kafka.admin();
  for (const topic of [topics.synthResults.name, topics.otelLogs.name, topics.otelSpans.name]) {
    await resetGroupOffsets(groupAdmin, setup.groupId, topic, { kind: 'latest' });
  }
  await groupAdmin.disconnect();

  const codec = await createValueCodec<TransactionResultRecord>({
    registryUrl: stack.schema_registry.url,
    topic: topics.synthResults.name,
    schema: topics.synthResults.valueSchema.schema,
  });
  const records = Array.from({ length: options.results }, (_, i) =>
    toRecord(benchResult(service, options.logLines, i)),
  );
  const producer = await kafka.producer();
  const admin = await kafka.admin();
  process.stdout.write('(a) starting a logs-store of its own…\n');
  const worker = await startProcess(
    ['worker', 'logs-store', '--config.file', setup.configFile],
    setup.workerUrl,
  );
  try {
    // Timed from the first send to the group's commit passing the last record: the worker commits
    // only what VictoriaLogs confirmed. Other traffic on the topic meanwhile is drained too.
    process.stdout.write(`(a) producing ${options.results} results while the worker drains them…\n`);
    const startedAt = performance.now();
    for (const batch of chunks(records, 200)) {
      const messages = await Promise.all(
        batch.map(async (record) => ({ key: record.transaction_id, value: await codec.encode(record) })),
      );
      await producer.send([{ topic: topics.synthResults.name, messages }]);
    }
    const producedSeconds = (performance.now() - startedAt) / 1000;
    const ends = await admin.topicOffsets(topics.synthResults.name);
    let lastReport = performance.now();
    for (;;) {
      const committed = new Map(
        (await admin.groupOffsets(setup.groupId, topics.synthResults.name)).map((c) => [
          c.partition,
          c.offset,
        ]),
      );
      const behind = ends.reduce(
        (sum, end) => sum + Math.max(0, Number(end.high) - Number(committed.get(end.partition) ?? 0)),
        0,
      );
      if (behind === 0) break;
      if (performance.now() - lastReport > 1000) {
        lastReport = performance.now();
        process.stdout.write(`  (a) worker: ${behind} records not yet confirmed and committed\n`);
      }
      await sleep(50);
    }
    const seconds = (performance.now() - startedAt) / 1000;
    process.stdout.write(
      `  (a) producing took ${producedSeconds.toFixed(2)} s of the ${seconds.toFixed(2)} s\n`,
    );
    const expected = options.results * (options.logLines + 1);
    let stored = 0;
    for (let attempt = 0; attempt < 50 && stored < expected; attempt++) {
      stored = await uniqueCount(victoriaLogsUrl, service);
      if (stored < expected) await sleep(200);
    }
    process.stdout.write(`  (a) worker: ${stored}/${expected} entries searchable in VictoriaLogs\n`);
    return { label: '(a) through the logs-store', entries: expected, seconds };
  } finally {
    await worker.stop();
    await producer.disconnect();
    await admin.disconnect();
  }
}

async function directInsert(victoriaLogsUrl: string, options: Options, concurrency: number): Promise<Rate> {
  const service = `bench-logs-direct-${randomUUID().slice(0, 8)}`;
  // The same entries the worker writes for the same results, prepared up front (mapping not timed).
  const batches: LogEntry[][] = chunks(
    Array.from({ length: options.results }, (_, i) =>
      robotRunEntries(fromAvroResult(toRecord(benchResult(service, options.logLines, i)))),
    ),
    defaults.workerBatch,
  ).map((batch) => batch.flat());
  const writer = createVictoriaLogsWriter({ url: victoriaLogsUrl });
  const entries = batches.reduce((sum, batch) => sum + batch.length, 0);
  let next = 0;
  const startedAt = performance.now();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < batches.length) await writer.write(batches[next++] as LogEntry[]);
      }),
    );
  } finally {
    await writer.close();
  }
  return {
    label: `(b) direct insert, ${concurrency} in flight`,
    entries,
    seconds: (performance.now() - startedAt) / 1000,
  };
}

async function latency(setup: BenchSetup, victoriaLogsUrl: string, options: Options) {
  const service = `bench-logs-latency-${randomUUID().slice(0, 8)}`;
  const worker = await startProcess(
    ['worker', 'logs-store', '--config.file', setup.configFile],
    setup.workerUrl,
  );
  const gateway = await startProcess(['gateway', '--config.file', setup.configFile], setup.gatewayUrl);
  const sentAt = new Map<string, number>();
  const seenAt = new Map<string, number>();
  let sending = true;
  process.stdout.write(
    `(c) ${options.rate} uploads/s for ${options.seconds} s through a gateway of its own…\n`,
  );
  const poller = (async () => {
    while (sending || seenAt.size < sentAt.size) {
      const rows = await logsql(
        victoriaLogsUrl,
        `service:=${JSON.stringify(service)} kind:="robot.run" | uniq by (result_id)`,
      );
      const now = performance.now();
      for (const row of rows) {
        if (row.result_id !== undefined && !seenAt.has(row.result_id)) seenAt.set(row.result_id, now);
      }
      await sleep(100);
    }
  })();
  try {
    const interval = 1000 / options.rate;
    const started = performance.now();
    for (let i = 0; i < options.rate * options.seconds; i++) {
      const due = started + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const result = benchResult(service, 3, i);
      const at = performance.now();
      const response = await fetch(`${setup.gatewayUrl}/api/v1/transactions/results/upload`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${setup.key}` },
        body: JSON.stringify(result),
      });
      await response.arrayBuffer();
      if (response.status === 202) sentAt.set(result.result_id as string, at);
    }
    sending = false;
    await Promise.race([poller, sleep(60_000)]);
  } finally {
    sending = false;
    await gateway.stop();
    await worker.stop();
  }
  const latencies = [...sentAt].flatMap(([id, at]) => {
    const seen = seenAt.get(id);
    return seen === undefined ? [] : [seen - at];
  });
  return { sent: sentAt.size, seen: latencies.length, latencies };
}

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
  const stack = await loadConfig(options.configFile);
  const victoriaLogsUrl = stack.victoria_logs?.url ?? process.env.PRIMOART_VL_URL;
  if (victoriaLogsUrl === undefined)
    throw new Error('no VictoriaLogs: the config has no victoria_logs section');
  process.stdout.write(
    `logs-store throughput: ${options.results} results × ${options.logLines + 1} entries, VictoriaLogs ${victoriaLogsUrl}\n`,
  );
  const setup = await benchConfig(stack, victoriaLogsUrl);
  try {
    const worker = await throughWorker(stack, setup, victoriaLogsUrl, options);
    process.stdout.write('(b) direct bulk inserts of the same entries\n');
    const direct1 = await directInsert(victoriaLogsUrl, options, 1);
    const direct4 = await directInsert(victoriaLogsUrl, options, 4);
    const timing = await latency(setup, victoriaLogsUrl, options);

    const rate = (r: Rate) => r.entries / r.seconds;
    const row = (r: Rate) =>
      `  ${r.label.padEnd(34)} ${rate(r).toFixed(0).padStart(8)} entries/s  (${r.entries} in ${r.seconds.toFixed(2)} s)\n`;
    const ms = (q: number) =>
      timing.latencies.length === 0 ? 'n/a' : `${quantile(timing.latencies, q).toFixed(0)} ms`;
    process.stdout.write(
      `\nresults (${options.results} results, ${options.logLines + 1} entries each, worker batch ${defaults.workerBatch} results)\n` +
        row(worker) +
        row(direct1) +
        row(direct4) +
        `  worker/direct (1 in flight): ${(rate(worker) / rate(direct1)).toFixed(2)}\n` +
        `  upload→entry searchable at ${options.rate}/s: p50 ${ms(0.5)}, p99 ${ms(0.99)} ` +
        `(${timing.seen}/${timing.sent} uploads found)\n`,
    );
  } finally {
    setup.remove();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`logs-store-throughput: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
