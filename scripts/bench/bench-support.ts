// What the benchmarks here share: their command line (positive integer options, flags, the stack's
// config, --help), the project's own processes started with a config of the bench's own, the
// stack's Kafka, payloads like a robot's, pacing and progress, and percentiles. Each benchmark
// keeps what it measures and how it reports it.
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
import { sha256Hex } from '../../core/sha256.ts';
import { toAvroResult, validateTransactionResult } from '../../schemas/index.ts';
import type { TransactionResultRecord } from '../../schemas/record-types.ts';
import { resetGroupOffsets } from '../../topics/admin.ts';
import { kafkaFromConfig } from '../../topics/bus.ts';
import { topics } from '../../topics/catalog.ts';
import { createTopicCodec, type ValueCodec } from '../../topics/codec.ts';
import type { Admin, KafkaConnection, Producer } from '../../topics/port.ts';
import { componentConfigs } from '../components.ts';

// --- the command line --------------------------------------------------------------------------

/** `sizeKb` → `size-kb`: an option's name on the command line. */
const optionName = (field: string) => field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

export type BenchOptions<Counts extends Record<string, number>, Flag extends string> = {
  [K in keyof Counts]: number;
} & { [K in Flag]: boolean } & { configFile: string; stack: PrimoartConfig };

export interface BenchCommand<Counts extends Record<string, number>, Flag extends string> {
  /** The script's name, prefixed to a failure. */
  name: string;
  usage: string;
  /** Positive integer options and their defaults, by field (`sizeKb` is `--size-kb`). */
  counts: Counts;
  /** Boolean options, by field (`forceFlush` is `--force-flush`). */
  flags?: readonly Flag[];
}

/** The options, or undefined for --help; throws on anything it cannot use. */
function parseBenchOptions<Counts extends Record<string, number>, Flag extends string>(
  argv: string[],
  command: BenchCommand<Counts, Flag>,
): Omit<BenchOptions<Counts, Flag>, 'stack'> | undefined {
  const flags = command.flags ?? [];
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(
        Object.keys(command.counts).map((field) => [optionName(field), { type: 'string' }]),
      ),
      ...Object.fromEntries(flags.map((field) => [optionName(field), { type: 'boolean' }])),
      'config.file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }) as { values: Record<string, string | boolean | undefined> };
  if (values.help) return undefined;
  const positive = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  const configFile = (values['config.file'] as string | undefined) ?? process.env.PRIMOART_CONFIG_FILE;
  if (configFile === undefined) {
    throw new Error('no config: pass --config.file or run eval "$(scripts/primoart env)" first');
  }
  return {
    ...Object.fromEntries(
      Object.entries(command.counts).map(([field, fallback]) => [
        field,
        positive(optionName(field), values[optionName(field)] as string | undefined, fallback),
      ]),
    ),
    ...Object.fromEntries(flags.map((field) => [field, values[optionName(field)] === true])),
    configFile,
  } as Omit<BenchOptions<Counts, Flag>, 'stack'>;
}

/**
 * Runs a benchmark as a command: the usage for --help (exit 0) or after a bad option (exit 2),
 * else `measure` with the options and the stack's config loaded; a failure exits 1.
 */
export function runBench<const Counts extends Record<string, number>, const Flag extends string = never>(
  command: BenchCommand<Counts, Flag>,
  measure: (options: BenchOptions<Counts, Flag>) => Promise<void>,
): void {
  const main = async (): Promise<number> => {
    let options: Omit<BenchOptions<Counts, Flag>, 'stack'> | undefined;
    try {
      options = parseBenchOptions(process.argv.slice(2), command);
    } catch (error) {
      process.stderr.write(`${(error as Error).message}\n\n${command.usage}`);
      return 2;
    }
    if (options === undefined) {
      process.stdout.write(command.usage);
      return 0;
    }
    // The stack's file holds every component's section: validated against their owners' schemas.
    const stack = await loadConfig(options.configFile, { components: componentConfigs });
    await measure({ ...options, stack } as BenchOptions<Counts, Flag>);
    return 0;
  };
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${command.name}: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}

// --- processes of its own ----------------------------------------------------------------------

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export const localUrl = (port: number) => `http://127.0.0.1:${port}`;

