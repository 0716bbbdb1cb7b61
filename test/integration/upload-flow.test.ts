// Robot → gateway → Kafka → synth-store → PostgreSQL, on the real stack: the contract's examples,
// authentication, duplicates, and that a refused upload publishes nothing (no record on the
// gateway's topics names the test's keys: published-by.ts; other tests publish meanwhile).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { topics } from '../../topics/catalog.ts';
import { describeRecord, ownKey, positions, recordsStampedBy, type StampedRecord } from './published-by.ts';
import {
  freshResult,
  type Pipeline,
  repoDir,
  startPipeline,
  type TestSetup,
  upload,
  withAdmin,
} from './stack.ts';

const examples = join(repoDir, 'schemas', 'examples', 'transaction-result');
const readJson = (file: string): any => JSON.parse(readFileSync(file, 'utf8'));

// Keys of the test's own: testConfig's `admin` and `robot` are on every test's gateway.
const robotId = randomUUID();
const keys = {
  admin: ownKey('upload-flow-admin', ['admin']),
  robot: ownKey('upload-flow-robot', ['results:write'], { robot_id: robotId }),
};

/** Run `requests`; the records the gateway published for the test's keys meanwhile. */
async function publishedDuring(requests: () => Promise<void>): Promise<StampedRecord[]> {
  const from = await withAdmin(positions);
  await requests();
  const to = await withAdmin(positions);
  return recordsStampedBy([keys.admin.id, keys.robot.id], from, to);
}

