// What synth-store sends PostgreSQL for a batch of runs: a run is identified by (robot_id,
// result_id), so two robots with the same result_id are two runs with steps of their own, and the
// same robot's run twice in a batch is written once, the later copy. The statements themselves run
// against the real PostgreSQL in test/integration/robot-isolation.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pool } from 'pg';
import { fromAvroResult, toAvroResult, validateTransactionResult } from '../../../../schemas/index.ts';
import type { SynthResult } from '../../../../schemas/record-types.ts';
import { latestRuns, robotLockKey, runKey, writeRuns } from '../../../../workers/synth-store/writer.ts';
import { exampleJson } from '../../schemas/example-files.ts';

const robotA = '7d4c3a52-5d0e-4b8e-9a51-2f3c4b5a6d7e';
const robotC = '0c0c0c0c-1d2e-4f3a-8b4c-5d6e7f8a9b0c';
const source = (offset: number) => ({
  topic: 'primoart.synth.results.v1',
  partition: 0,
  offset: String(offset),
});

function run(overrides: Record<string, unknown>): SynthResult {
  const validation = validateTransactionResult(
    { ...(exampleJson('valid/full.json') as Record<string, unknown>), ...overrides },
    { now: new Date('2026-11-23T12:00:00Z'), defaultEnvironment: 'production' },
  );
  assert.ok(validation.ok, JSON.stringify(validation));
  return fromAvroResult(
    toAvroResult(validation.value, { receivedAt: new Date('2026-11-20T10:00:30Z') }).result,
  );
}

/** A pool whose one client records every statement and its parameters. */
function recordingPool() {
  const queries: Array<{ sql: string; params: unknown[] }> = [];
  const client = {
    query: async (sql: string, params: unknown[] = []) => {
      queries.push({ sql, params });
      return { rows: [], rowCount: 0 };
    },
    on: () => client,
    off: () => client,
    release: () => undefined,
  };
  return { pool: { connect: async () => client } as unknown as Pool, queries };
}

const statement = (queries: Array<{ sql: string; params: unknown[] }>, start: RegExp) => {
  const found = queries.find((q) => start.test(q.sql.trim()));
  assert.ok(found, `a statement matching ${start}`);
  return found;
};

test('a run is keyed by robot and result_id: the same result_id from two robots is two keys', () => {
  const resultId = '11111111-2222-4333-8444-555555555555';
  assert.notEqual(
    runKey({ robot_id: robotA, result_id: resultId }),
    runKey({ robot_id: robotC, result_id: resultId }),
  );
  // PostgreSQL compares uuids without regard to case: so does the key.
  assert.equal(
    runKey({ robot_id: robotA.toUpperCase(), result_id: resultId.toUpperCase() }),
    runKey({ robot_id: robotA, result_id: resultId }),
  );
});

test('latestRuns keeps one entry per (robot, result_id), the later copy of a robot re-uploading', () => {
  const first = { run: run({ robot_id: robotA, status: 'OK' }), source: source(1) };
  const otherRobot = { run: run({ robot_id: robotC, status: 'FAIL' }), source: source(2) };
  const again = { run: run({ robot_id: robotA, status: 'WARNING' }), source: source(3) };
  assert.equal(first.run.result_id, otherRobot.run.result_id);
  assert.deepEqual(latestRuns([first, otherRobot, again]), [again, otherRobot]);
});

test('writeRuns upserts on (robot_id, result_id) and replaces only the steps of the runs it writes', async () => {
  const { pool, queries } = recordingPool();
  const ofA = run({ robot_id: robotA });
  const ofC = run({ robot_id: robotC, transaction_name: 'Not A’s run', status: 'FAIL' });
  assert.equal(ofA.result_id, ofC.result_id);
  await writeRuns(pool, [
    { run: ofA, source: source(1) },
    { run: ofC, source: source(2) },
  ]);

  const upsert = statement(queries, /^INSERT INTO synth_runs/);
  assert.match(upsert.sql, /ON CONFLICT \(robot_id, result_id\) DO UPDATE/);
  // The conflict target is the key: an update never moves a run to another robot.
  assert.doesNotMatch(upsert.sql.split('DO UPDATE SET')[1] ?? '', /robot_id\s*=/);
  const rows = JSON.parse(upsert.params[0] as string) as Array<{ robot_id: string; status: string }>;
  assert.deepEqual(
    rows.map((row) => [row.robot_id, row.status]),
    [
      [robotA, ofA.status],
      [robotC, 'FAIL'],
    ],
  );

  const deletion = statement(queries, /^DELETE FROM synth_step_runs/);
  assert.deepEqual(deletion.params, [
    [robotA, robotC],
    [ofA.result_id, ofC.result_id],
  ]);
  const steps = JSON.parse(statement(queries, /^INSERT INTO synth_step_runs/).params[0] as string) as Array<{
    robot_id: string;
    result_id: string;
  }>;
  assert.equal(steps.length, ofA.steps.length + ofC.steps.length);
  assert.deepEqual(
    [...new Set(steps.map((step) => step.robot_id))],
    [robotA, robotC],
    'every step row carries its run’s robot',
  );
});

test("robots' rollup lock keys differ even where their uuids share the first 32 bits", () => {
  // The simulated fleet's robots, and UUIDv7s made in the same millisecond, share them.
  const robots = [
    'c4a1e7b2-8f3d-4a69-b5c0-1e2d3f4a5b01',
    'c4a1e7b2-8f3d-4a69-b5c0-1e2d3f4a5b02',
    'c4a1e7b2-8f3d-4a69-b5c0-1e2d3f4a5b03',
  ];
  assert.equal(new Set(robots.map(robotLockKey)).size, robots.length);
  assert.equal(robotLockKey(robots[0]?.toUpperCase() ?? ''), robotLockKey(robots[0] ?? ''), 'case-blind');
  for (const key of robots.map(robotLockKey)) assert.ok(Number.isInteger(key) && Math.abs(key) < 2 ** 31);
});