/** A config file of the bench's own, in a directory `remove()` deletes. */
export function writeBenchConfig(config: unknown): { configFile: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'primoart-bench-'));
  const configFile = join(dir, 'primoart.yml');
  writeFileSync(configFile, stringify(config), { mode: 0o600 });
  return { configFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What every config of the bench's own has: its environment, quiet logs, the stack's Kafka and registry. */
export function benchConfigBase(stack: PrimoartConfig) {
  return {
    environment: 'bench',
    log: { level: 'warn' },
    kafka: stack.kafka,
    schema_registry: stack.schema_registry,
  };
}

/** A gateway on `port` with one key, `key`, that may write results; the per-key rate limit lifted (the bench is one key). */
export function benchGatewaySection(port: number, key: string) {
  return {
    listen: `127.0.0.1:${port}`,
    api_keys: [{ name: 'bench', sha256: sha256Hex(key), scopes: ['results:write'] }],
    rate_limit: { records_per_second: 1_000_000, burst: 1_000_000, failed_auth_burst: 1_000_000 },
  };
}

export const newBenchKey = () => `bench-${randomUUID()}`;

export interface BenchSetup {
  configFile: string;
  groupId: string;
  gatewayUrl: string;
  workerUrl: string;
  key: string;
  remove(): void;
}

/**
 * A config for a gateway and one worker of the bench's own, in a consumer group of its own
 * (`primoart.bench.<worker>.<run>`); `sections` are the stack's sections the worker needs.
 */
export async function workerBenchConfig(
  stack: PrimoartConfig,
  worker: string,
  options: { sections: Record<string, unknown>; workerSection?: Record<string, unknown>; run?: string },
): Promise<BenchSetup> {
  const [gatewayPort, workerPort] = [await freePort(), await freePort()];
  const key = newBenchKey();
  const groupId = `primoart.bench.${worker}.${options.run ?? randomUUID().slice(0, 8)}`;
  const written = writeBenchConfig({
    ...benchConfigBase(stack),
    ...options.sections,
    gateway: benchGatewaySection(gatewayPort, key),
    workers: {
      [worker]: { listen: `127.0.0.1:${workerPort}`, group_id: groupId, ...options.workerSection },
    },
  });
  return {
    configFile: written.configFile,
    groupId,
    gatewayUrl: localUrl(gatewayPort),
    workerUrl: localUrl(workerPort),
    key,
    remove: written.remove,
  };
}

export interface BenchProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * `primoart <command…> --config.file <configFile>`, resolved once `<url>/-/ready` answers 200
 * (polled every `pollMs`); it may take 60 s. `label` names it in errors.
 */
export async function startReadyProcess(
  command: string[],
  configFile: string,
  url: string,
  options: { pollMs?: number; label?: string } = {},
): Promise<BenchProcess> {
  const { pollMs = 100, label = command.join(' ') } = options;
  const cli = join(import.meta.dirname, '..', 'cli.ts');
  const child: ChildProcess = spawn(process.execPath, [cli, ...command, '--config.file', configFile], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${label} exited with ${child.exitCode} while starting`);
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${label} was not ready within 60 s`);
    }
    await sleep(pollMs);
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

// --- the stack's Kafka -------------------------------------------------------------------------

export function connectBenchKafka(stack: PrimoartConfig): KafkaConnection {
  // As the stack config's `kafka.sasl` (the admin), like the CLI.
  return kafkaFromConfig(
    { ...stack.kafka, client_id: 'primoart-bench' },
    createLogger({ component: 'bench', level: 'warn' }),
  );
}

/** Start `groupId` at the current end of each topic: its worker reads only what comes after. */
export async function startGroupAtEnd(kafka: KafkaConnection, groupId: string, topicNames: string[]) {
  const admin = await kafka.admin();
  try {
    for (const topic of topicNames) await resetGroupOffsets(admin, groupId, topic, { kind: 'latest' });
  } finally {
    await admin.disconnect();
  }
}

export function synthResultsCodec(stack: PrimoartConfig): Promise<ValueCodec<TransactionResultRecord>> {
  return createTopicCodec(stack.schema_registry.url, topics.synthResults);
}

// --- payloads ----------------------------------------------------------------------------------

/**
 * A valid result like a robot's: three one-second steps, all OK, the run finishing at `finishedMs`
 * (a minute ago unless told); `fields` add to or replace its fields (ids, service, robot, status…).
 */
export function benchResult(
  fields: Record<string, unknown>,
  finishedMs = Date.now() - 60_000,
): Record<string, unknown> {
  const started = finishedMs - 3_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    result_id: randomUUID(),
    transaction_name: 'Benchmark: login and search',
    environment: 'bench',
    started_at: iso(started),
    finished_at: iso(finishedMs),
    status: 'OK',
    steps: [0, 1, 2].map((index) => ({
      index,
      name: `step ${index}`,
      started_at: iso(started + index * 1000),
      finished_at: iso(started + (index + 1) * 1000),
      status: 'OK',
    })),
    ...fields,
  };
}

