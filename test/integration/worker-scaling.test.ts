// Several synth-store instances on one consumer group: the results topic's 6 partitions spread
// over them; SIGKILL one mid-stream and its partitions move to the survivor, with every accepted
// result in PostgreSQL exactly once. (`primoart up --scale` runs such instances on the local stack:
// test/integration/chaos.test.ts.)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { topics } from '../../topics/catalog.ts';
import {
  freePort,
  freshResult,
  type RunningProcess,
  scratchDatabase,
  stack,
  startReady,
  startSynthStoreGroupAtEnd,
  testConfig,
  upload,
  waitFor,
} from './stack.ts';

const resultsTopic = topics.synthResults.name;
const resultPartitions = topics.synthResults.partitions;

/** Results partitions an instance holds, from its `primoart_worker_assigned` metric. */
async function assignedPartitions(workerUrl: string): Promise<number[]> {
  const text = await (await fetch(`${workerUrl}/metrics`)).text();
  const partitions: number[] = [];
  for (const line of text.split('\n')) {
    const match = /^primoart_worker_assigned\{(.*)\} 1$/.exec(line);
    if (match?.[1]?.includes(`topic="${resultsTopic}"`)) {
      const partition = /partition="(\d+)"/.exec(match[1])?.[1];
      if (partition !== undefined) partitions.push(Number(partition));
    }
  }
  return partitions.sort((a, b) => a - b);
}

const everyPartition = Array.from({ length: resultPartitions }, (_, i) => i);

/** Waits until the instances hold disjoint, non-empty shares that together cover the topic. */
function spreadOver(workerUrls: string[]): Promise<number[][]> {
  return waitFor(
    `${resultsTopic} spread over ${workerUrls.length} instances`,
    async () => {
      const shares = await Promise.all(workerUrls.map(assignedPartitions));
      const union = shares.flat().sort((a, b) => a - b);
      return shares.every((share) => share.length > 0) &&
        JSON.stringify(union) === JSON.stringify(everyPartition)
        ? shares
        : undefined;
    },
    60_000,
    500,
  );
}

const database = await scratchDatabase();
const running: RunningProcess[] = [];

after(async () => {
  await Promise.all(running.map((process) => process.stop('SIGKILL')));
  await database.drop();
});

test('two instances share the partitions; killing one moves them to the other without loss', async () => {
  const groupId = `primoart.it.scale.${randomUUID().slice(0, 8)}`;
  const instanceConfig = async () => {
    const port = await freePort();
    const setup = await testConfig(database.url, {
      kafka: stack.kafkaSectionForKills('primoart-it'),
      workers: {
        'synth-store': {
          listen: `127.0.0.1:${port}`,
          group_id: groupId,
          retry: { initial_ms: 100, max_ms: 1000 },
        },
      },
    });
    return { ...setup, workerUrl: `http://127.0.0.1:${port}` };
  };
  const [first, second] = [await instanceConfig(), await instanceConfig()];
  await startSynthStoreGroupAtEnd(groupId);
  const gateway = await startReady(['gateway', '--config.file', first.configFile], first.gatewayUrl);
  running.push(gateway);
  const [survivor, victim] = await Promise.all(
    [first, second].map((setup) =>
      startReady(['worker', 'synth-store', '--config.file', setup.configFile], setup.workerUrl),
    ),
  );
  running.push(survivor as RunningProcess, victim as RunningProcess);
  await spreadOver([first.workerUrl, second.workerUrl]);

  const accepted: string[] = [];
  // Many transactions (the message key), so the stream reaches every partition.
  const transactions = Array.from({ length: 24 }, () => randomUUID());
  // Other tests upload to the same topic at the same time: count only this test's transactions.
  const ours = 'FROM synth_runs r WHERE r.transaction_id = ANY($1::uuid[])';
  const storedCount = async () =>
    Number((await database.pool.query(`SELECT count(*) AS n ${ours}`, [transactions])).rows[0].n);
  let killed = false;
  for (let i = 0; i < 600; i++) {
    const result = freshResult({ transaction_id: transactions[i % transactions.length] });
    const answer = await upload(first.gatewayUrl, first.apiKey, result);
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    accepted.push(result.result_id);
    if (!killed && i >= 150 && (await storedCount()) > 0) {
      assert.equal(await (victim as RunningProcess).stop('SIGKILL'), 137);
      killed = true;
    }
  }
  assert.ok(killed, 'an instance was killed while the stream was flowing');

  // The survivor takes over every partition once the group notices the dead member.
  await waitFor(
    'the survivor holding every partition',
    async () => JSON.stringify(await assignedPartitions(first.workerUrl)) === JSON.stringify(everyPartition),
    90_000,
    500,
  );
  await waitFor(
    `all ${accepted.length} results stored`,
    async () => (await storedCount()) >= accepted.length,
    90_000,
  );

  const { rows } = await database.pool.query<{ result_id: string; steps: string }>(
    `SELECT r.result_id, (SELECT count(*) FROM synth_step_runs s WHERE s.result_id = r.result_id) AS steps
     ${ours}`,
    [transactions],
  );
  assert.equal(rows.length, accepted.length, 'exactly the accepted results, no more');
  assert.deepEqual(rows.map((r) => r.result_id).sort(), [...accepted].sort());
  for (const row of rows) assert.equal(Number(row.steps), 2, `${row.result_id} has its 2 steps once`);
  await (survivor as RunningProcess).stop();
  await gateway.stop();
});
