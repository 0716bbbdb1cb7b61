// Accepted results per second through the ingest gateway, next to a raw Kafka producer writing the
// same Avro records with the same codec, topic, acks=all and batching, on the same machine in the
// same run. A benchmark, not a test: it prints figures and asserts nothing. See README.md here.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadConfig } from '../../core/config.ts';
import { configSchema, type PrimoartConfig } from '../../core/config-schema.ts';
import { createLogger } from '../../core/logging.ts';
import { sha256Hex } from '../../ingest-gateway/api-keys.ts';
import { toAvroResult, validateTransactionResult } from '../../schemas/index.ts';
import type { TransactionResultRecord } from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import { createValueCodec, type ValueCodec } from '../../topics/codec.ts';
import { connectKafka } from '../../topics/kafkajs-adapter.ts';
import type { Producer } from '../../topics/port.ts';

const usage = `Usage: node scripts/bench/gateway-throughput.ts [--results N] [--concurrency C] [--config.file F]

Measures accepted results/s for
  (a) single uploads to the gateway from C concurrent HTTP clients,
  (b) batch uploads of 100 results to the gateway, C in flight,
  (c) a raw producer (the project's Kafka port, kafkajs) sending the same Avro records to the same
      topic with acks=all: one record per send (baseline for a) and 100 per send (baseline for b),
      C sends in flight,
and prints each rate and the ratios gateway/raw. It starts a gateway of its own with a config of
its own (the Kafka and schema registry sections are taken from F).

Every measured result is really published to ${topics.synthResults.name} (and then stored by the
stack's synth-store): run it against a local stack, not a shared one.

Options:
  --results N       results per measurement (default 5000)
  --concurrency C   concurrent HTTP clients, or concurrent sends for the raw producer (default 16)
  --config.file F   the stack's config (default: $PRIMOART_CONFIG_FILE, as set by 'primoart env')
  --help            this text
`;

const defaults = { results: 5000, concurrency: 16, batchSize: 100, transactions: 64 };

interface Options {
  results: number;
  concurrency: number;
  configFile: string;
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      results: { type: 'string' },
      concurrency: { type: 'string' },
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
    concurrency: positive('concurrency', values.concurrency, defaults.concurrency),
    configFile,
  };
}

// --- payloads ----------------------------------------------------------------------------------

/** A valid result, like a robot's: a few steps, a location, attributes; no screenshots. */
function benchResult(transactions: readonly string[], i: number): Record<string, unknown> {
  const finished = Date.now() - 60_000;
  const started = finished - 3_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    result_id: randomUUID(),
    transaction_id: transactions[i % transactions.length],
    transaction_name: 'Benchmark: login and search',
    service: 'bench',
    robot_id: '00000000-0000-4000-8000-00000000be4c',
    robot_name: 'gateway-throughput',
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

function freshResults(count: number): Array<Record<string, unknown>> {
  const transactions = Array.from({ length: defaults.transactions }, () => randomUUID());
  return Array.from({ length: count }, (_, i) => benchResult(transactions, i));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// --- measuring ---------------------------------------------------------------------------------

interface Measurement {
  label: string;
  accepted: number;
  seconds: number;
}

const perSecond = (m: Measurement) => m.accepted / m.seconds;

/**
 * Runs `work` over every unit with `concurrency` in flight; `work` returns how many results it got
 * accepted. Prints progress once a second.
 */
async function measure<T>(
  label: string,
  units: readonly T[],
  resultsPerUnit: (unit: T) => number,
  concurrency: number,
  work: (unit: T) => Promise<number>,
): Promise<Measurement> {
  const total = units.reduce((sum, unit) => sum + resultsPerUnit(unit), 0);
  let next = 0;
  let accepted = 0;
  let refused = 0;
  const started = performance.now();
  const progress = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `  ${label}: ${accepted}/${total} accepted, ${refused} refused, ${(accepted / seconds).toFixed(0)}/s\n`,
    );
  }, 1000);
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < units.length) {
          const unit = units[next++] as T;
          const got = await work(unit);
          accepted += got;
          refused += resultsPerUnit(unit) - got;
        }
      }),
    );
  } finally {
    clearInterval(progress);
  }
  const seconds = (performance.now() - started) / 1000;
  if (refused > 0) process.stdout.write(`  ${label}: ${refused} results were not accepted\n`);
  process.stdout.write(`  ${label}: done, ${accepted} accepted in ${seconds.toFixed(2)} s\n`);
  return { label, accepted, seconds };
}

// --- the gateway under test --------------------------------------------------------------------

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

/** The gateway's per-key rate limit lifted, when this gateway has one: the bench is one key. */
function liftedRateLimit(stack: PrimoartConfig): Record<string, unknown> {
  const section = { rate_limit: { requests_per_second: 1_000_000, burst: 1_000_000 } };
  const probe = configSchema.safeParse({
    kafka: stack.kafka,
    schema_registry: stack.schema_registry,
    gateway: { listen: '127.0.0.1:0', ...section },
  });
  return probe.success ? section : {};
}

interface BenchGateway {
  url: string;
  key: string;
  stop(): Promise<void>;
}