/** What the gateway publishes for a result: its Avro record. */
export function toResultRecord(result: Record<string, unknown>): TransactionResultRecord {
  const validation = validateTransactionResult(result, { now: new Date(), defaultEnvironment: 'bench' });
  if (!validation.ok) throw new Error(`bench result is invalid: ${JSON.stringify(validation.errors)}`);
  return toAvroResult(validation.value, { receivedAt: new Date() }).result;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Upload one result (or a batch) to a gateway of the bench's own with its key. */
export function postUpload(gateway: { url: string; key: string }, body: unknown): Promise<Response> {
  return fetch(`${gateway.url}/api/v1/transactions/results/upload`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.key}` },
    body: JSON.stringify(body),
  });
}

/** The objects of a newline-delimited JSON answer (VictoriaLogs' queries, VictoriaMetrics' export). */
export function ndjson<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}

// --- pacing, progress and figures --------------------------------------------------------------

/** `work` over every item, `concurrency` of them in flight, each item taken once. */
export async function drainInParallel<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** Seconds to write every batch with `writer`, `concurrency` writes in flight, until it is closed. */
export async function timedBulkWrite<T>(
  writer: { write(batch: T): Promise<void>; close(): Promise<void> },
  batches: readonly T[],
  concurrency: number,
): Promise<number> {
  const startedAt = performance.now();
  try {
    await drainInParallel(batches, concurrency, (batch) => writer.write(batch));
  } finally {
    await writer.close();
  }
  return secondsSince(startedAt);
}

/**
 * `send(i)` for i = 0…count-1 at `rate` per second, paced by schedule, not by answers: a slow
 * answer does not lower the offered rate unless `send` waits for it.
 */
export async function atSteadyRate(rate: number, count: number, send: (i: number) => Promise<void>) {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    await send(i);
  }
}

/** A progress line at most once a second: `report(line)` writes `line()` only when a second has passed. */
export function oncePerSecond(): (line: () => string) => void {
  let lastReport = performance.now();
  return (line) => {
    if (performance.now() - lastReport > 1000) {
      lastReport = performance.now();
      process.stdout.write(`${line()}\n`);
    }
  };
}

export const secondsSince = (since: number) => (performance.now() - since) / 1000;

/**
 * Wait until `groupId` committed the results topic up to `ends` (its end offsets when the bench's
 * records were produced), reporting once a second how many records are still `pending`.
 */
export async function waitUntilCommitted(
  admin: Admin,
  groupId: string,
  ends: Array<{ partition: number; high: string }>,
  pending: string,
): Promise<void> {
  const progress = oncePerSecond();
  for (;;) {
    const committed = new Map(
      (await admin.groupOffsets(groupId, topics.synthResults.name)).map((c) => [c.partition, c.offset]),
    );
    const behind = ends.reduce(
      (sum, end) => sum + Math.max(0, Number(end.high) - Number(committed.get(end.partition) ?? 0)),
      0,
    );
    if (behind === 0) return;
    progress(() => `  (a) worker: ${behind} records not yet ${pending}`);
    await sleep(50);
  }
}

/** The q-quantile of latencies in ms, NaN when there are none. */
export const percentileMs = (latencies: number[], q: number): number =>
  latencies.length === 0 ? Number.NaN : quantile(latencies, q);

/**
 * Upload→visible latency: uploads `upload(i).result` at `rate`/s for `seconds` s to `gateway`,
 * one after the other; an accepted upload (202) is known by its `key`. `visibleKeys()`, polled
 * every 100 ms, returns the keys visible so far. Waits until every accepted upload was seen or
 * 60 s more have passed; latencies are in ms, one per upload seen.
 */
export async function uploadToVisibleLatencies<K>(options: {
  gateway: { url: string; key: string };
  rate: number;
  seconds: number;
  upload: (i: number) => { result: Record<string, unknown>; key: K };
  visibleKeys: () => Promise<Iterable<K>>;
}): Promise<{ sent: number; seen: number; latencies: number[] }> {
  const sentAt = new Map<K, number>();
  const seenAt = new Map<K, number>();
  let sending = true;
  const poller = (async () => {
    while (sending || seenAt.size < sentAt.size) {
      const visible = await options.visibleKeys();
      const now = performance.now();
      for (const key of visible) if (!seenAt.has(key)) seenAt.set(key, now);
      await sleep(100);
    }
  })();
  try {
    await atSteadyRate(options.rate, options.rate * options.seconds, async (i) => {
      const { result, key } = options.upload(i);
      const at = performance.now();
      const response = await postUpload(options.gateway, result);
      await response.arrayBuffer();
      if (response.status === 202) sentAt.set(key, at);
    });
    sending = false;
    await Promise.race([poller, sleep(60_000)]);
  } finally {
    sending = false;
  }
  const latencies = [...sentAt].flatMap(([key, at]) => {
    const seen = seenAt.get(key);
    return seen === undefined ? [] : [seen - at];
  });
  return { sent: sentAt.size, seen: latencies.length, latencies };
}

/** Results produced as the gateway would publish them, keyed by transaction, `batchSize` per send. */
export async function produceResultRecords(
  producer: Producer,
  codec: ValueCodec<TransactionResultRecord>,
  records: readonly TransactionResultRecord[],
  batchSize: number,
): Promise<void> {
  for (const batch of chunks(records, batchSize)) {
    const messages = await Promise.all(
      batch.map(async (record) => ({ key: record.transaction_id, value: await codec.encode(record) })),
    );
    await producer.send([{ topic: topics.synthResults.name, messages }]);
  }
}
