// Robot → gateway → Kafka → artifact-store → MinIO, on the real stack, next to a synth-store of
// the test's own: every uploaded screenshot becomes one object under the key PostgreSQL knows for
// it, with the uploaded bytes and content type; a replay rewrites nothing. A MinIO outage is
// minio-outage.test.ts (it stops a MinIO of its own, private-store.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resetGroupOffsets } from '../../topics/admin.ts';
import { topics } from '../../topics/catalog.ts';
import {
  type ArtifactStoreTest,
  resultWithScreenshots,
  startArtifactStoreTest,
} from './artifact-store-pipeline.ts';
import { waitFor, withAdmin } from './stack.ts';

let store: ArtifactStoreTest;

before(async () => {
  store = await startArtifactStoreTest();
});

after(() => store?.close());

const firstResults: Array<{ resultId: string; transactionId: string }> = [];
let firstKeys = new Map<string, string[]>();
let testStartedAt = 0;

test('uploaded screenshots land in MinIO under the keys PostgreSQL holds, bytes and type intact', async () => {
  testStartedAt = Date.now() - 1000;
  for (let i = 0; i < 4; i++) {
    const result = resultWithScreenshots();
    await store.uploadAccepted(result);
    firstResults.push({ resultId: result.result_id, transactionId: result.transaction_id });
  }
  firstKeys = await store.waitUntilStored(
    firstResults.map((r) => r.resultId),
    60_000,
  );
  const transactionOf = new Map(firstResults.map((r) => [r.resultId, r.transactionId]));
  await store.assertObjectsAreTheUploads(firstKeys, transactionOf);
  await store.assertExactlyTheseObjects(
    firstResults.map((r) => r.transactionId),
    [...firstKeys.values()].flat(),
  );
});

test('a replay of the topic rewrites the same objects: same keys, same etags, same bytes', async () => {
  assert.ok(firstKeys.size > 0, 'the first test stored objects');
  const keys = [...firstKeys.values()].flat();
  const before = new Map(
    await Promise.all(
      keys.map(async (key) => [key, await store.minio.statObject(store.bucket, key)] as const),
    ),
  );

  await store.stopWorker();
  await withAdmin((admin) =>
    resetGroupOffsets(admin, store.pipeline.setup.artifactStore.groupId, topics.synthArtifacts.name, {
      kind: 'time',
      timestampMs: testStartedAt,
    }),
  );
  assert.ok(
    (await store.artifactLag()) >= keys.length,
    'the group is replaying at least the test screenshots',
  );
  await store.startWorker();
  await waitFor(
    'the replay to be written and committed',
    async () => (await store.artifactLag()) === 0,
    60_000,
  );
  assert.ok(
    (await store.workerCounter('primoart_worker_written_total')) >= keys.length,
    'the restarted worker wrote the replayed screenshots again',
  );

  for (const key of keys) {
    const stat = await store.minio.statObject(store.bucket, key);
    const previous = before.get(key);
    assert.ok(previous);
    assert.equal(stat.etag, previous.etag, `${key}: same etag`);
    assert.equal(stat.size, previous.size, `${key}: same size`);
  }
  const transactionOf = new Map(firstResults.map((r) => [r.resultId, r.transactionId]));
  await store.assertObjectsAreTheUploads(firstKeys, transactionOf);
  await store.assertExactlyTheseObjects(
    firstResults.map((r) => r.transactionId),
    keys,
  );
});
