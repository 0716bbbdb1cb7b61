// What the artifact-store tests share: a pipeline of the test's own (gateway, synth-store) with an
// artifact-store writing to a bucket of its own (in the stack's MinIO, or in another MinIO server
// given as `minio`), results carrying the contract example's real screenshots, and the checks that
// every screenshot is in MinIO once, as uploaded.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupLag } from '../../topics/admin.ts';
import { topics } from '../../topics/catalog.ts';
import { minioClientFromConfig } from '../../workers/artifact-store/object-store.ts';
import {
  type RunningProcess,
  repoDir,
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
export const resultWithScreenshots = (transactionId: string = randomUUID()) => ({
  ...structuredClone(example),
  result_id: randomUUID(),
  transaction_id: transactionId,
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export async function startArtifactStoreTest(options: { minio?: ReturnType<typeof stack.minio> } = {}) {
  const server = options.minio ?? stack.minio();
  const pipeline = await startPipeline({ configOverrides: { minio: server } });
  const bucket = pipeline.setup.artifactStore.bucket;
  const minio = minioClientFromConfig({ ...server, bucket, region: 'us-east-1' });
  let artifactStore: RunningProcess | undefined;
  const startArtifactStore = async () => {
    artifactStore = await startReady(
      ['worker', 'artifact-store', '--config.file', pipeline.setup.configFile],
      pipeline.setup.artifactStore.url,
    );
  };
  try {
    await startGroupAtEnd(pipeline.setup.artifactStore.groupId, topics.synthArtifacts.name);
    await startArtifactStore();
  } catch (error) {
    await pipeline.close();
    throw error;
  }

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

  return {
    pipeline,
    minio,
    bucket,
    /** The artifact-store now running, if any. */
    worker: () => artifactStore,
    startWorker: startArtifactStore,
    async stopWorker() {
      await artifactStore?.stop();
      artifactStore = undefined;
    },

    async uploadAccepted(result: Record<string, unknown>): Promise<void> {
      const answer = await upload(pipeline.setup.gatewayUrl, pipeline.setup.apiKey, result);
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
    },

    /** Wait until PostgreSQL has each result and MinIO each of its screenshots; the keys per result. */
    async waitUntilStored(resultIds: string[], timeoutMs: number): Promise<Map<string, string[]>> {
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
    },

    /** Every screenshot of every result is the uploaded image, under the key PostgreSQL holds. */
    async assertObjectsAreTheUploads(keys: Map<string, string[]>, transactionOf: Map<string, string>) {
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
    },

    /** The objects under the transactions' prefixes: each expected key once, and nothing else. */
    async assertExactlyTheseObjects(transactions: string[], expected: string[]) {
      const listed: string[] = [];
      for (const transactionId of transactions) {
        for await (const item of minio.listObjects(bucket, `screenshots/${transactionId}/`, true)) {
          if (item.name) listed.push(item.name);
        }
      }
      assert.deepEqual(listed.sort(), [...expected].sort());
    },

    async workerCounter(name: string): Promise<number> {
      const text = await (await fetch(`${pipeline.setup.artifactStore.url}/metrics`)).text();
      let total = 0;
      for (const line of text.split('\n')) {
        if (line.startsWith(`${name}{`) && line.includes('worker="artifact-store"')) {
          total += Number(line.slice(line.lastIndexOf(' ') + 1));
        }
      }
      return total;
    },

    artifactLag: () =>
      withAdmin(async (admin) =>
        (await groupLag(admin, pipeline.setup.artifactStore.groupId, topics.synthArtifacts.name)).reduce(
          (sum, p) => sum + p.lag,
          0,
        ),
      ),

    async close() {
      await artifactStore?.stop();
      await pipeline.close();
      // The bucket is the test's own; it also holds screenshots other tests uploaded meanwhile.
      if (await minio.bucketExists(bucket).catch(() => false)) {
        const names: string[] = [];
        for await (const item of minio.listObjects(bucket, '', true)) if (item.name) names.push(item.name);
        for (let i = 0; i < names.length; i += 1000)
          await minio.removeObjects(bucket, names.slice(i, i + 1000));
        await minio.removeBucket(bucket);
      }
    },
  };
}

export type ArtifactStoreTest = Awaited<ReturnType<typeof startArtifactStoreTest>>;
