// The fleet uploader against the real gateway: a day of one transaction ends up in synth_runs,
// every run once.
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { fleetPlanFor, parseGenerateArguments } from '../../scripts/fleet/generate.ts';
import { plannedRunCount } from '../../scripts/fleet/generator.ts';
import { planSource, uploadFleet } from '../../scripts/fleet/uploader.ts';
import { type Pipeline, startPipeline } from './stack.ts';

const dayMs = 24 * 60 * 60 * 1000;
let pipeline: Pipeline;

before(async () => {
  pipeline = await startPipeline();
});

after(async () => {
  await pipeline?.close();
});

test('a day of one transaction is uploaded in batches and stored once per run', async () => {
  const options = parseGenerateArguments(
    ['--transactions', '1', '--seed', String(randomInt(1_000_000))],
    new Date(),
  );
  assert.ok(options);
  const generated = fleetPlanFor(options);
  // A transaction id of this test's own: the fleet's ids are fixed and other tests share the topic.
  const transactionId = randomUUID();
  const plan = {
    ...generated,
    from: new Date(generated.to.getTime() - dayMs),
    transactions: generated.transactions.map((t) => ({ ...t, id: transactionId })),
  };
  const planned = plannedRunCount(plan);
  assert.ok(planned >= 800, `a day every 5 minutes from 3 locations, got ${planned}`);

  const counts = await uploadFleet(planSource(plan), {
    gatewayUrl: pipeline.setup.gatewayUrl,
    apiKey: pipeline.setup.apiKey,
    batchSize: 100,
    concurrency: 4,
  });
  assert.equal(counts.accepted, planned);
  assert.equal(counts.batches, Math.ceil(planned / 100));

  const stored = async () => {
    const { rows } = await pipeline.database.pool.query(
      'SELECT count(*) AS n, count(DISTINCT result_id) AS ids FROM synth_runs WHERE transaction_id = $1',
      [transactionId],
    );
    return { rows: Number(rows[0].n), ids: Number(rows[0].ids) };
  };
  await pipeline.waitStored('every uploaded run in synth_runs', async () => (await stored()).rows >= planned);
  assert.deepEqual(await stored(), { rows: planned, ids: planned });
});