async function startGateway(stack: PrimoartConfig): Promise<BenchGateway> {
  const port = await freePort();
  const key = `bench-${randomUUID()}`;
  const dir = mkdtempSync(join(tmpdir(), 'primoart-bench-'));
  const configFile = join(dir, 'primoart.yml');
  const config = {
    environment: 'bench',
    log: { level: 'warn' },
    kafka: stack.kafka,
    schema_registry: stack.schema_registry,
    gateway: {
      listen: `127.0.0.1:${port}`,
      api_keys: [{ name: 'bench', sha256: sha256Hex(key), scopes: ['results:write'] }],
      ...liftedRateLimit(stack),
    },
  };
  writeFileSync(configFile, stringify(config), { mode: 0o600 });
  const cli = join(import.meta.dirname, '..', 'cli.ts');
  const child: ChildProcess = spawn(process.execPath, [cli, 'gateway', '--config.file', configFile], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode} while starting`);
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the gateway was not ready within 60 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    key,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The part of an upload answer the bench reads (a batch's per-item outcomes). */
interface BatchAnswer {
  results?: Array<{ status: string }>;
}

async function post(gateway: BenchGateway, body: unknown): Promise<{ status: number; body: BatchAnswer }> {
  const response = await fetch(`${gateway.url}/api/v1/transactions/results/upload`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.key}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as BatchAnswer };
}

const gatewaySingle = (gateway: BenchGateway) => async (result: Record<string, unknown>) =>
  (await post(gateway, result)).status === 202 ? 1 : 0;

const gatewayBatch = (gateway: BenchGateway) => async (batch: Array<Record<string, unknown>>) => {
  const answer = await post(gateway, { results: batch });
  if (answer.status !== 200) return 0;
  return (answer.body.results ?? []).filter((item) => item.status === 'accepted').length;
};

// --- the raw producer --------------------------------------------------------------------------

/** What the gateway publishes for a result, prepared up front: the raw producer skips HTTP and validation. */
function toRecord(result: Record<string, unknown>): { key: string; record: TransactionResultRecord } {
  const validation = validateTransactionResult(result, { now: new Date(), defaultEnvironment: 'bench' });
  if (!validation.ok) throw new Error(`bench result is invalid: ${JSON.stringify(validation.errors)}`);
  return {
    key: validation.value.transaction_id,
    record: toAvroResult(validation.value, { receivedAt: new Date() }).result,
  };
}

/** One send of already-mapped records; encoding is timed, as the gateway's is. */
const rawSend =
  (producer: Producer, codec: ValueCodec<TransactionResultRecord>) =>
  async (records: Array<{ key: string; record: TransactionResultRecord }>) => {
    const messages = await Promise.all(
      records.map(async (r) => ({ key: r.key, value: await codec.encode(r.record) })),
    );
    await producer.send([{ topic: topics.synthResults.name, messages }]);
    return records.length;
  };

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
  const { results, concurrency } = options;
  const stack = await loadConfig(options.configFile);
  process.stdout.write(
    `gateway throughput: ${results} results per measurement, concurrency ${concurrency}, ` +
      `Kafka ${stack.kafka.brokers.join(',')}, topic ${topics.synthResults.name}\n`,
  );

  const codec = await createValueCodec<TransactionResultRecord>({
    registryUrl: stack.schema_registry.url,
    topic: topics.synthResults.name,
    schema: topics.synthResults.valueSchema.schema,
  });
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
  process.stdout.write('starting a gateway of its own…\n');
  const gateway = await startGateway(stack);
  const warmUp = Math.min(200, results);
  const measurements: Record<'gatewaySingle' | 'gatewayBatch' | 'rawSingle' | 'rawBatch', Measurement> =
    {} as never;
  try {
    process.stdout.write(`warming up (${warmUp} results each way, not counted)…\n`);
    await measure('warm-up gateway', freshResults(warmUp), () => 1, concurrency, gatewaySingle(gateway));
    await measure(
      'warm-up raw',
      freshResults(warmUp).map((r) => [toRecord(r)]),
      (u) => u.length,
      concurrency,
      rawSend(producer, codec),
    );

    process.stdout.write('(a) single uploads through the gateway\n');
    measurements.gatewaySingle = await measure(
      '(a) gateway, single',
      freshResults(results),
      () => 1,
      concurrency,
      gatewaySingle(gateway),
    );
    process.stdout.write('(c) raw producer, one record per send\n');
    measurements.rawSingle = await measure(
      '(c) raw, 1 per send',
      freshResults(results).map((r) => [toRecord(r)]),
      (u) => u.length,
      concurrency,
      rawSend(producer, codec),
    );
    process.stdout.write(`(b) batch uploads of ${defaults.batchSize} through the gateway\n`);
    measurements.gatewayBatch = await measure(
      `(b) gateway, batch ${defaults.batchSize}`,
      chunks(freshResults(results), defaults.batchSize),
      (u) => u.length,
      concurrency,
      gatewayBatch(gateway),
    );
    process.stdout.write(`(c) raw producer, ${defaults.batchSize} records per send\n`);
    measurements.rawBatch = await measure(
      `(c) raw, ${defaults.batchSize} per send`,
      chunks(freshResults(results).map(toRecord), defaults.batchSize),
      (u) => u.length,
      concurrency,
      rawSend(producer, codec),
    );
  } finally {
    await gateway.stop();
    await producer.disconnect();
  }

  const row = (m: Measurement) =>
    `  ${m.label.padEnd(26)} ${perSecond(m).toFixed(0).padStart(8)} results/s  (${m.accepted} in ${m.seconds.toFixed(2)} s)\n`;
  process.stdout.write(
    `\nresults (concurrency ${concurrency}, ${results} results each)\n` +
      row(measurements.gatewaySingle) +
      row(measurements.rawSingle) +
      row(measurements.gatewayBatch) +
      row(measurements.rawBatch) +
      `  gateway/raw, single:  ${(perSecond(measurements.gatewaySingle) / perSecond(measurements.rawSingle)).toFixed(2)}\n` +
      `  gateway/raw, batch:   ${(perSecond(measurements.gatewayBatch) / perSecond(measurements.rawBatch)).toFixed(2)}\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`gateway-throughput: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
