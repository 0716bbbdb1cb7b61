// VictoriaLogs stopped under steady uploads: the logs-store stays up, retries, its group lags, and
// once VictoriaLogs is back every entry arrives, each once. The harness's side of an outage (pause,
// retry, commit only after the write, nothing lost, nothing doubled) is unit-tested
// (test/unit/workers/harness.test.ts); this is an HTTP store refusing connections mid-stream met by
// the real worker. VictoriaMetrics fails the same way for the metrics-store (both write through
// undici; test/unit/workers/{logs-store/victoria-logs-writer,metrics-store/writer}.test.ts show an
// unreachable store and a 5xx are transient for both), so one outage test covers both.
//
// The VictoriaLogs stopped is one of the test's own (private-store.ts: the stack's binary and flags
// on another port, with a data directory of its own), stopped as `primoart down` stops the stack's
// and started again on the same port and data: other tests keep the shared VictoriaLogs, so this
// file runs beside them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { topics } from '../../topics/catalog.ts';
import { startPrivateVictoriaLogs } from './private-store.ts';
import { freshResult, waitFor } from './stack.ts';
import { type StoreWorkerTest, startStoreWorkerTest } from './store-worker.ts';
import { counts, uniqueEntries } from './victoria-logs.ts';

let victoriaLogs: Awaited<ReturnType<typeof startPrivateVictoriaLogs>>;
let store: StoreWorkerTest;

before(async () => {
  victoriaLogs = await startPrivateVictoriaLogs();
  store = await startStoreWorkerTest({
    worker: 'logs-store',
    topicsRead: [topics.synthResults.name, topics.otelLogs.name, topics.otelSpans.name],
    backend: 'victoria-logs',
    backendUrl: victoriaLogs.url,
    backendName: 'VictoriaLogs',
  });
});

after(async () => {
  await store?.close();
  await victoriaLogs?.destroy();
});

test('a VictoriaLogs outage under steady uploads is lag: every entry arrives once it is back', async (t) => {
  const outageService = `logs-it-outage-${randomUUID().slice(0, 8)}`;
  const uploaded: string[] = [];
  // About four uploads a second (a run entry and one log line each) before, during and after the outage.
  const upAt = await store.outageUnderUploads(victoriaLogs, async (i) => {
    const result = freshResult({
      service: outageService,
      robot_id: store.setup.robotId,
      log: `attempt ${i}`,
    });
    await store.uploadAccepted(result);
    uploaded.push(result.result_id as string);
  });

  const outageFilter = `service:=${JSON.stringify(outageService)}`;
  await waitFor(
    `all ${uploaded.length * 2} entries of the outage run`,
    async () => (await counts(outageFilter, victoriaLogs.url)).unique === uploaded.length * 2,
    90_000,
    500,
  );
  t.diagnostic(`${uploaded.length} uploads; caught up ${Date.now() - upAt} ms after VictoriaLogs was back`);
  const runs = await uniqueEntries(`${outageFilter} kind:="robot.run"`, victoriaLogs.url);
  assert.deepEqual(runs.map((entry) => entry.result_id).sort(), [...uploaded].sort());
  assert.equal(store.worker()?.child.exitCode, null, 'the worker survived the outage');
});
