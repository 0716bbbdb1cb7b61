// While Kafka is down the gateway answers 503 with Retry-After (nothing accepted); when Kafka is
// back it accepts again, and what it accepts is stored.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { topics } from '../../topics/catalog.ts';
import {
  freshResult,
  type RunningProcess,
  runCli,
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
let worker: RunningProcess;

const stackKafka = async (command: 'up' | 'down') => {
  const { code, output } = await runCli([command, '--only', 'kafka']);
  assert.equal(code, 0, `primoart ${command} --only kafka:\n${output}`);
};

before(async () => {
  database = await scratchDatabase();
  setup = await testConfig(database.url);
  await startGroupAtEnd(setup.groupId, topics.synthResults.name);
  gateway = await startReady(['gateway', '--config.file', setup.configFile], setup.gatewayUrl);
  worker = await startReady(['worker', 'synth-store', '--config.file', setup.configFile], setup.workerUrl);
});

after(async () => {
  // Whatever happened, leave Kafka running for the rest of the suite.
  await runCli(['up', '--only', 'kafka']);
  await Promise.all([gateway?.stop(), worker?.stop()]);
  await database?.drop();
});

test('the gateway answers 503 while Kafka is stopped and accepts again once it returns', async () => {
  const beforeOutage = freshResult();
  assert.equal((await upload(setup.gatewayUrl, setup.apiKey, beforeOutage)).status, 202);

  await stackKafka('down');
  const during = freshResult();
  const refused = await upload(setup.gatewayUrl, setup.apiKey, during);
  assert.equal(refused.status, 503, JSON.stringify(refused.body));
  assert.ok(Number(refused.headers.get('retry-after')) > 0, 'Retry-After tells the robot when to come back');

  await stackKafka('up');
  // The robot retries the refused result until it is accepted.
  await waitFor(
    'the gateway to accept again',
    async () => (await upload(setup.gatewayUrl, setup.apiKey, during)).status === 202,
    90_000,
    1000,
  );
  const afterOutage = freshResult();
  assert.equal((await upload(setup.gatewayUrl, setup.apiKey, afterOutage)).status, 202);

  for (const result of [beforeOutage, during, afterOutage]) {
    await waitFor(
      `${result.result_id} stored`,
      async () =>
        Number(
          (
            await database.pool.query('SELECT count(*) AS n FROM synth_runs WHERE result_id = $1', [
              result.result_id,
            ])
          ).rows[0].n,
        ) === 1,
      90_000,
    );
  }
});
