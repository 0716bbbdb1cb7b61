// What the tests of a store worker (logs-store, metrics-store) share: a gateway and the worker of
// the test's own, its group started at the end of every topic it reads (kept, so a replay goes back
// there), writing to the stack's backend or to one of the test's own that an outage test stops and
// starts (victoria-logs-outage.test.ts, private-store.ts), and the worker's counters and lag.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupLag } from '../../topics/admin.ts';
import { topics } from '../../topics/catalog.ts';
import {
  type RunningProcess,
  stack,
  startGroupAtEnd,
  startReady,
  type TestSetup,
  testConfig,
  upload,
  waitConsumed,
  waitFor,
  withAdmin,
} from './stack.ts';

export interface StoreWorkerOptions {
  worker: 'logs-store' | 'metrics-store';
  /** The topics the worker reads. */
  topicsRead: string[];
  /** The store the worker writes to, as the stack's services name it. */
  backend: 'victoria-logs' | 'victoria-metrics';
  /** A server of the test's own (private-store.ts) to write to instead of the stack's. */
  backendUrl?: string;
  /** The backend's name in messages. */
  backendName: string;
}

export async function startStoreWorkerTest(options: StoreWorkerOptions) {
  const backendSection = options.backend === 'victoria-logs' ? 'victoria_logs' : 'victoria_metrics';
  const setup: TestSetup = await testConfig(
    stack.pgUrl(),
    options.backendUrl === undefined ? {} : { [backendSection]: { url: options.backendUrl } },
  );
  const { groupId, url } = options.worker === 'logs-store' ? setup.logsStore : setup.metricsStore;
  /** Where the test's group started on each topic: a replay goes back there. */
  const startOffsets = new Map<string, Array<{ partition: number; offset: string }>>();
  for (const topic of options.topicsRead) {
    const partitions = (await startGroupAtEnd(groupId, topic)) as Array<{
      partition: number;
      offset: string;
    }>;
    startOffsets.set(topic, partitions);
  }
  const startWorker = () => startReady(['worker', options.worker, '--config.file', setup.configFile], url);
  const gateway = await startReady(['gateway', '--config.file', setup.configFile], setup.gatewayUrl);
  let worker: RunningProcess | undefined;
  try {
    worker = await startWorker();
  } catch (error) {
    await gateway.stop();
    throw error;
  }

  const workerCounter = async (name: string): Promise<number> => {
    const body = await (await fetch(`${url}/metrics`)).text();
    return body
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) && line.includes(`worker="${options.worker}"`))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  };
  const resultsLag = () =>
    withAdmin(async (admin) =>
      (await groupLag(admin, groupId, topics.synthResults.name)).reduce(
        (sum, partition) => sum + partition.lag,
        0,
      ),
    );

  return {
    setup,
    groupId,
    /** The worker now running (a replay starts another). */
    worker: () => worker,
    workerCounter,

    /**
     * Wait until `check` passes while the worker's group goes on committing on the topics it reads:
     * they are the stack's, so it also writes whatever neighbours publish there meanwhile.
     */
    waitStored<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
      return waitConsumed(
        what,
        check,
        options.topicsRead.map((topic) => [groupId, topic] as const),
        { describe: async () => `worker output:\n${worker?.output().slice(-4000) ?? '(none)'}` },
      );
    },

    /** Kafka moves a group's offsets only while it has no member: stop, rewind, start again. */
    async replayFromStart() {
      await worker?.stop();
      await withAdmin(async (admin) => {
        for (const [topic, partitions] of startOffsets) {
          await admin.setGroupOffsets(groupId, topic, partitions);
        }
      });
      worker = await startWorker();
    },

    async postOtlp(path: '/v1/logs' | '/v1/metrics' | '/v1/traces', body: unknown) {
      const response = await fetch(`${setup.gatewayUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${setup.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 200, await response.text());
    },

    async uploadAccepted(result: Record<string, unknown>) {
      const response = await upload(setup.gatewayUrl, setup.robotKey, result);
      assert.equal(response.status, 202, JSON.stringify(response.body));
    },

    /**
     * The backend (the test's own: `stop` and `start` it) down for about 5 s (several retries: tests
     * retry at most every second) while `uploadOne` runs about four times a second, from 2 s before
     * until 2 s after: the worker retries, its group lags, it stays up. Resolves when the backend
     * was back up, with when that was (ms since the epoch).
     */
    async outageUnderUploads(
      backend: { stop(): Promise<void>; start(): Promise<void> },
      uploadOne: (i: number) => Promise<void>,
    ): Promise<number> {
      let uploading = true;
      const uploader = (async () => {
        for (let i = 0; uploading; i++) {
          await uploadOne(i);
          await sleep(250);
        }
      })();

      const retriesBefore = await workerCounter('primoart_worker_retries_total');
      let upAt = 0;
      try {
        await sleep(2000);
        await backend.stop();
        const stoppedAt = Date.now();
        await waitFor(`the worker to retry against the stopped ${options.backendName}`, async () =>
          (await workerCounter('primoart_worker_retries_total')) > retriesBefore ? true : undefined,
        );
        await waitFor(`the ${options.worker} group to lag`, async () => (await resultsLag()) > 0);
        assert.equal(worker?.child.exitCode, null, 'the worker is still running');

        await sleep(Math.max(0, 5_000 - (Date.now() - stoppedAt)));
        await backend.start();
        upAt = Date.now();
        await sleep(2000);
      } finally {
        uploading = false;
        await uploader;
      }
      return upAt;
    },

    async close() {
      await Promise.all([gateway.stop(), worker?.stop()]);
    },
  };
}

export type StoreWorkerTest = Awaited<ReturnType<typeof startStoreWorkerTest>>;
