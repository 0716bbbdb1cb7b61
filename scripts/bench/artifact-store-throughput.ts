// Objects per second through the artifact-store next to MinIO's own limit for the same objects
// (a direct bulk put with the minio client at the worker's concurrency), and the latency from an
// upload to its screenshots being objects, at a steady rate. A benchmark, not a test: it prints
// figures and asserts nothing. See README.md here.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'minio';
import type { MinioConfig, PrimoartConfig } from '../../core/config-schema.ts';
import { screenshotObjectKey } from '../../schemas/index.ts';
import type { ScreenshotContentType, SynthArtifactRecord } from '../../schemas/record-types.ts';
import { groupLag } from '../../topics/admin.ts';
import { topics } from '../../topics/catalog.ts';
import { createTopicCodec } from '../../topics/codec.ts';
import type { KafkaConnection } from '../../topics/port.ts';
import { ensureBucket, minioClientFromConfig } from '../../workers/artifact-store/object-store.ts';
import { defaultStoreArtifactsOptions, objectMetadata } from '../../workers/artifact-store/writer.ts';
import {
  atSteadyRate,
  type BenchProcess,
  connectBenchKafka,
  drainInParallel,
  percentileMs,
  postUpload,
  runBench,
  startGroupAtEnd,
  startReadyProcess,
  workerBenchConfig,
} from './bench-support.ts';

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

// --- the screenshots ---------------------------------------------------------------------------

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** N artifact records as the gateway would publish them: PNG-headed random bytes, keys as the contract says. */
function benchArtifacts(count: number, sizeKb: number): SynthArtifactRecord[] {
  const transactions = Array.from({ length: defaults.transactions }, () => randomUUID());
  const robotId = randomUUID();
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
      object_key: screenshotObjectKey({ ...identity, robot_id: robotId }),
      data,
      captured_at: now,
      received_at: now,
    };
  });
}

// --- measuring ---------------------------------------------------------------------------------

async function directPut(client: Client, bucket: string, records: SynthArtifactRecord[]): Promise<number> {
  const started = performance.now();
  await drainInParallel(records, defaultStoreArtifactsOptions.concurrency, async (record) => {
    const artifact = { ...record, captured_at: new Date(record.captured_at), received_at: new Date() };
    await client.putObject(
      bucket,
      record.object_key,
      record.data,
      record.data.length,
      objectMetadata(artifact),
    );
  });
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
  const codec = await createTopicCodec(registryUrl, topics.synthArtifacts);
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
  const example = JSON.parse(readFileSync(examplePath, 'utf8')) as {
    robot_id: string;
    screenshots: ExampleScreenshot[];
  };
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
  await atSteadyRate(options.rate, total, async (i) => {
    const result = { ...example, result_id: randomUUID(), transaction_id: randomUUID() };
    const sentAt = performance.now();
    const response = await postUpload(gateway, result);
    await response.body?.cancel();
    if (response.status !== 202) throw new Error(`upload answered ${response.status}`);
    const ordinals = new Map<number, number>();
    for (const screenshot of example.screenshots) {
      const ordinal = ordinals.get(screenshot.step_index) ?? 0;
      ordinals.set(screenshot.step_index, ordinal + 1);
      const key = screenshotObjectKey({
        transaction_id: result.transaction_id,
        robot_id: result.robot_id.toLowerCase(),
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
  });
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

runBench(
  {
    name: 'artifact-store-throughput',
    usage,
    counts: {
      objects: defaults.objects,
      sizeKb: defaults.sizeKb,
      rate: defaults.rate,
      seconds: defaults.seconds,
    },
  },
  async (options) => {
    const { stack } = options;
    const run = randomUUID().slice(0, 8);
    const directBucket = `primoart-bench-direct-${run}`;
    const workerBucket = `primoart-bench-worker-${run}`;
    const minio = minioSettings(stack, workerBucket);
    const client = minioClientFromConfig(minio);
    const kafka = connectBenchKafka(stack);
    const concurrency = defaultStoreArtifactsOptions.concurrency;
    process.stdout.write(
      `artifact-store throughput: ${options.objects} objects of ${options.sizeKb} KiB, concurrency ${concurrency}, ` +
        `MinIO ${minio.endpoint}\n`,
    );

    const setup = await workerBenchConfig(stack, 'artifact-store', { sections: { minio }, run });
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
      await startGroupAtEnd(kafka, setup.groupId, [topics.synthArtifacts.name]);
      await produceBacklog(kafka, stack.schema_registry.url, records);
      const backlog = await totalLag(kafka, setup.groupId);
      const workerStart = performance.now();
      running.push(await startReadyProcess(['worker', 'artifact-store'], setup.configFile, setup.workerUrl));
      const readyAt = performance.now();
      let lag = backlog;
      while (lag > 0) {
        await sleep(100);
        lag = await totalLag(kafka, setup.groupId);
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
      running.push(await startReadyProcess(['gateway'], setup.configFile, setup.gatewayUrl));
      const latencies = await uploadLatencies(
        { url: setup.gatewayUrl, key: setup.key },
        client,
        workerBucket,
        {
          rate: options.rate,
          seconds: options.seconds,
        },
      );

      const direct = records.length / directSeconds;
      const worker = backlog / workerSeconds;
      const ms = (q: number) => percentileMs(latencies, q).toFixed(0);
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
      setup.remove();
      await emptyAndRemoveBucket(client, directBucket).catch(() => undefined);
      await emptyAndRemoveBucket(client, workerBucket).catch(() => undefined);
    }
  },
);
