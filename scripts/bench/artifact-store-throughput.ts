// Objects per second through the artifact-store next to MinIO's own limit for the same objects
// (a direct bulk put with the minio client at the worker's concurrency), and the latency from an
// upload to its screenshots being objects, at a steady rate. A benchmark, not a test: it prints
// figures and asserts nothing. See README.md here.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from 'minio';
import { quantile } from 'simple-statistics';
import { stringify } from 'yaml';
import { loadConfig } from '../../core/config.ts';
import type { MinioConfig, PrimoartConfig } from '../../core/config-schema.ts';
import { createLogger } from '../../core/logging.ts';
import { sha256Hex } from '../../ingest-gateway/api-keys.ts';
import { screenshotObjectKey } from '../../schemas/index.ts';
import type { ScreenshotContentType, SynthArtifactRecord } from '../../schemas/record-types.ts';
import { groupLag, resetGroupOffsets } from '../../topics/admin.ts';
import { topics } from '../../topics/catalog.ts';
import { createValueCodec } from '../../topics/codec.ts';
import { connectKafka } from '../../topics/kafkajs-adapter.ts';
import type { KafkaConnection } from '../../topics/port.ts';
import { ensureBucket, minioClientFromConfig } from '../../workers/artifact-store/object-store.ts';
import { defaultStoreArtifactsOptions, objectMetadata } from '../../workers/artifact-store/writer.ts';

const defaults = { objects: 2000, sizeKb: 32, rate: 10, seconds: 20, pollMs: 25, transactions: 32 };

const usage = `Usage: node scripts/bench/artifact-store-throughput.ts [--objects N] [--size-kb K] [--rate R] [--seconds S] [--config.file F]

Measures, in one run against the local stack:
  (a) direct: N screenshots of K KiB put straight into a bucket with the minio client,
      ${defaultStoreArtifactsOptions.concurrency} puts in flight (the worker's own bound) — MinIO's limit for this work;
  (b) worker: the same N screenshots as Avro records on ${topics.synthArtifacts.name}, a backlog an
      artifact-store of its own drains into another bucket; objects/s from the worker being ready
      to its consumer group having committed the whole backlog;
  (c) latency: results with the contract example's three screenshots uploaded to a gateway of its
      own at R uploads/s for S seconds; p50/p99 from sending an upload to each of its screenshots
      being readable in MinIO (polled every ${defaults.pollMs} ms).
It starts its own gateway and artifact-store (Kafka, registry and MinIO sections from F, or MinIO
from the PRIMOART_MINIO_* variables) and removes its buckets at the end. The records it produces
are real: the stack's own artifact-store stores them too.

Options:
  --objects N       screenshots for (a) and (b) (default 2000)
  --size-kb K       size of each of them in KiB (default 32)
  --rate R          uploads per second for (c) (default 10; three screenshots each)
  --seconds S       how long (c) uploads (default 20)
  --config.file F   the stack's config (default: $PRIMOART_CONFIG_FILE, as set by 'primoart env')
  --help            this text
`;

interface Options {
  objects: number;
  sizeKb: number;
  rate: number;
  seconds: number;
  configFile: string;
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      objects: { type: 'string' },
      'size-kb': { type: 'string' },
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
    objects: positive('objects', values.objects, defaults.objects),
    sizeKb: positive('size-kb', values['size-kb'], defaults.sizeKb),
    rate: positive('rate', values.rate, defaults.rate),
    seconds: positive('seconds', values.seconds, defaults.seconds),
    configFile,
  };
}

/** The stack's MinIO: the config's section, else what `primoart env` exports. */
function minioSettings(stack: PrimoartConfig, bucket: string): MinioConfig {
  if (stack.minio !== undefined) return { ...stack.minio, bucket };
  const variable = (name: string) => {
    const value = process.env[name];
    if (value === undefined || value === '') throw new Error(`no minio section in the config and no ${name}`);
    return value;
  };
  return {
    endpoint: variable('PRIMOART_MINIO_URL'),
    access_key: variable('PRIMOART_MINIO_ACCESS_KEY'),
    secret_key: variable('PRIMOART_MINIO_SECRET_KEY'),
    bucket,
    region: 'us-east-1',
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- the screenshots ---------------------------------------------------------------------------

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** N artifact records as the gateway would publish them: PNG-headed random bytes, keys as the contract says. */
function benchArtifacts(count: number, sizeKb: number): SynthArtifactRecord[] {
  const transactions = Array.from({ length: defaults.transactions }, () => randomUUID());
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const data = Buffer.concat([pngSignature, randomBytes(sizeKb * 1024 - pngSignature.length)]);
    const identity = {
      transaction_id: transactions[i % transactions.length] as string,
      result_id: randomUUID(),
      step_index: 0,
      ordinal: 0,
      content_type: 'image/png' as ScreenshotContentType,
    };
    return {
      ...identity,
      sha256: createHash('sha256').update(data).digest('hex'),
      object_key: screenshotObjectKey(identity),
      data,
      captured_at: now,
      received_at: now,
    };
  });
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
  stop(): Promise<void>;
}

