// While Kafka is down the gateway answers 503 with Retry-After (nothing accepted); when Kafka is
// back it accepts again, and what it accepts is stored.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { topics } from '../../topics/catalog.ts';
import {
  freshResult,
  type Pipeline,
  runCli,
  stack,
  startPipeline,
  upload,
  waitCaughtUp,
  waitFor,
} from './stack.ts';

let pipeline: Pipeline;

const stackKafka = async (command: 'up' | 'down') => {
  const { code, output } = await runCli([command, '--only', 'kafka']);
  assert.equal(code, 0, `primoart ${command} --only kafka:\n${output}`);
};

before(async () => {
  // The broker's restart loses the worker's group membership the way a SIGKILL does: the worker
  // joins again as a new member, and the group waits for the old one until its session times out
  // before it hands out the partitions (30 s by default; the last 30 s of this test before). No
  // other test runs meanwhile (Kafka is down), so the short session timeout risks no eviction.
  pipeline = await startPipeline({ configOverrides: { kafka: stack.kafkaSectionForKills('primoart-it') } });
});

after(async () => {
  // Whatever happened, leave Kafka running for the rest of the suite.
  await runCli(['up', '--only', 'kafka']);
  await pipeline?.close();
});

test('the gateway answers 503 while Kafka is stopped and accepts again once it returns', async () => {
  const { setup } = pipeline;
  const beforeOutage = freshResult();
  assert.equal((await upload(setup.gatewayUrl, setup.apiKey, beforeOutage)).status, 202);

  await stackKafka('down');
  const during = freshResult();
  const refused = await upload(setup.gatewayUrl, setup.apiKey, during);
  assert.equal(refused.status, 503, JSON.stringify(refused.body));
  assert.ok(Number(refused.headers.get('retry-after')) > 0, 'Retry-After tells the robot when to come back');
  // Robots that give up after their 503. Their sends queue behind one another (the Kafka port's
  // sends take turns); one whose turn comes after the gateway stopped waiting is never made, so
  // the outage leaves no queue of sends nobody waits for, published once Kafka is back.
  const abandoned = Array.from({ length: 20 }, () => freshResult());
  const answers = await Promise.all(abandoned.map((r) => upload(setup.gatewayUrl, setup.apiKey, r)));
  assert.deepEqual(
    answers.map((a) => a.status),
    abandoned.map(() => 503),
  );

  await stackKafka('up');
  // The robot retries the refused result until it is accepted (a 503 costs the gateway little, so
  // it is retried at waitFor's pace, not a robot's).
  await waitFor(
    'the gateway to accept again',
    async () => (await upload(setup.gatewayUrl, setup.apiKey, during)).status === 202,
    90_000,
  );
  const afterOutage = freshResult();
  assert.equal((await upload(setup.gatewayUrl, setup.apiKey, afterOutage)).status, 202);

  for (const result of [beforeOutage, during, afterOutage]) {
    await waitFor(
      `${result.result_id} stored`,
      async () => (await pipeline.storedCount(result.result_id)) === 1,
      90_000,
    );
  }
  await waitCaughtUp([[setup.groupId, topics.synthResults.name]]);
  let published = 0;
  for (const result of abandoned) published += await pipeline.storedCount(result.result_id);
  // The send in hand when Kafka came back may still be made (a 503 promises nothing either way).
  assert.ok(published <= 1, `${published} of ${abandoned.length} results answered 503 were published later`);
});
