// Records per second through the metrics-store next to a direct bulk import of the same samples
// into VictoriaMetrics from the same machine in the same run, and upload→sample latency at a steady
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
import type { Sample } from '../../workers/metrics-store/sample.ts';
import { synthSamples } from '../../workers/metrics-store/synth-samples.ts';
import { victoriaMetricsWriter } from '../../workers/metrics-store/writer.ts';

const usage = `Usage: node scripts/bench/metrics-store-throughput.ts [--results N] [--rate R] [--seconds S] [--force-flush] [--config.file F]

Measures
  (a) records/s through a metrics-store of its own: N robot results (3 steps each, so 12 samples
      per result) produced to ${topics.synthResults.name} first, then drained by the worker;
  (b) records/s of a direct bulk import of the same samples into VictoriaMetrics (the same
      /api/v1/import/prometheus request, batches of the worker's batch size), 1 and 4 in flight;
  (c) upload→sample latency: R uploads/s for S seconds through a gateway of its own, each result's
      run duration sample found by polling VictoriaMetrics' /api/v1/export every 100 ms. Without
      --force-flush this includes VictoriaMetrics' own delay (about a second) before an accepted
      sample is searchable; with it, each poll first calls /internal/force_flush.

Options:
  --results N       results for (a) and (b) (default 5000)
  --rate R          uploads per second for (c) (default 20)
  --seconds S       duration of (c) (default 20)
  --force-flush     force VictoriaMetrics to flush before each latency poll
  --config.file F   the stack's config (default: $PRIMOART_CONFIG_FILE, as set by 'primoart env')
  --help            this text
`;

const defaults = { results: 5000, rate: 20, seconds: 20, workerBatch: 500 };

interface Options {
  results: number;
  rate: number;
  seconds: number;
  forceFlush: boolean;
  configFile: string;
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      results: { type: 'string' },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      'force-flush': { type: 'boolean' },
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
    forceFlush: values['force-flush'] === true,
    configFile,
  };
}

// --- payloads ----------------------------------------------------------------------------------

const robotId = '00000000-0000-4000-8000-00000000be4e';
const samplesPerResult = 12;

