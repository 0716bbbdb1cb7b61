// `primoart dlq list|show|replay` against the real stack: a result the synth-store cannot store (a
// PostgreSQL constraint this test adds) is dead-lettered, listed with its error and shown decoded;
// while the cause stays, a replay is dead-lettered again and said so; once the constraint is
// dropped, a replay stores it exactly once, and a second replay sends nothing.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { freshResult, type Pipeline, runCli, startPipeline, upload } from './stack.ts';

let pipeline: Pipeline;
const constraint = `it_dlq_${randomUUID().slice(0, 8)}`;
const poisonName = `dlq poison ${randomUUID()}`;
const since = new Date(Date.now() - 1_000).toISOString();

before(async () => {
  pipeline = await startPipeline();
  // The cause an operator would fix: a constraint the worker's rows break (SQLSTATE 23514, which
  // the harness takes as the record's fault and dead-letters).
  await pipeline.database.pool.query(
    `ALTER TABLE synth_runs ADD CONSTRAINT ${constraint} CHECK (transaction_name <> '${poisonName}') NOT VALID`,
  );
});

after(async () => {
  await pipeline?.close();
});

const dlq = (...args: string[]) => runCli(['dlq', ...args, '--config.file', pipeline.setup.configFile]);

interface Listed {
  ref: string;
  worker: string;
  group: string | null;
  origin: { topic: string };
  key: string | null;
  error: string;
  replay_of: string | null;
  replayed_at: string | null;
}

/** This test's dead letters: its own synth-store's group, since the test began. */
async function listed(): Promise<Listed[]> {
  const { code, output } = await dlq('list', '--group', pipeline.setup.groupId, '--since', since, '--json');
  assert.equal(code, 0, output);
  return JSON.parse(output) as Listed[];
}

test('a dead-lettered result is listed with its error, shown decoded, and replayed once after the fix', async () => {
  const poison = freshResult({ transaction_name: poisonName });
  const neighbour = freshResult();
  for (const result of [poison, neighbour])
    assert.equal((await upload(pipeline.setup.gatewayUrl, pipeline.setup.apiKey, result)).status, 202);
  await pipeline.waitStored(
    'the neighbour stored',
    async () => (await pipeline.storedCount(neighbour.result_id)) === 1,
  );
  const [letter] = await pipeline.waitStored('the poison listed by dlq list', async () => {
    const letters = await listed();
    return letters.length > 0 ? letters : undefined;
  });
  assert.ok(letter);
  assert.equal(letter.worker, 'synth-store');
  assert.equal(letter.key, poison.transaction_id);
  assert.equal(letter.origin.topic, 'primoart.synth.results.v1');
  assert.match(letter.error, new RegExp(`${constraint}|23514`));
  assert.equal(letter.replayed_at, null);
  assert.equal(await pipeline.storedCount(poison.result_id), 0);

  // The table too, and the value decoded through the registry.
  const table = await dlq('list', '--group', pipeline.setup.groupId, '--since', since);
  assert.match(table.output, new RegExp(`^${letter.ref.replace(':', '\\:')}\\s.*synth-store`, 'm'));
  const shown = await dlq('show', letter.ref);
  assert.equal(shown.code, 0, shown.output);
  assert.match(shown.output, /Avro with schema id \d+/);
  assert.ok(shown.output.includes(poison.result_id), 'the decoded value names the result');
  assert.match(shown.output, /primoart\.error: .*23514/);

  const dryRun = await dlq('replay', '--group', pipeline.setup.groupId, '--since', since, '--dry-run');
  assert.equal(dryRun.code, 0, dryRun.output);
  assert.match(dryRun.output, /dry run: 1 dead letter\(s\) would go back; 0 already replayed/);

  // The cause is still there: the copy is dead-lettered again, and the replay says so (exit 1).
  const failing = await dlq('replay', '--ref', letter.ref, '--wait', '240');
  assert.equal(failing.code, 1, failing.output);
  assert.match(
    failing.output,
    /1 dead letter\(s\) sent back, 0 processed, 1 dead-lettered again \(\d+:\d+\)/,
  );
  const again = (await listed()).find((candidate) => candidate.replay_of === letter.ref);
  assert.ok(again, 'the second dead letter names the one it was replayed from');
  assert.equal(await pipeline.storedCount(poison.result_id), 0);

  // Fixed: the second dead letter goes back and is stored, once.
  await pipeline.database.pool.query(`ALTER TABLE synth_runs DROP CONSTRAINT ${constraint}`);
  const replay = await dlq('replay', '--group', pipeline.setup.groupId, '--since', since, '--wait', '240');
  assert.equal(replay.code, 0, replay.output);
  assert.match(
    replay.output,
    /1 dead letter\(s\) sent back, 1 processed, 0 dead-lettered again; 1 already replayed/,
  );
  assert.equal(await pipeline.storedCount(poison.result_id), 1);

  // Nothing is sent twice.
  const second = await dlq('replay', '--group', pipeline.setup.groupId, '--since', since, '--wait', '10');
  assert.equal(second.code, 0, second.output);
  assert.match(
    second.output,
    /0 dead letter\(s\) sent back, 0 processed, 0 dead-lettered again; 2 already replayed/,
  );
  assert.equal(await pipeline.storedCount(poison.result_id), 1);
  const after = await listed();
  assert.equal(after.length, 2);
  assert.ok(
    after.every((candidate) => candidate.replayed_at !== null),
    'both listed as replayed',
  );
});
