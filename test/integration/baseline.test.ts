// The baseline worker against the real stack: two weeks of a simulated transaction produced to the
// results topic become ready baselines on primoart.baselines.v1 that match the generator's true
// quantiles (runs of two robots sharing a result_id both counted); deleting the worker's state and
// replaying the results republishes the same baselines.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ValidTransactionResult } from '../../schemas/index.ts';
import { toAvroResult } from '../../schemas/index.ts';
import type { SeriesBaselineRecord } from '../../schemas/record-types.ts';
import { validateTransactionResult } from '../../schemas/transaction-result.ts';
import { trueDurationQuantiles } from '../../scripts/fleet/duration-model.ts';
import { defaultSeasonality, type FleetPlan, fleetTransactions } from '../../scripts/fleet/fleet-plan.ts';
import { generateFleetResults } from '../../scripts/fleet/generator.ts';
import { topics } from '../../topics/catalog.ts';
import { createTopicCodec } from '../../topics/codec.ts';
import { BaselineStore } from '../../workers/baseline/baseline-store.ts';
import {
  freePort,
  kafkaConnection,
  type RunningProcess,
  stack,
  startGroupAtEnd,
  startReady,
  testConfig,
  waitConsumed,
  withAdmin,
} from './stack.ts';

const hourMs = 60 * 60 * 1000;
const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Two weeks of one transaction every 5 minutes from two locations, ending an hour ago. */
function simulatedRuns(): { plan: FleetPlan; runs: ValidTransactionResult[] } {
  const [template] = fleetTransactions(1, 5);
  assert.ok(template);
  const transaction = { ...template, locations: template.locations.slice(0, 2) };
  const to = new Date(Math.floor(Date.now() / hourMs) * hourMs - hourMs);
  const plan: FleetPlan = {
    seed: 11,
    from: new Date(to.getTime() - 14 * 24 * hourMs),
    to,
    transactions: [transaction],
    seasonality: defaultSeasonality,
    scenarios: [],
    environment: 'test',
  };
  // The generator's streams are seeded by the transaction id, so the durations stay the same from
  // run to run; the ids on the bus are fresh, so no other test or earlier run shares them.
  const transactionId = randomUUID();
  const now = new Date();
  const runs = [...generateFleetResults(plan)].map((payload) => {
    const validation = validateTransactionResult(
      { ...payload, transaction_id: transactionId, result_id: randomUUID() },
      { now, defaultEnvironment: 'test' },
    );
    assert.ok(validation.ok, JSON.stringify(validation));
    return validation.value;
  });
  // Every 400th run sent again by another robot with the same result_id: a run of its own (a run is
  // robot_id and result_id), which must count next to the first robot's, not replace or hide it.
  const reused = runs.filter((_, i) => i % 400 === 0).map((run) => ({ ...run, robot_id: randomUUID() }));
  return { plan, runs: [...runs, ...reused] };
}

/** The record without the wall-clock field, for comparing publications. */
function figures(record: SeriesBaselineRecord): Omit<SeriesBaselineRecord, 'updated_at'> {
  const { updated_at: _, ...rest } = record;
  return rest;
}