/** A result whose run ends `i` ms after `baseMs`: every result's samples land on their own timestamps. */
function benchResult(service: string, baseMs: number, i: number): Record<string, unknown> {
  const finished = baseMs + i;
  const started = finished - 3_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    result_id: randomUUID(),
    transaction_id: `00000000-0000-4000-8000-${String(i % 50).padStart(12, '0')}`,
    transaction_name: 'Benchmark: login and search',
    service,
    robot_id: robotId,
    robot_name: 'metrics-store-throughput',
    environment: 'bench',
    started_at: iso(started),
    finished_at: iso(finished),
    status: i % 10 === 0 ? 'FAIL' : 'OK',
    steps: [0, 1, 2].map((index) => ({
      index,
      name: `step ${index}`,
      started_at: iso(started + index * 1000),
      finished_at: iso(index === 2 ? finished : started + (index + 1) * 1000),
      status: 'OK',
    })),
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

async function benchConfig(stack: PrimoartConfig, victoriaMetricsUrl: string): Promise<BenchSetup> {
  const [gatewayPort, workerPort] = [await freePort(), await freePort()];
  const key = `bench-${randomUUID()}`;
  const groupId = `primoart.bench.metrics-store.${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'primoart-bench-'));
  const configFile = join(dir, 'primoart.yml');
  const config = {
    environment: 'bench',
    log: { level: 'warn' },
    kafka: stack.kafka,
    schema_registry: stack.schema_registry,
    victoria_metrics: { url: victoriaMetricsUrl },
    gateway: {
      listen: `127.0.0.1:${gatewayPort}`,
      api_keys: [{ name: 'bench', sha256: sha256Hex(key), scopes: ['results:write'] }],
      rate_limit: { requests_per_second: 1_000_000, burst: 1_000_000 },
    },
    workers: {
      'metrics-store': {
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

async function writtenByWorker(workerUrl: string): Promise<number> {
  const text = await (await fetch(`${workerUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('primoart_worker_written_total{') &&
        line.includes('worker="metrics-store"') &&
        line.includes(topics.synthResults.name),
    )
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Raw samples of every series matching `selector`. */
async function exported(
  victoriaMetricsUrl: string,
  selector: string,
  forceFlush: boolean,
): Promise<Array<{ metric: Record<string, string>; timestamps: number[] }>> {
  if (forceFlush) await fetch(new URL('/internal/force_flush', victoriaMetricsUrl));
  const response = await fetch(new URL('/api/v1/export', victoriaMetricsUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ 'match[]': selector }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`VictoriaMetrics export answered ${response.status}: ${text}`);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { metric: Record<string, string>; timestamps: number[] });
}

async function sampleCount(victoriaMetricsUrl: string, service: string): Promise<number> {
  const series = await exported(victoriaMetricsUrl, `{service="${service}",robot_id="${robotId}"}`, true);
  return series.reduce((sum, one) => sum + one.timestamps.length, 0);
}

// --- measurements ------------------------------------------------------------------------------

interface Rate {
  label: string;
  records: number;
  seconds: number;
}

async function throughWorker(
  stack: PrimoartConfig,
  setup: BenchSetup,
  victoriaMetricsUrl: string,
  options: Options,
): Promise<Rate> {
  const service = `bench-metrics-worker-${randomUUID().slice(0, 8)}`;
  const kafka = connectKafka(
    {
      brokers: stack.kafka.brokers,
      clientId: 'primoart-bench',
      connectTimeoutMs: stack.kafka.connect_timeout_ms,
      requestTimeoutMs: stack.kafka.request_timeout_ms,
    },
    createLogger({ component: 'bench', level: 'warn' }),
  );
  const admin = await kafka.admin();
  for (const topic of [topics.synthResults.name, topics.otelMetrics.name, topics.otelSpans.name]) {
    await resetGroupOffsets(admin, setup.groupId, topic, { kind: 'latest' });
  }
  await admin.disconnect();

  const codec = await createValueCodec<TransactionResultRecord>({
    registryUrl: stack.schema_registry.url,
    topic: topics.synthResults.name,
    schema: topics.synthResults.valueSchema.schema,
  });
  const producer = await kafka.producer();
  process.stdout.write(`(a) producing ${options.results} results (not timed)…\n`);
  const baseMs = Date.now() - 3_600_000;
  try {
    for (const batch of chunks(
      Array.from({ length: options.results }, (_, i) => toRecord(benchResult(service, baseMs, i))),
      200,
    )) {
      const messages = await Promise.all(
        batch.map(async (record) => ({ key: record.transaction_id, value: await codec.encode(record) })),
      );
      await producer.send([{ topic: topics.synthResults.name, messages }]);
    }
  } finally {
    await producer.disconnect();
  }

  process.stdout.write('(a) starting a metrics-store of its own to drain them…\n');
  const worker = await startProcess(
    ['worker', 'metrics-store', '--config.file', setup.configFile],
    setup.workerUrl,
  );
  try {
    // Counted from ready (the group joined); what was written before then is left out of both sides.
    const startedAt = performance.now();
    const writtenAtStart = await writtenByWorker(setup.workerUrl);
    let written = writtenAtStart;
    let lastReport = startedAt;
    while (written < options.results) {
      await sleep(50);
      written = await writtenByWorker(setup.workerUrl);
      if (performance.now() - lastReport > 1000) {
        lastReport = performance.now();
        process.stdout.write(
          `  (a) worker: ${written}/${options.results} results confirmed by VictoriaMetrics\n`,
        );
      }
    }
    const seconds = (performance.now() - startedAt) / 1000;
    // A new series becomes searchable a little after its samples were accepted: poll, bounded.
    const expected = options.results * samplesPerResult;
    let stored = 0;
    for (let attempt = 0; attempt < 50 && stored < expected; attempt++) {
      stored = await sampleCount(victoriaMetricsUrl, service);
      if (stored < expected) await sleep(200);
    }
    process.stdout.write(`  (a) worker: ${stored}/${expected} samples in VictoriaMetrics\n`);
    return { label: '(a) through the metrics-store', records: written - writtenAtStart, seconds };
  } finally {
    await worker.stop();
  }
}

async function directImport(
  victoriaMetricsUrl: string,
  options: Options,
  concurrency: number,
): Promise<Rate> {
  const service = `bench-metrics-direct-${randomUUID().slice(0, 8)}`;
  const baseMs = Date.now() - 3_600_000;
  // The same samples the worker writes for the same results, prepared up front (mapping not timed).
  const batches: Sample[][] = chunks(
    Array.from({ length: options.results }, (_, i) =>
      synthSamples(fromAvroResult(toRecord(benchResult(service, baseMs, i)))),
    ),
    defaults.workerBatch,
  ).map((batch) => batch.flat());
  const writer = victoriaMetricsWriter({ url: victoriaMetricsUrl });
  let next = 0;
  const startedAt = performance.now();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < batches.length) await writer.write(batches[next++] as Sample[]);
      }),
    );
  } finally {
    await writer.close();
  }
  return {
    label: `(b) direct import, ${concurrency} in flight`,
    records: options.results,
    seconds: (performance.now() - startedAt) / 1000,
  };
}

