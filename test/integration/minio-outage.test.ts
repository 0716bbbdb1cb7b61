// MinIO stopped under a steady upload rate: the artifact-store stays up, retries, falls behind
// instead of committing past the outage, and once MinIO is back every screenshot is there, once,
// as uploaded. The harness's side of an outage (pause, retry, commit only after the write, nothing
// lost, nothing doubled) is unit-tested (test/unit/workers/harness.test.ts); this is how the MinIO
// client reports a stopped MinIO (S3 requests refused mid-stream) meeting it. It stops the
// shared MinIO, so `primoart test` runs it alone (scripts/test-command.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ArtifactStoreTest,
  resultWithScreenshots,
  startArtifactStoreTest,
} from './artifact-store-pipeline.ts';
import { runCli, waitFor } from './stack.ts';

/** Long enough for several retries (tests retry at most every second), short enough for the suite. */
const outageMs = 8_000;

let store: ArtifactStoreTest;
let minioStopped = false;

before(async () => {
  store = await startArtifactStoreTest();
});

after(async () => {
  // Other tests share the stack: MinIO is never left stopped.
  if (minioStopped) await runCli(['up', '--only', 'minio']);
  await store?.close();
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
      await store.uploadAccepted(result);
      uploaded.push({ resultId: result.result_id, transactionId });
      await sleep(200);
    }
  })();

  try {
    await sleep(3000);
    minioStopped = true;
    const down = await runCli(['down', '--only', 'minio']);
    assert.equal(down.code, 0, down.output);
    const stoppedAt = Date.now();

    // The worker keeps running, retries, and falls behind instead of committing past the outage.
    await waitFor('the worker to retry against the stopped MinIO', async () =>
      (await store.workerCounter('primoart_worker_retries_total')) > 0 ? true : undefined,
    );
    await waitFor('the artifact group to lag', async () => (await store.artifactLag()) > 0);
    assert.equal(store.worker()?.child.exitCode, null, 'the worker is still running');

    await sleep(Math.max(0, outageMs - (Date.now() - stoppedAt)));
    const up = await runCli(['up', '--only', 'minio']);
    assert.equal(up.code, 0, up.output);
    minioStopped = false;
    await sleep(3000);
  } finally {
    uploading = false;
    await uploader;
  }

  const keys = await store.waitUntilStored(
    uploaded.map((r) => r.resultId),
    120_000,
  );
  await store.assertObjectsAreTheUploads(keys, new Map(uploaded.map((r) => [r.resultId, r.transactionId])));
  await store.assertExactlyTheseObjects(transactions, [...keys.values()].flat());
  assert.equal(store.worker()?.child.exitCode, null, 'the worker survived the outage');
});
