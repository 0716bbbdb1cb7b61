// One robot cannot overwrite another robot's run (issue 9). result_id is chosen by robots, so a run
// is identified by (robot_id, result_id): robot C uploading robot A's result_id with its own key
// creates a run of its own in PostgreSQL and objects of its own in MinIO, and A's row, steps and
// screenshots stay as A uploaded them; A uploading its run again is still stored once. Also: a
// database created before migration 0004 is migrated in place, its runs and steps kept.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Client } from 'minio';
import { sha256Hex } from '../../core/sha256.ts';
import { topics } from '../../topics/catalog.ts';
import { minioClientFromConfig } from '../../workers/artifact-store/object-store.ts';
import { listMigrations, migrate } from '../../workers/synth-store/migrate.ts';
import {
  type Pipeline,
  type RunningProcess,
  repoDir,
  scratchDatabase,
  stack,
  startGroupAtEnd,
  startPipeline,
  startReady,
  upload,
} from './stack.ts';

interface Screenshot {
  step_index: number;
  content_type: string;
  data: string;
}
type Upload = Record<string, unknown> & {
  result_id: string;
  transaction_id: string;
  robot_id: string;
  screenshots: Screenshot[];
  steps: Array<Record<string, unknown>>;
};

const example = JSON.parse(
  readFileSync(join(repoDir, 'schemas', 'examples', 'transaction-result', 'valid', 'full.json'), 'utf8'),
) as Upload;

const robotCKey = `test-robot-c-${randomUUID()}`;
const robotC = randomUUID();

let pipeline: Pipeline;
let minio: Client;
let bucket: string;
let artifactStore: RunningProcess | undefined;

before(async () => {
  pipeline = await startPipeline({
    configOverrides: {
      gateway: {
        api_keys: [
          { name: 'robot-c', sha256: sha256Hex(robotCKey), scopes: ['results:write'], robot_id: robotC },
        ],
      },
    },
  });
  bucket = pipeline.setup.artifactStore.bucket;
  minio = minioClientFromConfig({ ...stack.minio(), bucket, region: 'us-east-1' });
  await startGroupAtEnd(pipeline.setup.artifactStore.groupId, topics.synthArtifacts.name);
  artifactStore = await startReady(
    ['worker', 'artifact-store', '--config.file', pipeline.setup.configFile],
    pipeline.setup.artifactStore.url,
  );
});

after(async () => {
  await artifactStore?.stop();
  await pipeline?.close();
  if (minio !== undefined && (await minio.bucketExists(bucket).catch(() => false))) {
    const names: string[] = [];
    for await (const item of minio.listObjects(bucket, '', true)) if (item.name) names.push(item.name);
    for (let i = 0; i < names.length; i += 1000) await minio.removeObjects(bucket, names.slice(i, i + 1000));
    await minio.removeBucket(bucket);
  }
});

interface StoredRun {
  row: Record<string, unknown>;
  steps: Array<Record<string, unknown>>;
  /** Per screenshot key the run's row holds: the object's bytes and metadata. */
  objects: Map<string, { bytes: Buffer; etag: string; metaData: Record<string, unknown> }>;
}