async function latency(setup: BenchSetup, victoriaMetricsUrl: string, options: Options) {
  const service = `bench-metrics-latency-${randomUUID().slice(0, 8)}`;
  const worker = await startProcess(
    ['worker', 'metrics-store', '--config.file', setup.configFile],
    setup.workerUrl,
  );
  const gateway = await startProcess(['gateway', '--config.file', setup.configFile], setup.gatewayUrl);
  /** finished_at (ms, unique per upload) → when the upload was sent. */
  const sentAt = new Map<number, number>();
  const seenAt = new Map<number, number>();
  let sending = true;
  process.stdout.write(
    `(c) ${options.rate} uploads/s for ${options.seconds} s through a gateway of its own` +
      `${options.forceFlush ? ' (force_flush before each poll)' : ''}…\n`,
  );
  const selector = `primoart_synth_run_duration_seconds{service="${service}"}`;
  const poller = (async () => {
    while (sending || seenAt.size < sentAt.size) {
      const series = await exported(victoriaMetricsUrl, selector, options.forceFlush);
      const now = performance.now();
      for (const one of series) {
        for (const timestamp of one.timestamps) if (!seenAt.has(timestamp)) seenAt.set(timestamp, now);
      }
      await sleep(100);
    }
  })();
  try {
    const interval = 1000 / options.rate;
    const started = performance.now();
    const baseMs = Date.now() - 60_000;
    for (let i = 0; i < options.rate * options.seconds; i++) {
      const due = started + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const result = benchResult(service, baseMs, i);
      const at = performance.now();
      const response = await fetch(`${setup.gatewayUrl}/api/v1/transactions/results/upload`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${setup.key}` },
        body: JSON.stringify(result),
      });
      await response.arrayBuffer();
      if (response.status === 202) sentAt.set(Date.parse(result.finished_at as string), at);
    }
    sending = false;
    await Promise.race([poller, sleep(60_000)]);
  } finally {
    sending = false;
    await gateway.stop();
    await worker.stop();
  }
  const latencies = [...sentAt].flatMap(([finished, at]) => {
    const seen = seenAt.get(finished);
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
  const victoriaMetricsUrl = stack.victoria_metrics?.url ?? process.env.PRIMOART_VM_URL;
  if (victoriaMetricsUrl === undefined)
    throw new Error('no VictoriaMetrics: the config has no victoria_metrics section');
  process.stdout.write(
    `metrics-store throughput: ${options.results} results × ${samplesPerResult} samples, VictoriaMetrics ${victoriaMetricsUrl}\n`,
  );
  const setup = await benchConfig(stack, victoriaMetricsUrl);
  try {
    const worker = await throughWorker(stack, setup, victoriaMetricsUrl, options);
    process.stdout.write('(b) direct bulk imports of the same samples\n');
    const direct1 = await directImport(victoriaMetricsUrl, options, 1);
    const direct4 = await directImport(victoriaMetricsUrl, options, 4);
    const timing = await latency(setup, victoriaMetricsUrl, options);

    const rate = (r: Rate) => r.records / r.seconds;
    const row = (r: Rate) =>
      `  ${r.label.padEnd(34)} ${rate(r).toFixed(0).padStart(8)} records/s ` +
      `${(rate(r) * samplesPerResult).toFixed(0).padStart(8)} samples/s  (${r.records} in ${r.seconds.toFixed(2)} s)\n`;
    const ms = (q: number) =>
      timing.latencies.length === 0 ? 'n/a' : `${quantile(timing.latencies, q).toFixed(0)} ms`;
    process.stdout.write(
      `\nresults (${options.results} results, ${samplesPerResult} samples each, worker batch ${defaults.workerBatch} records)\n` +
        row(worker) +
        row(direct1) +
        row(direct4) +
        `  worker/direct (1 in flight): ${(rate(worker) / rate(direct1)).toFixed(2)}\n` +
        `  upload→sample ${options.forceFlush ? 'in VictoriaMetrics (force_flush)' : 'searchable'} at ${options.rate}/s: ` +
        `p50 ${ms(0.5)}, p99 ${ms(0.99)} (${timing.seen}/${timing.sent} uploads found)\n`,
    );
  } finally {
    setup.remove();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`metrics-store-throughput: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
