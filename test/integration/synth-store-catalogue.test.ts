// The catalogue results carry (projects, services, transactions, robots, locations) and the
// transaction definitions land in PostgreSQL through the synth-store of the test's own: a newer
// run moves last-seen forward and renames, an older one re-sent later changes nothing; a definition
// POSTed to the gateway appears in synth_definitions, an update replaces it, a DELETE marks it deleted.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { writeDefinitions } from '../../workers/synth-store/definitions-writer.ts';
import { freshResult, type Pipeline, startPipeline, upload, waitFor } from './stack.ts';

let pipeline: Pipeline;

before(async () => {
  pipeline = await startPipeline();
});

after(async () => {
  await pipeline?.close();
});

const query = async (sql: string, params: unknown[] = []) =>
  (await pipeline.database.pool.query(sql, params)).rows;

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

function resultAt(finished: Date, overrides: Record<string, unknown>): Record<string, any> {
  const started = new Date(finished.getTime() - 2_000);
  return freshResult({
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    steps: [
      {
        index: 0,
        name: 'open',
        started_at: started.toISOString(),
        finished_at: finished.toISOString(),
        status: 'OK',
      },
    ],
    ...overrides,
  });
}

async function send(result: Record<string, unknown>): Promise<void> {
  const answer = await upload(pipeline.setup.gatewayUrl, pipeline.setup.apiKey, result);
  assert.equal(answer.status, 202, JSON.stringify(answer.body));
}

test('uploads fill the catalogue; last-seen only moves forward', async () => {
  const suffix = randomUUID().slice(0, 8);
  const project = `project-${suffix}`;
  const transactionId = randomUUID();
  const robotId = randomUUID();
  const location = {
    city: `Ghent-${suffix}`,
    region: 'Flanders',
    country: 'BE',
    latitude: 51.05,
    longitude: 3.72,
  };
  const common = { transaction_id: transactionId, robot_id: robotId, project, location };
  const older = resultAt(minutesAgo(30), {
    ...common,
    transaction_name: 'Old name',
    robot_name: 'robot-old',
    service: `shop-${suffix}`,
  });
  const newer = resultAt(minutesAgo(10), {
    ...common,
    transaction_name: 'New name',
    robot_name: 'robot-new',
    service: `shop-${suffix}`,
    location: { ...location, latitude: 51.06 },
  });
  // A service without a project, seen once.
  const loose = resultAt(minutesAgo(5), { service: `loose-${suffix}` });
  await send(older);
  await send(newer);
  await send(loose);
  // Other tests upload to the same topic: wait for this test's own results.
  const stored = async (...results: Array<Record<string, any>>) =>
    (await Promise.all(results.map((r) => pipeline.storedCount(r.result_id)))).every((n) => n === 1);
  await pipeline.waitStored('three runs stored', () => stored(older, newer, loose));
  // The older run again, after the newer one is stored: it must not move anything back.
  const resent = { ...older, result_id: randomUUID() };
  await send(resent);
  await pipeline.waitStored('the re-sent run stored', () => stored(resent));

  const [transaction] = await query('SELECT * FROM synth_transactions WHERE transaction_id = $1', [
    transactionId,
  ]);
  assert.equal(transaction.name, 'New name');
  assert.equal(transaction.service, `shop-${suffix}`);
  assert.equal(transaction.project, project);
  assert.equal(transaction.last_seen_at.toISOString(), newer.finished_at);
  assert.equal(transaction.first_seen_at.toISOString(), older.finished_at);

  const [robot] = await query('SELECT * FROM synth_robots WHERE robot_id = $1', [robotId]);
  assert.equal(robot.name, 'robot-new');
  assert.equal(robot.last_seen_at.toISOString(), newer.finished_at);

  const projects = await query('SELECT * FROM synth_projects WHERE name = $1', [project]);
  assert.equal(projects.length, 1);
  assert.equal(projects[0].last_seen_at.toISOString(), newer.finished_at);

  const services = await query('SELECT project, name FROM synth_services WHERE name LIKE $1 ORDER BY name', [
    `%-${suffix}`,
  ]);
  assert.deepEqual(services, [
    { project: '', name: `loose-${suffix}` },
    { project, name: `shop-${suffix}` },
  ]);

  const locations = await query('SELECT * FROM synth_locations WHERE city = $1', [location.city]);
  assert.equal(locations.length, 1);
  assert.equal(locations[0].country, 'BE');
  assert.equal(locations[0].region, 'Flanders');
  assert.equal(locations[0].latitude, 51.06, 'coordinates of the newest run');
});

test('definitions POSTed to the gateway appear in synth_definitions; a DELETE marks them deleted', async () => {
  const { gatewayUrl, apiKey } = pipeline.setup;
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${gatewayUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const kept = {
    uuid: randomUUID(),
    name: 'Checkout',
    cron: '*/5 * * * *',
    code: "await page.goto('https://shop.example.com');",
    target_duration: 12.5,
    metadata: { location: 'location01' },
    description: 'kept',
  };
  const removed = { ...kept, uuid: randomUUID(), name: 'Search', description: null };
  assert.equal((await call('POST', '/api/v1/transactions/', [kept, removed])).status, 200);
  const definitionRow = async (uuid: string) =>
    (await query('SELECT * FROM synth_definitions WHERE uuid = $1', [uuid]))[0];
  await waitFor(
    'both definitions stored',
    async () => (await definitionRow(kept.uuid)) && (await definitionRow(removed.uuid)),
  );
  const stored = await definitionRow(kept.uuid);
  assert.equal(stored.name, 'Checkout');
  assert.equal(stored.cron, '*/5 * * * *');
  assert.equal(stored.code, kept.code);
  assert.equal(stored.target_duration_s, 12.5);
  assert.deepEqual(stored.metadata, { location: 'location01' });
  assert.equal(stored.description, 'kept');
  assert.equal(stored.deleted_at, null);

  assert.equal((await call('POST', '/api/v1/transactions/', [{ ...kept, name: 'Checkout v2' }])).status, 200);
  assert.equal((await call('DELETE', `/api/v1/transactions/${removed.uuid}`)).status, 204);
  await waitFor('the update stored', async () => (await definitionRow(kept.uuid)).name === 'Checkout v2');
  const deleted = await waitFor('the delete reflected', async () => {
    const row = await definitionRow(removed.uuid);
    return row.deleted_at !== null && row;
  });
  assert.equal(deleted.name, 'Search', 'a deleted definition keeps its last fields');
  assert.equal((await definitionRow(kept.uuid)).deleted_at, null, 'the other one is untouched');

  // A replay delivers the older version again: it cannot bring the deleted definition back.
  await writeDefinitions(pipeline.database.pool, [
    {
      uuid: removed.uuid,
      definition: { ...removed, name: 'Search (replayed)', updated_at: Date.now() },
      timestamp: Date.now(),
      partition: deleted.source_partition,
      offset: String(Number(deleted.source_offset) - 1),
    },
  ]);
  const afterReplay = await definitionRow(removed.uuid);
  assert.equal(afterReplay.name, 'Search');
  assert.notEqual(afterReplay.deleted_at, null, 'still deleted after an older record came again');
});