async function readObject(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await minio.getObject(bucket, key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A run's row, steps and screenshot objects, once all of them are stored; `until` may ask for more. */
function storedRun(robotId: string, resultId: string, until: (run: StoredRun) => boolean = () => true) {
  return pipeline.waitStored(`robot ${robotId}'s run ${resultId} stored with its screenshots`, async () => {
    const { rows } = await pipeline.database.pool.query(
      'SELECT * FROM synth_runs WHERE robot_id = $1 AND result_id = $2',
      [robotId, resultId],
    );
    const row = rows[0] as
      | (Record<string, unknown> & { screenshots: Array<{ object_key: string }> })
      | undefined;
    if (row === undefined) return false;
    const steps = (
      await pipeline.database.pool.query(
        'SELECT * FROM synth_step_runs WHERE robot_id = $1 AND result_id = $2 ORDER BY step_index',
        [robotId, resultId],
      )
    ).rows as Array<Record<string, unknown>>;
    const objects: StoredRun['objects'] = new Map();
    for (const { object_key: key } of row.screenshots) {
      const stat = await minio.statObject(bucket, key).catch(() => undefined);
      if (stat === undefined) return false;
      objects.set(key, { bytes: await readObject(key), etag: stat.etag, metaData: stat.metaData });
    }
    const run = { row, steps, objects };
    return until(run) && run;
  });
}

async function uploadAccepted(key: string, result: Upload): Promise<void> {
  const answer = await upload(pipeline.setup.gatewayUrl, key, result);
  assert.equal(answer.status, 202, JSON.stringify(answer.body));
}

const decoded = (result: Upload) => result.screenshots.map((s) => Buffer.from(s.data, 'base64'));

test("a robot uploading another robot's result_id gets a run of its own; the other's row, steps and screenshots are untouched", async () => {
  const robotA = pipeline.setup.robotId;
  const resultId = randomUUID();
  const transactionId = randomUUID();
  const ofA: Upload = {
    ...structuredClone(example),
    robot_id: robotA,
    result_id: resultId,
    transaction_id: transactionId,
  };
  // Robot C: the same result_id and transaction, another status, other names, other images (the
  // same formats with bytes of C's own appended, so they hash differently).
  const ofC: Upload = {
    ...structuredClone(ofA),
    robot_id: robotC,
    robot_name: 'robot C',
    transaction_name: 'Written by robot C',
    status: 'FAIL',
    error_code: 500,
    error_message: 'robot C was here',
    steps: ofA.steps.map((step) => ({ ...step, name: `C ${String(step.name)}`, status: 'FAIL' })),
    screenshots: ofA.screenshots.map((screenshot) => ({
      ...screenshot,
      data: Buffer.concat([
        Buffer.from(screenshot.data, 'base64'),
        Buffer.from(`robot C ${randomUUID()}`),
      ]).toString('base64'),
    })),
  };

  await uploadAccepted(pipeline.setup.robotKey, ofA);
  const before = await storedRun(robotA, resultId);
  assert.deepEqual(
    [...before.objects.values()].map((object) => object.bytes),
    decoded(ofA),
    "A's screenshots are A's images",
  );

  await uploadAccepted(robotCKey, ofC);
  const runOfC = await storedRun(robotC, resultId);

  // C's run is its own: C's fields, C's steps, C's images under keys of C's own.
  assert.deepEqual(
    [runOfC.row.transaction_name, runOfC.row.status, runOfC.row.robot_name, runOfC.row.transaction_id],
    ['Written by robot C', 'FAIL', 'robot C', transactionId],
  );
  assert.deepEqual(
    runOfC.steps.map((step) => [step.name, step.status]),
    ofC.steps.map((step) => [step.name, 'FAIL']),
  );
  assert.deepEqual(
    [...runOfC.objects.values()].map((object) => object.bytes),
    decoded(ofC),
  );
  for (const key of runOfC.objects.keys()) {
    assert.ok(!before.objects.has(key), `${key}: C's key is not one of A's`);
    assert.ok(key.includes(`/${robotC}/${resultId}/`), key);
  }

  // A's run is exactly as it was: every column of the row, every step, every object.
  const afterC = await storedRun(robotA, resultId);
  assert.deepEqual(afterC.row, before.row);
  assert.deepEqual(afterC.steps, before.steps);
  assert.deepEqual(afterC.objects, before.objects);

  const { rows } = await pipeline.database.pool.query<{ robot_id: string }>(
    'SELECT robot_id FROM synth_runs WHERE result_id = $1 ORDER BY robot_id',
    [resultId],
  );
  assert.deepEqual(rows.map((row) => row.robot_id).sort(), [robotA, robotC].sort(), 'one run per robot');
});

test('a robot uploading its own run again still stores it once, next to the other robot’s run', async () => {
  const robotA = pipeline.setup.robotId;
  const resultId = randomUUID();
  const transactionId = randomUUID();
  const ofA: Upload = {
    ...structuredClone(example),
    robot_id: robotA,
    result_id: resultId,
    transaction_id: transactionId,
  };
  const ofC: Upload = { ...structuredClone(ofA), robot_id: robotC, transaction_name: 'Written by robot C' };

  await uploadAccepted(pipeline.setup.robotKey, ofA);
  const first = await storedRun(robotA, resultId);
  await uploadAccepted(robotCKey, ofC);
  const runOfC = await storedRun(robotC, resultId);

  // The retry is written again (its row takes the newer record's offset), onto the same row.
  await uploadAccepted(pipeline.setup.robotKey, ofA);
  const again = await storedRun(
    robotA,
    resultId,
    (run) => BigInt(String(run.row.source_offset)) !== BigInt(String(first.row.source_offset)),
  );
  // Only where and when it was received differ.
  const fields = (row: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(row).filter(
        ([column]) => !['source_partition', 'source_offset', 'received_at', 'stored_at'].includes(column),
      ),
    );
  assert.deepEqual(fields(again.row), fields(first.row));
  assert.deepEqual(again.steps, first.steps);
  for (const [key, object] of again.objects) {
    assert.ok(object.bytes.equals(first.objects.get(key)?.bytes ?? Buffer.alloc(0)), `${key}: same bytes`);
  }

  const count = async (sql: string) =>
    Number((await pipeline.database.pool.query(sql, [resultId])).rows[0].n);
  assert.equal(
    await count('SELECT count(*) AS n FROM synth_runs WHERE result_id = $1'),
    2,
    "A's run once, C's once",
  );
  assert.equal(
    await count('SELECT count(*) AS n FROM synth_step_runs WHERE result_id = $1'),
    first.steps.length + runOfC.steps.length,
  );
  // In MinIO: A's objects and C's, each once, and nothing else under the transaction.
  const listed: string[] = [];
  for await (const item of minio.listObjects(bucket, `screenshots/${transactionId}/`, true)) {
    if (item.name) listed.push(item.name);
  }
  assert.deepEqual(listed.sort(), [...first.objects.keys(), ...runOfC.objects.keys()].sort());
  // The objects say which run they belong to, and their hash is the bytes'.
  for (const [key, object] of [...again.objects, ...runOfC.objects]) {
    assert.equal(object.metaData['result-id'], resultId, key);
    assert.equal(object.metaData.sha256, createHash('sha256').update(object.bytes).digest('hex'), key);
  }
  // Served as the image it was checked to be, never sniffed into something else (issue 9).
  const [someKey] = [...first.objects.keys()];
  assert.ok(someKey !== undefined);
  const served = await fetch(await minio.presignedGetObject(bucket, someKey, 60));
  assert.equal(served.status, 200);
  assert.match(served.headers.get('content-type') ?? '', /^image\/(png|jpeg|webp)$/);
  assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
  await served.arrayBuffer();
});

test('a database of the earlier layout is migrated in place: runs and steps kept, keyed by robot', async () => {
  const database = await scratchDatabase();
  try {
    const pool = database.pool;
    await migrate(
      pool,
      listMigrations().filter((migration) => migration.version < 4),
    );
    const [robotA, resultId] = [randomUUID(), randomUUID()];
    await pool.query(
      `INSERT INTO synth_runs (result_id, transaction_id, transaction_name, service, robot_id, environment,
         started_at, finished_at, duration_ms, status, received_at, source_topic, source_partition, source_offset)
       VALUES ($1, $2, 'Checkout', 'webshop', $3, 'production', '2026-11-20T10:00:00Z', '2026-11-20T10:00:04Z',
         4000, 'OK', '2026-11-20T10:00:05Z', 'primoart.synth.results.v1', 0, 7)`,
      [resultId, randomUUID(), robotA],
    );
    await pool.query(
      `INSERT INTO synth_step_runs (result_id, step_index, name, started_at, finished_at, duration_ms, status)
       SELECT $1, i, 'step ' || i, '2026-11-20T10:00:00Z', '2026-11-20T10:00:02Z', 2000, 'OK' FROM generate_series(0, 1) i`,
      [resultId],
    );
    const runBefore = (await pool.query('SELECT * FROM synth_runs')).rows;

    assert.ok((await migrate(pool)).includes(4), 'migration 0004 applied now');
    assert.deepEqual(
      (await pool.query('SELECT * FROM synth_runs')).rows,
      runBefore,
      'the run is kept as it was',
    );
    const steps = (
      await pool.query<{ robot_id: string; result_id: string; step_index: number; name: string }>(
        'SELECT robot_id, result_id, step_index, name FROM synth_step_runs ORDER BY step_index',
      )
    ).rows;
    assert.deepEqual(steps, [
      { robot_id: robotA, result_id: resultId, step_index: 0, name: 'step 0' },
      { robot_id: robotA, result_id: resultId, step_index: 1, name: 'step 1' },
    ]);
    const primaryKey = async (table: string) =>
      (
        await pool.query<{ columns: string }>(
          `SELECT string_agg(a.attname, ',' ORDER BY k.n) AS columns
           FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
           WHERE i.indrelid = $1::regclass AND i.indisprimary`,
          [table],
        )
      ).rows[0]?.columns;
    assert.equal(await primaryKey('synth_runs'), 'robot_id,result_id');
    assert.equal(await primaryKey('synth_step_runs'), 'robot_id,result_id,step_index');
    // A step belongs to its robot's run: deleting the run deletes its steps, and no step can name
    // a run that is not there.
    await assert.rejects(
      pool.query(
        `INSERT INTO synth_step_runs (robot_id, result_id, step_index, name, started_at, finished_at, duration_ms, status)
         VALUES ($1, $2, 0, 'x', now(), now(), 0, 'OK')`,
        [randomUUID(), resultId],
      ),
      /foreign key/,
    );
    await pool.query('DELETE FROM synth_runs WHERE robot_id = $1', [robotA]);
    assert.equal(Number((await pool.query('SELECT count(*) AS n FROM synth_step_runs')).rows[0].n), 0);
  } finally {
    await database.drop();
  }
});
