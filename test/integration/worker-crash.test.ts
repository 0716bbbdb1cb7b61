// SIGKILL the synth-store in the middle of a stream, start it again: every result the gateway
// accepted is in PostgreSQL exactly once. Fails if offsets were committed before the write
// (a lost run) or if a redelivered write were not idempotent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freshResult, type Pipeline, stack, startPipeline, upload } from './stack.ts';

let pipeline: Pipeline;

before(async () => {
  pipeline = await startPipeline({
    worker: false,
    configOverrides: { kafka: stack.kafkaSectionForKills('primoart-it') },
  });
});

after(async () => {
  await pipeline?.close();
});

test('a worker killed mid-stream loses nothing and doubles nothing', async () => {
  const { setup } = pipeline;
  const worker = await pipeline.startWorker();
  pipeline.worker = worker;
  const accepted: string[] = [];
  // A few transactions so the stream spreads over several partitions.
  const transactions = Array.from({ length: 6 }, () => freshResult().transaction_id as string);
  // Only this test's transactions count: the shared results topic may carry other traffic.
  const ownCount = async () =>
    Number(
      (
        await pipeline.database.pool.query(
          'SELECT count(*) AS n FROM synth_runs WHERE transaction_id = ANY($1::uuid[])',
          [transactions],
        )
      ).rows[0].n,
    );
  // The stream flows on its own while the test waits for the worker to write some of it, kills
  // the worker, and lets 50 more arrive after the kill (so some are surely left to redeliver).
  let killedAt: number | undefined;
  const streamDone = () => killedAt !== undefined && accepted.length >= Math.max(400, killedAt + 50);
  const stream = (async () => {
    for (let i = 0; !streamDone(); i++) {
      // A worker that commits without storing would otherwise be fed for waitStored's 5 minutes.
      if (killedAt === undefined && i >= 4000)
        assert.fail('4,000 uploads and the worker had stored none of them');
      const result = freshResult({ transaction_id: transactions[i % transactions.length] });
      const answer = await upload(setup.gatewayUrl, setup.apiKey, result);
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      accepted.push(result.result_id);
    }
  })();
  // How long the worker takes to reach this test's records depends on what neighbours publish on
  // the shared topic meanwhile: wait while its group goes on committing, not for a fixed time.
  // The stream only ends after the kill, so until then it can only fail (a refused upload).
  await Promise.race([
    pipeline.waitStored(
      'the worker to store some of the stream',
      async () => accepted.length >= 120 && (await ownCount()) > 0,
    ),
    stream.then(() => assert.fail('the stream ended before the kill')),
  ]);
  // The worker is writing: kill it without any chance to commit or clean up.
  assert.equal(await worker.stop('SIGKILL'), 137);
  killedAt = accepted.length;
  await stream;
  const beforeRestart = await ownCount();
  assert.ok(beforeRestart < accepted.length, 'some results were still to be written when the worker died');

  pipeline.worker = await pipeline.startWorker();
  await pipeline.waitStored(
    `all ${accepted.length} results stored`,
    async () => (await ownCount()) >= accepted.length,
  );

  const { rows } = await pipeline.database.pool.query<{ result_id: string; steps: string }>(
    `SELECT r.result_id, (SELECT count(*) FROM synth_step_runs s WHERE s.result_id = r.result_id) AS steps
     FROM synth_runs r WHERE r.transaction_id = ANY($1::uuid[])`,
    [transactions],
  );
  assert.equal(rows.length, accepted.length, 'exactly the accepted results, no more');
  assert.deepEqual(rows.map((r) => r.result_id).sort(), [...accepted].sort());
  for (const row of rows) assert.equal(Number(row.steps), 2, `${row.result_id} has its 2 steps once`);
});
