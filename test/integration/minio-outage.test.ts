// MinIO stopped under a steady upload rate: the artifact-store stays up, retries, falls behind
// instead of committing past the outage, and once MinIO is back every screenshot is there, once,
// as uploaded. The harness's side of an outage (pause, retry, commit only after the write, nothing
// lost, nothing doubled) is unit-tested (test/unit/workers/harness.test.ts); this is how the MinIO
// client reports a stopped MinIO (S3 requests refused mid-stream) meeting it.
//
// The MinIO stopped is one of the test's own (private-store.ts: the stack's binary, flags and
// environment on other ports, with a data directory of its own), stopped as `primoart down` stops
// the stack's and started again on the same port and data: other tests keep the shared MinIO, so
// this file runs beside them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ArtifactStoreTest,
  resultWithScreenshots,
  startArtifactStoreTest,
} from './artifact-store-pipeline.ts';
import { startPrivateMinio } from './private-store.ts';
import { waitFor } from './stack.ts';

/** Long enough for several retries (tests retry at most every second), short enough for the suite. */
const outageMs = 5_000;
/** Uploads stored normally before the outage, and arriving after it while the worker catches up. */
const aroundMs = 2_000;

let privateMinio: Awaited<ReturnType<typeof startPrivateMinio>>;
let store: ArtifactStoreTest;

before(async () => {
  privateMinio = await startPrivateMinio();
  store = await startArtifactStoreTest({ minio: privateMinio.server });
});

after(async () => {
  await store?.close();
  await privateMinio?.destroy();
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
    await sleep(aroundMs);
    await privateMinio.stop();
    const stoppedAt = Date.now();

    // The worker keeps running, retries, and falls behind instead of committing past the outage.
    await waitFor('the worker to retry against the stopped MinIO', async () =>
      (await store.workerCounter('primoart_worker_retries_total')) > 0 ? true : undefined,
    );
    await waitFor('the artifact group to lag', async () => (await store.artifactLag()) > 0);
    assert.equal(store.worker()?.child.exitCode, null, 'the worker is still running');

    await sleep(Math.max(0, outageMs - (Date.now() - stoppedAt)));
    await privateMinio.start();
    await sleep(aroundMs);
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