test('results become ready baselines matching the true quantiles, and a replay into a new state rebuilds them', async () => {
  const { plan, runs } = simulatedRuns();
  const transaction = plan.transactions[0];
  assert.ok(transaction);

  // What the worker must end up publishing: the model fed the same runs directly.
  const reference = new BaselineStore(':memory:');
  reference.ingest(runs);
  const expected = new Map(reference.listBaselines().map((baselines) => [baselines.series.key, baselines]));
  reference.close();
  assert.equal(
    expected.get(`${runs[0]?.transaction_id}|run|*`)?.windowRuns,
    runs.length,
    'each robot’s run with a shared result_id counts',
  );

  const stateDir = mkdtempSync(join(tmpdir(), 'primoart-baseline-'));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  const stateFile = join(stateDir, 'baseline.sqlite');
  const groupId = `primoart.it.baseline.${randomUUID().slice(0, 8)}`;
  const workerUrl = `http://127.0.0.1:${await freePort()}`;
  const setup = await testConfig(stack.pgUrl(), {
    workers: {
      baseline: {
        listen: new URL(workerUrl).host,
        group_id: groupId,
        state_file: stateFile,
        retry: { initial_ms: 100, max_ms: 1000 },
      },
    },
  });
  const startWorker = () => startReady(['worker', 'baseline', '--config.file', setup.configFile], workerUrl);

  // Read the baselines topic from its current end, keeping the newest record of every key.
  const latest = new Map<string, SeriesBaselineRecord>();
  const baselineCodec = await createTopicCodec(stack.registryUrl(), topics.baselines);
  const readerGroup = `primoart.it.baseline-reader.${randomUUID().slice(0, 8)}`;
  await startGroupAtEnd(readerGroup, topics.baselines.name);
  const reader = await kafkaConnection().consumer({
    groupId: readerGroup,
    topics: [topics.baselines.name],
    fromBeginning: false,
  });
  await reader.run(async (batch, control) => {
    for (const message of batch.messages) {
      const key = message.key?.toString('utf8');
      if (key !== undefined && expected.has(key) && message.value !== null)
        latest.set(key, await baselineCodec.decode(message.value));
    }
    const last = batch.messages.at(-1);
    if (last) control.markProcessed(last.offset);
  });
  cleanups.push(() => reader.stop());

  // The worker starts at the results topic's end; the test's runs follow.
  await startGroupAtEnd(groupId, topics.synthResults.name);
  const resultsStart = await withAdmin((admin) => admin.topicOffsets(topics.synthResults.name));
  let worker: RunningProcess = await startWorker();
  cleanups.push(() => worker.stop());

  const resultCodec = await createTopicCodec(stack.registryUrl(), topics.synthResults);
  const producer = await kafkaConnection().producer();
  cleanups.push(() => producer.disconnect());
  const receivedAt = new Date();
  for (let i = 0; i < runs.length; i += 500) {
    const messages = await Promise.all(
      runs.slice(i, i + 500).map(async (run) => ({
        key: run.transaction_id,
        value: await resultCodec.encode(toAvroResult(run, { receivedAt }).result),
      })),
    );
    await producer.send([{ topic: topics.synthResults.name, messages }]);
  }

  // Caught up once every series has a record, published after `sinceMs`, counting all its runs.
  const caughtUp = (sinceMs: number) => {
    for (const [key, baselines] of expected) {
      const record = latest.get(key);
      if (record === undefined || record.updated_at < sinceMs || record.window_runs !== baselines.windowRuns)
        return false;
    }
    return true;
  };
  const consumed = [[groupId, topics.synthResults.name]] as const;
  await waitConsumed('every series published with all its runs', async () => caughtUp(0), consumed);
  const first = new Map([...latest].map(([key, record]) => [key, figures(record)]));

  for (const [key, baselines] of expected) {
    const record = first.get(key);
    assert.ok(record, key);
    assert.equal(record.state, 'ready', key);
    assert.equal(record.hours.length, 168, key);
    // Availability as generated: the share of runs of the series that did not fail.
    assert.equal(record.all_hours.availability, baselines.allHours.availability, key);
    assert.equal(record.all_hours.p50_ms, baselines.allHours.duration?.p50 ?? null, key);
  }
  const run = first.get(`${runs[0]?.transaction_id}|run|*`);
  assert.ok(run && run.all_hours.availability !== null);
  assert.ok(
    run.all_hours.availability > 0.98 && run.all_hours.availability < 1,
    'about 0.5 % fail at random',
  );

  // Each hour of week at one location holds 24 runs: its p50 is close to the generator's true median.
  for (const location of transaction.locations) {
    const key = `${runs[0]?.transaction_id}|run|${location.country}/${location.region}/${location.city}`;
    const record = first.get(key);
    assert.ok(record, key);
    let logErrorSum = 0;
    for (const hour of record.hours) {
      assert.equal(hour.source, 'hour-of-week', `${key} hour ${hour.hour_of_week}`);
      const truth = trueDurationQuantiles(transaction, location, hour.hour_of_week, plan.seasonality);
      const p50 = hour.band.p50_ms;
      assert.ok(p50 !== null);
      const error = Math.abs(Math.log(p50 / truth.p50));
      // The median of 24 log-normal samples (σ = 0.2) errs by about 5 % (one standard error).
      assert.ok(error < 0.2, `${key} hour ${hour.hour_of_week}: p50 ${p50} vs true ${truth.p50}`);
      logErrorSum += error;
    }
    assert.ok(logErrorSum / record.hours.length < 0.06, `${key}: mean p50 error ${logErrorSum / 168}`);
  }

  // Rebuild: no state, the group back to where the test's runs begin.
  await worker.stop();
  rmSync(stateDir, { recursive: true, force: true });
  await withAdmin((admin) =>
    admin.setGroupOffsets(
      groupId,
      topics.synthResults.name,
      resultsStart.map(({ partition, high }) => ({ partition, offset: high })),
    ),
  );
  latest.clear();
  const rebuiltSince = Date.now();
  worker = await startWorker();
  await waitConsumed(
    'every series republished with all its runs',
    async () => caughtUp(rebuiltSince),
    consumed,
  );
  for (const [key, record] of first)
    assert.deepEqual(figures(latest.get(key) as SeriesBaselineRecord), record, key);
});
