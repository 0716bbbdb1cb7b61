// Robot → gateway → Kafka → artifact-store → MinIO, on the real stack, next to a synth-store of
// the test's own: every uploaded screenshot becomes one object under the key PostgreSQL knows for
// it, with the uploaded bytes and content type; a replay rewrites nothing; a MinIO outage is lag.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Client } from 'minio';
import { groupLag, resetGroupOffsets } from '../../topics/admin.ts';
import { topics } from '../../topics/catalog.ts';
import { minioClientFromConfig } from '../../workers/artifact-store/object-store.ts';
import {
  type Pipeline,
  type RunningProcess,
  repoDir,
  runCli,
  stack,
  startGroupAtEnd,
  startPipeline,
  startReady,
  upload,
  waitFor,
  withAdmin,
} from './stack.ts';

interface ExampleScreenshot {
  step_index: number;
  content_type: string;
  data: string;
}

const example = JSON.parse(
  readFileSync(join(repoDir, 'schemas', 'examples', 'transaction-result', 'valid', 'full.json'), 'utf8'),
) as Record<string, unknown> & { screenshots: ExampleScreenshot[] };
const exampleImages = example.screenshots.map((s) => ({
  contentType: s.content_type,
  bytes: Buffer.from(s.data, 'base64'),
}));

