// `primoart replay` on a running stack, as an operator runs it. The stack's own synth-store is
// started by the runner (as `up --only synth-store` starts it, on the stack's database) and left to
// catch up; then `replay --group primoart.synth-store --from earliest` stops it, moves the offsets,
// starts it again and waits until the group has caught up: the synth_runs rows are the same
// afterwards, Alerta got nothing new, and the one summary line (the output is no terminal) ends in
// the count of records, which the restarted instance did consume. Then `--to-group` fills a fresh
// group while the live group's offsets stay where they were.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { runningPid } from '../../infra/stack/pid-file.ts';
import { synthStore } from '../../infra/stack/services/primoart-processes.ts';
import { stateLayout } from '../../infra/stack/stack-paths.ts';
import { localStack } from '../../scripts/replay/local-stack.ts';
import { topics } from '../../topics/catalog.ts';
import { heartbeatOriginOf } from '../../workers/heartbeats.ts';
import { synthStoreTopics } from '../../workers/synth-store/definition.ts';
import { type AlertaAlert, alerta } from './alerta.ts';
import { repoDir, stack, waitCaughtUp, waitFor, withAdmin } from './stack.ts';

const group = 'primoart.synth-store';
const local =
  localStack(stack.stateDir(), () => undefined) ?? assert.fail(`no local stack in ${stack.stateDir()}`);
const pidOf = () => runningPid(stateLayout.pidFile(local.ctx.paths, synthStore.name));
const workerUrl = () => synthStore.url?.(local.ctx) ?? assert.fail('synth-store has no URL');

