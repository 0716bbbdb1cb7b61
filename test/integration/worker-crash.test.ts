// SIGKILL the synth-store in the middle of a stream, start it again: every result the gateway
// accepted is in PostgreSQL exactly once. Fails if offsets were committed before the write
// (a lost run) or if a redelivered write were not idempotent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { topics } from '../../topics/catalog.ts';
import {
  freshResult,
  type RunningProcess,
  scratchDatabase,
  startGroupAtEnd,
  startReady,
  type TestSetup,
  testConfig,
  upload,
  waitFor,
} from './stack.ts';

let database: Awaited<ReturnType<typeof scratchDatabase>>;
let setup: TestSetup;
let gateway: RunningProcess;
let worker: RunningProcess | undefined;

before(async () => {
  database = await scratchDatabase();
  setup = await testConfig(database.url);
  await startGroupAtEnd(setup.groupId, topics.synthResults.name);
  gateway = await startReady(['gateway', '--config.file', setup.configFile], setup.gatewayUrl);
});

after(async () => {
  await Promise.all([gateway?.stop(), worker?.stop()]);
  await database?.drop();
});

const startWorker = () =>
  startReady(['worker', 'synth-store', '--config.file', setup.configFile], setup.workerUrl);
const storedCount = async () =>
  Number((await database.pool.query('SELECT count(*) AS n FROM synth_runs')).rows[0].n);

test('a worker killed mid-stream loses nothing and doubles nothing', async () => {
  worker = await startWorker();
  const accepted: string[] = [];
  // A few transactions so the stream spreads over several partitions.
  const transactions = Array.from({ length: 6 }, () => freshResult().transaction_id as string);
  let killed = false;
  for (let i = 0; i < 400; i++) {
    const result = freshResult({ transaction_id: transactions[i % transactions.length] });
    const answer = await upload(setup.gatewayUrl, setup.apiKey, result);
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    accepted.push(result.result_id);
    if (!killed && i >= 120 && (await storedCount()) > 0) {
      // The worker is writing: kill it without any chance to commit or clean up.
      assert.equal(await worker.stop('SIGKILL'), 137);
      killed = true;
    }
  }
  assert.ok(killed, 'the worker was killed while the stream was flowing');
  const beforeRestart = await storedCount();
  assert.ok(beforeRestart < accepted.length, 'some results were still to be written when the worker died');

  worker = await startWorker();
  await waitFor(
    `all ${accepted.length} results stored`,
    async () => (await storedCount()) >= accepted.length,
    60_000,
  );

  const { rows } = await database.pool.query<{ result_id: string; steps: string }>(
    `SELECT r.result_id, (SELECT count(*) FROM synth_step_runs s WHERE s.result_id = r.result_id) AS steps
     FROM synth_runs r`,
  );
  assert.equal(rows.length, accepted.length, 'exactly the accepted results, no more');
  assert.deepEqual(rows.map((r) => r.result_id).sort(), [...accepted].sort());
  for (const row of rows) assert.equal(Number(row.steps), 2, `${row.result_id} has its 2 steps once`);
});