/** The example with its real PNG, JPEG and WebP screenshots, under fresh ids. */
const resultWithScreenshots = (transactionId: string = randomUUID()) => ({
  ...structuredClone(example),
  result_id: randomUUID(),
  transaction_id: transactionId,
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let pipeline: Pipeline;
let minio: Client;
let bucket: string;
let artifactStore: RunningProcess | undefined;
let minioStopped = false;

const startArtifactStore = () =>
  startReady(
    ['worker', 'artifact-store', '--config.file', pipeline.setup.configFile],
    pipeline.setup.artifactStore.url,
  );

before(async () => {
  pipeline = await startPipeline();
  bucket = pipeline.setup.artifactStore.bucket;
  minio = minioClientFromConfig({ ...stack.minio(), bucket, region: 'us-east-1' });
  await startGroupAtEnd(pipeline.setup.artifactStore.groupId, topics.synthArtifacts.name);
  artifactStore = await startArtifactStore();
});

after(async () => {
  if (minioStopped) await runCli(['up', '--only', 'minio']);
  await artifactStore?.stop();
  await pipeline?.close();
  // The bucket is the test's own; it also holds screenshots other tests uploaded meanwhile.
  if (minio !== undefined && (await minio.bucketExists(bucket).catch(() => false))) {
    const names: string[] = [];
    for await (const item of minio.listObjects(bucket, '', true)) if (item.name) names.push(item.name);
    for (let i = 0; i < names.length; i += 1000) await minio.removeObjects(bucket, names.slice(i, i + 1000));
    await minio.removeBucket(bucket);
  }
});

/** The screenshot keys synth-store wrote for a result, in upload order. */
async function keysInPostgres(resultId: string): Promise<string[] | undefined> {
  const { rows } = await pipeline.database.pool.query<{ screenshots: Array<{ object_key: string }> }>(
    'SELECT screenshots FROM synth_runs WHERE result_id = $1',
    [resultId],
  );
  return rows[0]?.screenshots.map((s) => s.object_key);
}

async function readObject(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await minio.getObject(bucket, key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const objectExists = (key: string) =>
  minio.statObject(bucket, key).then(
    () => true,
    () => false,
  );

async function uploadAccepted(result: Record<string, unknown>): Promise<void> {
  const answer = await upload(pipeline.setup.gatewayUrl, pipeline.setup.apiKey, result);
  assert.equal(answer.status, 202, JSON.stringify(answer.body));
}

/** Wait until PostgreSQL has each result and MinIO each of its screenshots; the keys per result. */
async function waitUntilStored(resultIds: string[], timeoutMs: number): Promise<Map<string, string[]>> {
  const keys = new Map<string, string[]>();
  await waitFor(
    `${resultIds.length} results and their screenshots stored`,
    async () => {
      for (const resultId of resultIds) {
        if (keys.has(resultId)) continue;
        const stored = await keysInPostgres(resultId);
        if (stored === undefined) return false;
        for (const key of stored) if (!(await objectExists(key))) return false;
        keys.set(resultId, stored);
      }
      return true;
    },
    timeoutMs,
    500,
  );
  return keys;
}

/** Every screenshot of every result is the uploaded image, under the key PostgreSQL holds. */
async function assertObjectsAreTheUploads(keys: Map<string, string[]>, transactionOf: Map<string, string>) {
  for (const [resultId, stored] of keys) {
    assert.equal(stored.length, exampleImages.length, `${resultId}: one key per screenshot`);
    for (const [index, key] of stored.entries()) {
      const image = exampleImages[index];
      assert.ok(image);
      assert.ok(
        key.startsWith(
          `screenshots/${transactionOf.get(resultId)}/${String(example.robot_id).toLowerCase()}/${resultId}/`,
        ),
        key,
      );
      const [stat, bytes] = await Promise.all([minio.statObject(bucket, key), readObject(key)]);
      assert.ok(bytes.equals(image.bytes), `${key}: the uploaded bytes`);
      assert.equal(stat.metaData['content-type'], image.contentType, `${key}: content type kept`);
      assert.equal(stat.metaData.sha256, sha256(image.bytes));
      assert.equal(stat.metaData['result-id'], resultId);
    }
  }
}

/** The objects under the transactions' prefixes: each expected key once, and nothing else. */
async function assertExactlyTheseObjects(transactions: string[], expected: string[]) {
  const listed: string[] = [];
  for (const transactionId of transactions) {
    for await (const item of minio.listObjects(bucket, `screenshots/${transactionId}/`, true)) {
      if (item.name) listed.push(item.name);
    }
  }
  assert.deepEqual(listed.sort(), [...expected].sort());
}

async function workerCounter(name: string): Promise<number> {
  const text = await (await fetch(`${pipeline.setup.artifactStore.url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes('worker="artifact-store"')) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

const artifactLag = () =>
  withAdmin(async (admin) =>
    (await groupLag(admin, pipeline.setup.artifactStore.groupId, topics.synthArtifacts.name)).reduce(
      (sum, p) => sum + p.lag,
      0,
    ),
  );

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const firstResults: Array<{ resultId: string; transactionId: string }> = [];
let firstKeys = new Map<string, string[]>();
let testStartedAt = 0;

test('uploaded screenshots land in MinIO under the keys PostgreSQL holds, bytes and type intact', async () => {
  testStartedAt = Date.now() - 1000;
  for (let i = 0; i < 4; i++) {
    const result = resultWithScreenshots();
    await uploadAccepted(result);
    firstResults.push({ resultId: result.result_id, transactionId: result.transaction_id });
  }
  firstKeys = await waitUntilStored(
    firstResults.map((r) => r.resultId),
    60_000,
  );
  const transactionOf = new Map(firstResults.map((r) => [r.resultId, r.transactionId]));
  await assertObjectsAreTheUploads(firstKeys, transactionOf);
  await assertExactlyTheseObjects(
    firstResults.map((r) => r.transactionId),
    [...firstKeys.values()].flat(),
  );
});

test('a replay of the topic rewrites the same objects: same keys, same etags, same bytes', async () => {
  assert.ok(firstKeys.size > 0, 'the first test stored objects');
  const keys = [...firstKeys.values()].flat();
  const before = new Map(
    await Promise.all(keys.map(async (key) => [key, await minio.statObject(bucket, key)] as const)),
  );

  await artifactStore?.stop();
  artifactStore = undefined;
  await withAdmin((admin) =>
    resetGroupOffsets(admin, pipeline.setup.artifactStore.groupId, topics.synthArtifacts.name, {
      kind: 'time',
      timestampMs: testStartedAt,
    }),
  );
  assert.ok((await artifactLag()) >= keys.length, 'the group is replaying at least the test screenshots');
  artifactStore = await startArtifactStore();
  await waitFor('the replay to be written and committed', async () => (await artifactLag()) === 0, 60_000);
  assert.ok(
    (await workerCounter('primoart_worker_written_total')) >= keys.length,
    'the restarted worker wrote the replayed screenshots again',
  );

  for (const key of keys) {
    const stat = await minio.statObject(bucket, key);
    const previous = before.get(key);
    assert.ok(previous);
    assert.equal(stat.etag, previous.etag, `${key}: same etag`);
    assert.equal(stat.size, previous.size, `${key}: same size`);
  }
  const transactionOf = new Map(firstResults.map((r) => [r.resultId, r.transactionId]));
  await assertObjectsAreTheUploads(firstKeys, transactionOf);
  await assertExactlyTheseObjects(
    firstResults.map((r) => r.transactionId),
    keys,
  );
});

test('a MinIO outage under a steady upload rate is lag: every screenshot arrives, once', async () => {
  const transactions = Array.from({ length: 3 }, () => randomUUID());
  const uploaded: Array<{ resultId: string; transactionId: string }> = [];
  let uploading = true;
  // About five uploads (fifteen screenshots) a second, for the whole outage and around it.
  const uploader = (async () => {
    for (let i = 0; uploading; i++) {
      const transactionId = transactions[i % transactions.length] as string;
      const result = resultWithScreenshots(transactionId);
      await uploadAccepted(result);
      uploaded.push({ resultId: result.result_id, transactionId });
      await sleep(200);
    }
  })();

  try {
    await sleep(4000);
    minioStopped = true;
    const down = await runCli(['down', '--only', 'minio']);
    assert.equal(down.code, 0, down.output);
    const stoppedAt = Date.now();

    // The worker keeps running, retries, and falls behind instead of committing past the outage.
    await waitFor('the worker to retry against the stopped MinIO', async () =>
      (await workerCounter('primoart_worker_retries_total')) > 0 ? true : undefined,
    );
    await waitFor('the artifact group to lag', async () => (await artifactLag()) > 0);
    assert.equal(artifactStore?.child.exitCode, null, 'the worker is still running');

    await sleep(Math.max(0, 25_000 - (Date.now() - stoppedAt)));
    const up = await runCli(['up', '--only', 'minio']);
    assert.equal(up.code, 0, up.output);
    minioStopped = false;
    await sleep(4000);
  } finally {
    uploading = false;
    await uploader;
  }

  const keys = await waitUntilStored(
    uploaded.map((r) => r.resultId),
    120_000,
  );
  await assertObjectsAreTheUploads(keys, new Map(uploaded.map((r) => [r.resultId, r.transactionId])));
  await assertExactlyTheseObjects(transactions, [...keys.values()].flat());
  assert.equal(artifactStore?.child.exitCode, null, 'the worker survived the outage');
});
