// PostgreSQL down for ~8 s under a steady upload rate: the synth-store stays up and retries, its
// consumer lag grows, it catches up once PostgreSQL is back, and every accepted result is in
// PostgreSQL exactly once.
//
// The outage is of a PostgreSQL cluster of the test's own (same binaries, another port): the
// shared cluster also holds the schema registry's storage and Alerta's, and other tests run
// against it at the same time, so stopping it would fail them rather than prove anything more.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { topics } from '../../topics/catalog.ts';
import { type PrivatePostgres, startPrivatePostgres } from './private-postgres.ts';
import {
  freshResult,
  type RunningProcess,
  startReady,
  startSynthStoreGroupAtEnd,
  type TestSetup,
  testConfig,
  upload,
  waitFor,
  withAdmin,
} from './stack.ts';

const resultsTopic = topics.synthResults.name;
// Long enough for several retries (tests retry at most every second) and a growing lag; the
// harness's side of an outage is also unit-tested (test/unit/workers/harness.test.ts). What this
// adds is the pg client's errors when a cluster shuts down mid-stream (sessions cut, connections
// refused) meeting the synth-store.
const outageMs = 8_000;

let postgres: PrivatePostgres;
let setup: TestSetup;
const running: RunningProcess[] = [];

before(async () => {
  postgres = await startPrivatePostgres();
  setup = await testConfig(postgres.url);
  await startSynthStoreGroupAtEnd(setup.groupId);
  running.push(await startReady(['gateway', '--config.file', setup.configFile], setup.gatewayUrl));
});

after(async () => {
  await Promise.all(running.map((process) => process.stop()));
  await postgres?.destroy();
});

/** The group's lag on the results topic, from the broker (what `primoart lag --group` shows). */
function groupLag(groupId: string): Promise<number> {
  return withAdmin(async (admin) => {
    const [ends, committed] = await Promise.all([
      admin.topicOffsets(resultsTopic),
      admin.groupOffsets(groupId, resultsTopic),
    ]);
    const committedOf = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
    return ends.reduce((sum, end) => {
      const at = committedOf.get(end.partition) ?? -1;
      return sum + (at < 0 ? 0 : Math.max(0, Number(end.high) - at));
    }, 0);
  });
}

async function metricSum(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(`topic="${resultsTopic}"`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

test('a PostgreSQL outage under steady uploads: lag grows, nothing lost, nothing doubled', async () => {
  const worker = await startReady(
    ['worker', 'synth-store', '--config.file', setup.configFile],
    setup.workerUrl,
  );
  running.push(worker);
  const pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
  pool.on('error', () => undefined);
  const transactions = Array.from({ length: 12 }, () => randomUUID());
  const ours = 'FROM synth_runs WHERE transaction_id = ANY($1::uuid[])';
  const storedCount = async () =>
    Number((await pool.query(`SELECT count(*) AS n ${ours}`, [transactions])).rows[0].n);

  // A steady stream, ~20 uploads a second, until told to stop.
  const accepted: string[] = [];
  let streaming = true;
  const stream = (async () => {
    for (let i = 0; streaming; i++) {
      const result = freshResult({ transaction_id: transactions[i % transactions.length] });
      const answer = await upload(setup.gatewayUrl, setup.apiKey, result);
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      accepted.push(result.result_id);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  try {
    await waitFor('the first results stored', async () => (await storedCount()) > 0, 30_000);
    const retriesBefore = await metricSum(setup.workerUrl, 'primoart_worker_retries_total');
    await postgres.stop();
    const lagAtOutage = await groupLag(setup.groupId);
    await new Promise((resolve) => setTimeout(resolve, outageMs));
    const lagAfterOutage = await groupLag(setup.groupId);
    assert.ok(
      lagAfterOutage > lagAtOutage,
      `lag grew while PostgreSQL was down (${lagAtOutage} → ${lagAfterOutage})`,
    );
    assert.equal(worker.child.exitCode, null, `the worker stays up through the outage:\n${worker.output()}`);
    assert.ok(
      (await metricSum(setup.workerUrl, 'primoart_worker_retries_total')) > retriesBefore,
      'the worker retried the writes',
    );
    await postgres.start();
    // Keep the stream going a little after the return, then stop it.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  } finally {
    streaming = false;
    await stream;
  }

  await waitFor(
    `all ${accepted.length} results stored after the outage`,
    async () => (await storedCount()) >= accepted.length,
    120_000,
  );
  const { rows } = await pool.query<{ result_id: string; steps: string }>(
    `SELECT result_id, (SELECT count(*) FROM synth_step_runs s WHERE s.result_id = r.result_id) AS steps
     FROM synth_runs r WHERE transaction_id = ANY($1::uuid[])`,
    [transactions],
  );
  await pool.end();
  assert.equal(rows.length, accepted.length, 'exactly the accepted results, no more');
  assert.deepEqual(rows.map((r) => r.result_id).sort(), [...accepted].sort());
  for (const row of rows) assert.equal(Number(row.steps), 2, `${row.result_id} has its 2 steps once`);
});