describe('upload flow', () => {
  let pipeline: Pipeline;
  let setup: TestSetup;

  before(async () => {
    pipeline = await startPipeline({
      configOverrides: { gateway: { api_keys: [keys.admin.config, keys.robot.config] } },
    });
    setup = pipeline.setup;
  });

  after(async () => {
    await pipeline?.close();
  });

  const rowCount = (resultId: string) => pipeline.storedCount(resultId);

  test('every valid example is accepted with 202 and stored with its steps', async () => {
    const files = readdirSync(join(examples, 'valid')).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 5);
    for (const file of files) {
      const payload = readJson(join(examples, 'valid', file));
      const answer = await upload(setup.gatewayUrl, keys.admin.secret, payload);
      assert.equal(answer.status, 202, `${file}: ${JSON.stringify(answer.body)}`);
      assert.deepEqual(answer.body, { result_id: payload.result_id.toLowerCase(), status: 'accepted' });
    }
    for (const file of files) {
      const payload = readJson(join(examples, 'valid', file));
      const row = await pipeline.waitStored(`${file} in synth_runs`, async () => {
        const { rows } = await pipeline.database.pool.query(
          `SELECT r.*, (SELECT count(*) FROM synth_step_runs s WHERE s.result_id = r.result_id) AS step_count
           FROM synth_runs r WHERE result_id = $1`,
          [payload.result_id],
        );
        return rows[0];
      });
      assert.equal(row.transaction_name, payload.transaction_name, file);
      assert.equal(row.status, payload.status, file);
      assert.equal(Number(row.step_count), payload.steps.length, file);
      assert.equal(
        Number(row.duration_ms),
        Date.parse(payload.finished_at) - Date.parse(payload.started_at),
        `${file}: duration`,
      );
      assert.equal(
        row.screenshots.length,
        payload.screenshots?.length ?? 0,
        `${file}: screenshot references`,
      );
    }
  });

  test('each invalid example is refused with 400 naming its field, and nothing is published', async () => {
    const expected: Record<string, string[]> = readJson(join(examples, 'invalid', 'expected.json'));
    const published = await publishedDuring(async () => {
      for (const [file, paths] of Object.entries(expected)) {
        const answer = await upload(
          setup.gatewayUrl,
          keys.admin.secret,
          readJson(join(examples, 'invalid', file)),
        );
        assert.equal(answer.status, 400, `${file}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.error, 'invalid_result', file);
        const named = answer.body.details.map((d: { path: string }) => d.path);
        for (const path of paths)
          assert.ok(named.includes(path), `${file}: expected ${path} among ${named.join(', ')}`);
        for (const detail of answer.body.details)
          assert.ok(detail.message.length > 0, `${file}: empty message`);
      }
    });
    assert.deepEqual(published.map(describeRecord), [], 'an invalid result or screenshot reached Kafka');
  });

  test('malformed JSON is 400, a non-JSON body 415, and neither publishes', async () => {
    const published = await publishedDuring(async () => {
      const malformed = await upload(setup.gatewayUrl, keys.admin.secret, '{"result_id": ');
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error, 'malformed_json');
      const text = await upload(setup.gatewayUrl, keys.admin.secret, 'hello', {
        'content-type': 'text/plain',
      });
      assert.equal(text.status, 415);
    });
    assert.deepEqual(published.map(describeRecord), []);
  });

  test('no key is 401, an unknown key 401, a robot key for another robot 403; none publishes, the robot’s own result does', async () => {
    const published = await publishedDuring(async () => {
      assert.equal((await upload(setup.gatewayUrl, undefined, freshResult())).status, 401);
      assert.equal((await upload(setup.gatewayUrl, 'not-a-key', freshResult())).status, 401);
      const other = await upload(setup.gatewayUrl, keys.robot.secret, freshResult());
      assert.equal(other.status, 403);
      assert.match(other.body.error, /robot/);
    });
    assert.deepEqual(published.map(describeRecord), []);
    // The same look sees what the gateway does publish, named by the key that sent it.
    const own = freshResult({ robot_id: robotId });
    const accepted = await publishedDuring(async () => {
      assert.equal((await upload(setup.gatewayUrl, keys.robot.secret, own)).status, 202);
    });
    assert.deepEqual(
      accepted.map((record) => [record.topic, record.key, record.keyId]),
      [[topics.synthResults.name, own.transaction_id, keys.robot.id]],
    );
    await pipeline.waitStored(
      'the robot’s own result stored',
      async () => (await rowCount(own.result_id)) === 1,
    );
  });

  test('uploading the same result_id again answers the same and stores it once', async () => {
    const result = freshResult();
    const first = await upload(setup.gatewayUrl, keys.admin.secret, result);
    const second = await upload(setup.gatewayUrl, keys.admin.secret, result);
    assert.equal(first.status, 202);
    assert.deepEqual(second, { ...first, headers: second.headers });
    const batch = await upload(setup.gatewayUrl, keys.admin.secret, { results: [result, result] });
    assert.equal(batch.status, 200);
    // A marker result sent after the duplicates, on the same transaction (same partition, in order):
    // once it is stored, every copy before it has been processed.
    const marker = freshResult({ transaction_id: result.transaction_id });
    assert.equal((await upload(setup.gatewayUrl, keys.admin.secret, marker)).status, 202);
    await pipeline.waitStored('the marker stored', async () => (await rowCount(marker.result_id)) === 1);
    assert.equal(await rowCount(result.result_id), 1);
    const steps = await pipeline.database.pool.query(
      'SELECT count(*) AS n FROM synth_step_runs WHERE result_id = $1',
      [result.result_id],
    );
    assert.equal(Number(steps.rows[0].n), result.steps.length);
  });

  test('a batch accepts its valid items and names the problems of the others', async () => {
    const batch = readJson(join(examples, 'batch-mixed.json'));
    const expected = readJson(join(examples, 'batch-mixed.expected.json'));
    const answer = await upload(setup.gatewayUrl, keys.admin.secret, batch);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.results.length, expected.results.length);
    expected.results.forEach((want: { result_id: string; status: string; paths?: string[] }, i: number) => {
      const got = answer.body.results[i];
      assert.equal(got.result_id, want.result_id, `item ${i}`);
      assert.equal(got.status, want.status, `item ${i}: ${JSON.stringify(got)}`);
      const named = (got.errors ?? []).map((e: { path: string }) => e.path);
      for (const path of want.paths ?? [])
        assert.ok(named.includes(path), `item ${i}: ${path} among ${named}`);
    });
    const accepted = answer.body.results.filter((r: { status: string }) => r.status === 'accepted');
    for (const item of accepted) {
      await pipeline.waitStored(
        `batch item ${item.result_id} stored`,
        async () => (await rowCount(item.result_id)) === 1,
      );
    }
  });
});