/** `node scripts/cli.ts …` to its end, stdout and stderr apart (neither is a terminal). */
async function primoart(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(repoDir, 'scripts', 'cli.ts'), ...args],
      {
        cwd: repoDir,
        env: { ...process.env, NODE_OPTIONS: '--disable-warning=TimeoutNegativeWarning' },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Every column of every run, in key order, as one digest: what a rewrite must reproduce. */
async function runsChecksum(): Promise<{ rows: number; digest: string }> {
  const client = new pg.Client({ connectionString: stack.pgUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ rows: number; digest: string }>(
      `SELECT count(*)::int AS rows,
              md5(coalesce(string_agg(md5(r::text), '' ORDER BY robot_id, result_id), '')) AS digest
       FROM synth_runs r`,
    );
    return rows[0] ?? assert.fail('no checksum');
  } finally {
    await client.end();
  }
}

/** The group's committed offsets on synth-store's topics (where it has one), each partition's [start, end). */
function offsetsOf(groupId: string) {
  return withAdmin(async (admin) => {
    const committed: Record<string, string> = {};
    const held: Record<string, { low: number; high: number }> = {};
    for (const topic of synthStoreTopics) {
      for (const c of await admin.groupOffsets(groupId, topic))
        if (c.offset !== '-1') committed[`${topic}/${c.partition}`] = c.offset;
      for (const p of await admin.topicOffsets(topic))
        held[`${topic}/${p.partition}`] = { low: Number(p.low), high: Number(p.high) };
    }
    return { committed, held };
  });
}

/** A counter of the stack's synth-store (this process's, since its start), on one topic. */
async function consumed(topic: string): Promise<number> {
  const body = await (await fetch(`${workerUrl()}/metrics`)).text();
  return body
    .split('\n')
    .filter((line) => line.startsWith('primoart_worker_consumed_total{') && line.includes(`topic="${topic}"`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/**
 * Alerta's alerts, each as what a new page or a repeat changes, except the pipeline's health about
 * synth-store: starting and stopping it opens and closes its ProcessDown, and a long replay is lag
 * (ConsumerLagHigh after 5 min) and dead-letters again the poison records it meets; those are the
 * pipeline-health rules' doing (infra/vmalert/pipeline-health.rules.yml), not a problem re-sent.
 */
async function alertsNow(): Promise<Map<string, string>> {
  const { alerts } = await alerta<{ alerts: AlertaAlert[] }>('GET', '/alerts?page-size=10000');
  return new Map(
    alerts
      .filter((a) => !(a.group === 'pipeline-health' && a.resource === 'synth-store'))
      .map((a) => [a.id, `${a.event} ${a.resource} ${a.status} ×${a.duplicateCount} ${a.lastReceiveTime}`]),
  );
}

/** The Alerta heartbeats of the stack's synth-store (its origin), by id. */
async function heartbeatsOfSynthStore(): Promise<string[]> {
  const origin = heartbeatOriginOf('synth-store', new URL(workerUrl()).host);
  const { heartbeats } = await alerta<{ heartbeats: Array<{ id: string; origin: string }> }>(
    'GET',
    `/heartbeats?origin=${encodeURIComponent(origin)}`,
  );
  return heartbeats.filter((beat) => beat.origin === origin).map((beat) => beat.id);
}

let heartbeatBefore = false;

before(async () => {
  heartbeatBefore = (await heartbeatsOfSynthStore()).length > 0;
  // As `up --only synth-store` starts it, without the gateway it depends on: the suite runs none.
  await local.locked(() => local.start([synthStore]));
});

after(async () => {
  // Stopped again whatever happened: the suite's own processes are the tests', not the stack's.
  await local.locked(() => local.stop(local.runningInstances('synth-store')));
  // A heartbeat this file brought into Alerta would go stale now and be an alert later.
  if (!heartbeatBefore)
    for (const id of await heartbeatsOfSynthStore()) await alerta('DELETE', `/heartbeat/${id}`);
});

test('replay --from earliest on the running stack rebuilds the same runs, pages nobody, and says how many records', async () => {
  await waitCaughtUp(
    synthStoreTopics.map((topic) => [group, topic] as const),
    { stallMs: 120_000, timeoutMs: 30 * 60_000 },
  );
  const before = await runsChecksum();
  assert.ok(before.rows > 0, 'the stack database holds runs to rebuild');
  const { held } = await offsetsOf(group);
  const replayed = Object.values(held).reduce((sum, p) => sum + (p.high - p.low), 0);
  const resultsHeld = Object.entries(held)
    .filter(([key]) => key.startsWith(`${topics.synthResults.name}/`))
    .reduce((sum, [, p]) => sum + (p.high - p.low), 0);
  const pidBefore = pidOf();
  const alertsBefore = await alertsNow();

  const replay = await primoart(['replay', '--group', group, '--from', 'earliest', '--timeout', '30m']);
  assert.equal(replay.code, 0, `replay failed:\n${replay.stdout}\n${replay.stderr}`);
  const lines = replay.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one summary line when the output is no terminal:\n${replay.stdout}`);
  const summary =
    /^replay of primoart\.synth-store from earliest: caught up, ([0-9,]+) records reprocessed in .+$/.exec(
      lines[0] ?? '',
    );
  assert.ok(summary, `the summary line: ${lines[0]}`);
  assert.equal(Number(summary[1]?.replaceAll(',', '')), replayed, 'every record of every topic it reads');

  // It stopped the stack's instance and started another, which read the whole results topic again.
  const pidAfter = pidOf();
  assert.ok(
    pidAfter !== undefined && pidAfter !== pidBefore,
    `a new synth-store process (${pidBefore} → ${pidAfter})`,
  );
  assert.ok(
    (await consumed(topics.synthResults.name)) >= resultsHeld,
    'the new process read every result again',
  );
  const { committed, held: end } = await offsetsOf(group);
  for (const [key, p] of Object.entries(end))
    assert.ok(
      Number(committed[key]) >= p.high,
      `${group} caught up on ${key}: ${committed[key]} of ${p.high}`,
    );

  assert.deepEqual(await runsChecksum(), before, 'the same synth_runs rows, every column');
  const alertsAfter = await alertsNow();
  const paged = [...alertsAfter].filter(([id, alert]) => alertsBefore.get(id) !== alert).map(([, a]) => a);
  assert.deepEqual(paged, [], 'no alert is new or repeated in Alerta');
});

test('replay --to-group fills a fresh group and leaves the live group where it was', async () => {
  const fresh = `primoart.synth-store.it-${randomUUID().slice(0, 8)}`;
  const live = await offsetsOf(group);
  // A few thousand results at most: the newest of the fullest partition (an offset is clamped to
  // each partition's end, so the others have nothing to read).
  const results = Object.entries(live.held).filter(([key]) => key.startsWith(`${topics.synthResults.name}/`));
  const from = Math.max(...results.map(([, p]) => p.high)) - 2_000;
  const expected = results.reduce((sum, [, p]) => sum + Math.max(0, p.high - Math.max(from, p.low)), 0);
  assert.ok(expected > 0, 'records to replay');

  const dry = await primoart([
    ...['replay', '--group', group, '--from', String(from), '--topic', topics.synthResults.name],
    ...['--to-group', fresh, '--dry-run'],
  ]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`total: ${expected.toLocaleString('en-US')} records on`));
  assert.deepEqual((await offsetsOf(fresh)).committed, {}, 'a dry run changes nothing');

  const origins = async () =>
    (await alerta<{ heartbeats: Array<{ origin: string }> }>('GET', '/heartbeats')).heartbeats
      .map((beat) => beat.origin)
      .filter((origin) => origin.startsWith('primoart/synth-store/'));
  const originsBefore = await origins();
  const replay = await primoart([
    ...['replay', '--group', group, '--from', String(from), '--topic', topics.synthResults.name],
    ...['--to-group', fresh, '--timeout', '10m'],
  ]);
  assert.equal(replay.code, 0, `replay failed:\n${replay.stdout}\n${replay.stderr}`);
  assert.match(
    replay.stdout.trim(),
    new RegExp(
      `^replay of primoart\\.synth-store from offset ${from} into ${fresh.replaceAll('.', '\\.')}: caught up, ` +
        `${expected.toLocaleString('en-US')} records reprocessed in .+$`,
    ),
  );

  const after = await offsetsOf(fresh);
  for (const [key, p] of Object.entries(after.held)) {
    const committed = Number(after.committed[key] ?? -1);
    // Its other topics start at their end: nothing of theirs is read again.
    assert.ok(committed >= p.high, `${fresh} reached the end of ${key}: ${committed} of ${p.high}`);
  }
  assert.deepEqual((await offsetsOf(group)).committed, live.committed, 'the live group did not move');
  // A one-off run sends no heartbeat: one would go stale when it stops, and page.
  assert.deepEqual(
    (await origins()).filter((origin) => !originsBefore.includes(origin)),
    [],
    'no heartbeat from the run on the fresh group',
  );
  // The one-off worker left the group when it was done.
  await waitFor('the fresh group to have no members', () =>
    withAdmin(async (admin) => (await admin.groupMembers(fresh)).length === 0),
  );
});