/** `primoart <args> --config.file F`, once its /-/ready answers 200. */
async function startProcess(args: string[], configFile: string, url: string): Promise<BenchProcess> {
  const cli = join(import.meta.dirname, '..', 'cli.ts');
  const child: ChildProcess = spawn(process.execPath, [cli, ...args, '--config.file', configFile], {
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
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

// --- measuring ---------------------------------------------------------------------------------

async function directPut(client: Client, bucket: string, records: SynthArtifactRecord[]): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: defaultStoreArtifactsOptions.concurrency }, async () => {
      while (next < records.length) {
        const record = records[next++] as SynthArtifactRecord;
        const artifact = { ...record, captured_at: new Date(record.captured_at), received_at: new Date() };
        await client.putObject(
          bucket,
          record.object_key,
          record.data,
          record.data.length,
          objectMetadata(artifact),
        );
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

const totalLag = async (kafka: KafkaConnection, group: string): Promise<number> => {
  const admin = await kafka.admin();
  try {
    return (await groupLag(admin, group, topics.synthArtifacts.name)).reduce((sum, p) => sum + p.lag, 0);
  } finally {
    await admin.disconnect();
  }
};

async function produceBacklog(kafka: KafkaConnection, registryUrl: string, records: SynthArtifactRecord[]) {
  const codec = await createValueCodec<SynthArtifactRecord>({
    registryUrl,
    topic: topics.synthArtifacts.name,
    schema: topics.synthArtifacts.valueSchema.schema,
  });
  const producer = await kafka.producer();
  try {
    for (let i = 0; i < records.length; i += 50) {
      const messages = await Promise.all(
        records.slice(i, i + 50).map(async (r) => ({ key: r.object_key, value: await codec.encode(r) })),
      );
      await producer.send([{ topic: topics.synthArtifacts.name, messages }]);
    }
  } finally {
    await producer.disconnect();
  }
}

interface ExampleScreenshot {
  step_index: number;
  content_type: ScreenshotContentType;
}

/** Upload the contract example (three screenshots) at a steady rate; per screenshot, upload→object in ms. */
async function uploadLatencies(
  gateway: { url: string; key: string },
  client: Client,
  bucket: string,
  options: { rate: number; seconds: number },
): Promise<number[]> {
  const examplePath = join(
    import.meta.dirname,
    '..',
    '..',
    'schemas',
    'examples',
    'transaction-result',
    'valid',
    'full.json',
  );
  const example = JSON.parse(readFileSync(examplePath, 'utf8')) as { screenshots: ExampleScreenshot[] };
  const latencies: number[] = [];
  const watches: Array<Promise<void>> = [];
  const watch = async (key: string, sentAt: number) => {
    const deadline = sentAt + 120_000;
    while (performance.now() < deadline) {
      const there = await client.statObject(bucket, key).then(
        () => true,
        () => false,
      );
      if (there) {
        latencies.push(performance.now() - sentAt);
        return;
      }
      await sleep(defaults.pollMs);
    }
    process.stdout.write(`  (c) ${key} did not appear within 120 s\n`);
  };
  const total = options.rate * options.seconds;
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    await sleep(Math.max(0, started + (i * 1000) / options.rate - performance.now()));
    const result = { ...example, result_id: randomUUID(), transaction_id: randomUUID() };
    const sentAt = performance.now();
    const response = await fetch(`${gateway.url}/api/v1/transactions/results/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.key}` },
      body: JSON.stringify(result),
    });
    await response.body?.cancel();
    if (response.status !== 202) throw new Error(`upload answered ${response.status}`);
    const ordinals = new Map<number, number>();
    for (const screenshot of example.screenshots) {
      const ordinal = ordinals.get(screenshot.step_index) ?? 0;
      ordinals.set(screenshot.step_index, ordinal + 1);
      const key = screenshotObjectKey({
        transaction_id: result.transaction_id,
        result_id: result.result_id,
        step_index: screenshot.step_index,
        ordinal,
        content_type: screenshot.content_type,
      });
      watches.push(watch(key, sentAt));
    }
    if ((i + 1) % options.rate === 0) {
      process.stdout.write(`  (c) ${i + 1}/${total} uploads sent, ${latencies.length} screenshots stored\n`);
    }
  }
  await Promise.all(watches);
  return latencies;
}

async function emptyAndRemoveBucket(client: Client, bucket: string): Promise<void> {
  if (!(await client.bucketExists(bucket))) return;
  const names: string[] = [];
  for await (const item of client.listObjects(bucket, '', true)) if (item.name) names.push(item.name);
  for (let i = 0; i < names.length; i += 1000) await client.removeObjects(bucket, names.slice(i, i + 1000));
  await client.removeBucket(bucket);
}

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
  const stack = await loadConfig(options.configFile);
  const run = randomUUID().slice(0, 8);
  const directBucket = `primoart-bench-direct-${run}`;
  const workerBucket = `primoart-bench-worker-${run}`;
  const minio = minioSettings(stack, workerBucket);
  const client = minioClientFromConfig(minio);
  const kafka = connectKafka(
    {
      brokers: stack.kafka.brokers,
      clientId: 'primoart-bench',
      connectTimeoutMs: stack.kafka.connect_timeout_ms,
      requestTimeoutMs: stack.kafka.request_timeout_ms,
    },
    createLogger({ component: 'bench', level: 'warn' }),
  );
  const concurrency = defaultStoreArtifactsOptions.concurrency;
  process.stdout.write(
    `artifact-store throughput: ${options.objects} objects of ${options.sizeKb} KiB, concurrency ${concurrency}, ` +
      `MinIO ${minio.endpoint}\n`,
  );

  const [gatewayPort, workerPort] = [await freePort(), await freePort()];
  const key = `bench-${randomUUID()}`;
  const groupId = `primoart.bench.artifact-store.${run}`;
  const dir = mkdtempSync(join(tmpdir(), 'primoart-bench-'));
  const configFile = join(dir, 'primoart.yml');
  writeFileSync(
    configFile,
    stringify({
      environment: 'bench',
      log: { level: 'warn' },
      kafka: stack.kafka,
      schema_registry: stack.schema_registry,
      minio,
      gateway: {
        listen: `127.0.0.1:${gatewayPort}`,
        api_keys: [{ name: 'bench', sha256: sha256Hex(key), scopes: ['results:write'] }],
        rate_limit: { requests_per_second: 1_000_000, burst: 1_000_000 },
      },
      workers: { 'artifact-store': { listen: `127.0.0.1:${workerPort}`, group_id: groupId } },
    }),
    { mode: 0o600 },
  );

  const running: BenchProcess[] = [];
  try {
    const records = benchArtifacts(options.objects, options.sizeKb);

    process.stdout.write(`(a) direct bulk put into ${directBucket}\n`);
    await ensureBucket(client, directBucket, minio.region);
    const warmUp = benchArtifacts(Math.min(100, options.objects), options.sizeKb);
    await directPut(client, directBucket, warmUp);
    const directSeconds = await directPut(client, directBucket, records);
    process.stdout.write(`  (a) ${records.length} objects in ${directSeconds.toFixed(2)} s\n`);

    process.stdout.write(`(b) a backlog of the same ${records.length} records through an artifact-store\n`);
    const admin = await kafka.admin();
    await resetGroupOffsets(admin, groupId, topics.synthArtifacts.name, { kind: 'latest' }).finally(() =>
      admin.disconnect(),
    );
    await produceBacklog(kafka, stack.schema_registry.url, records);
    const backlog = await totalLag(kafka, groupId);
    const workerStart = performance.now();
    running.push(
      await startProcess(['worker', 'artifact-store'], configFile, `http://127.0.0.1:${workerPort}`),
    );
    const readyAt = performance.now();
    let lag = backlog;
    while (lag > 0) {
      await sleep(100);
      lag = await totalLag(kafka, groupId);
    }
    const drainedAt = performance.now();
    const workerSeconds = (drainedAt - readyAt) / 1000;
    process.stdout.write(
      `  (b) ${backlog} records drained in ${workerSeconds.toFixed(2)} s after ready ` +
        `(start-up ${((readyAt - workerStart) / 1000).toFixed(1)} s not counted)\n`,
    );

    process.stdout.write(
      `(c) ${options.rate} uploads/s for ${options.seconds} s through a gateway of its own\n`,
    );
    running.push(await startProcess(['gateway'], configFile, `http://127.0.0.1:${gatewayPort}`));
    const latencies = await uploadLatencies(
      { url: `http://127.0.0.1:${gatewayPort}`, key },
      client,
      workerBucket,
      {
        rate: options.rate,
        seconds: options.seconds,
      },
    );

    const direct = records.length / directSeconds;
    const worker = backlog / workerSeconds;
    const ms = (q: number) => (latencies.length === 0 ? Number.NaN : quantile(latencies, q)).toFixed(0);
    process.stdout.write(
      `\nresults (${records.length} objects of ${options.sizeKb} KiB, concurrency ${concurrency})\n` +
        `  (a) direct bulk put      ${direct.toFixed(0).padStart(7)} objects/s  (${((direct * options.sizeKb) / 1024).toFixed(1)} MiB/s)\n` +
        `  (b) through the worker   ${worker.toFixed(0).padStart(7)} objects/s  (${((worker * options.sizeKb) / 1024).toFixed(1)} MiB/s)\n` +
        `  worker/direct:           ${(worker / direct).toFixed(2)}\n` +
        `  (c) upload→object at ${options.rate} uploads/s (${latencies.length} screenshots): ` +
        `p50 ${ms(0.5)} ms, p99 ${ms(0.99)} ms, max ${ms(1)} ms\n`,
    );
  } finally {
    for (const started of running.reverse()) await started.stop();
    rmSync(dir, { recursive: true, force: true });
    await emptyAndRemoveBucket(client, directBucket).catch(() => undefined);
    await emptyAndRemoveBucket(client, workerBucket).catch(() => undefined);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`artifact-store-throughput: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
