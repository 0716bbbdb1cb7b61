// `primoart replay` on a running stack, as an operator runs it, on a stack of the test's own
// (`up --port-offset 8000 --only gateway,synth-store,alerta-forwarder,alertmanager` in a temporary state
// directory): its topics hold only what this test publishes, so a replay from earliest takes
// seconds, where the suite's shared results topic (hundreds of thousands of records on a machine
// that has run the suite for weeks) took ten minutes. The test uploads results and produces events;
// `replay --group primoart.synth-store --from earliest` stops the stack's synth-store, moves the
// offsets, starts it again and waits until the group has caught up: the synth_runs rows are the
// same afterwards, and the one summary line (the output is no terminal) ends in the count of
// records, which the restarted instance did consume. Replaying the alerta-forwarder's group from
// earliest re-pages nobody: every alert in Alerta is as it was. Then `--to-group` fills a fresh
// group while the live group's offsets stay where they were.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { runningPid } from '../../infra/stack/pid-file.ts';
import { defaultPorts, offsetPorts } from '../../infra/stack/ports.ts';
import { synthStore } from '../../infra/stack/services/primoart-processes.ts';
import { stateLayout } from '../../infra/stack/stack-paths.ts';
import { toEventRecord } from '../../schemas/event-records.ts';
import { type LocalStack, localStack } from '../../scripts/replay/local-stack.ts';
import { topics } from '../../topics/catalog.ts';
import { createTopicCodec } from '../../topics/codec.ts';
import { synthStoreTopics } from '../../workers/synth-store/definition.ts';
import { type AlertaAlert, alerta } from './alerta.ts';
import {
  freshResult,
  kafkaConnection,
  portFree,
  repoDir,
  runCli,
  stack,
  upload,
  waitCaughtUp,
  waitFor,
  withAdmin,
} from './stack.ts';

const group = 'primoart.synth-store';
const forwarderGroup = 'primoart.alerta-forwarder';
const portOffset = 8000;
const stateDir = mkdtempSync(join(tmpdir(), 'primoart-replay-'));
const state = ['--state-dir', stateDir];
let local: LocalStack;
const pidOf = () => runningPid(stateLayout.pidFile(local.ctx.paths, synthStore.name));
const workerUrl = () => synthStore.url?.(local.ctx) ?? assert.fail('synth-store has no URL');

/** The `export NAME=value` lines of `primoart env`, as a shell would read them. */
function parseExports(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match === null) continue;
    const raw = match[2] ?? '';
    variables[match[1] as string] = raw.startsWith("'") ? raw.slice(1, -1).replaceAll("'\\''", "'") : raw;
  }
  return variables;
}

before(async () => {
  const ports = Object.values(offsetPorts(defaultPorts, portOffset));
  const taken: number[] = [];
  for (const port of ports) if (!(await portFree(port))) taken.push(port);
  assert.deepEqual(taken, [], `ports of the offset stack (+${portOffset}) already taken`);
  const up = await runCli([
    'up',
    ...state,
    '--port-offset',
    String(portOffset),
    '--only',
    'gateway,synth-store,alerta-forwarder,alertmanager',
  ]);
  assert.equal(up.code, 0, up.output);
  const env = await runCli(['env', ...state]);
  assert.equal(env.code, 0, env.output);
  // This file's process and every CLI it runs talk to the test's stack from here on.
  Object.assign(process.env, parseExports(env.output));
  local = localStack(stateDir, () => undefined) ?? assert.fail(`no local stack in ${stateDir}`);

  // Results through the gateway, and events for the forwarder: what the replays go through again.
  const gatewayUrl = process.env.PRIMOART_GATEWAY_URL ?? assert.fail('no gateway URL');
  const adminKey = process.env.PRIMOART_ADMIN_KEY ?? assert.fail('no admin key');
  for (let batch = 0; batch < 10; batch++) {
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => upload(gatewayUrl, adminKey, freshResult())),
    );
    assert.deepEqual([...new Set(answers.map((answer) => answer.status))], [202]);
  }
  const codec = await createTopicCodec(stack.registryUrl(), topics.events);
  const producer = await kafkaConnection().producer();
  try {
    for (const kind of ['availability', 'performance'] as const)
      for (let i = 0; i < 3; i++) {
        const transactionId = randomUUID();
        const record = toEventRecord({
          event_id: randomUUID(),
          action: 'open',
          kind,
          severity: kind === 'availability' ? 'critical' : 'major',
          transaction_id: transactionId,
          transaction_name: `Checkout ${i}`,
          service: 'webshop',
          environment: 'test',
          location: null,
          occurred_at: new Date(Date.now() - 10_000),
          result_id: randomUUID(),
          value: kind === 'availability' ? 'FAILED' : '4200 ms',
          text: `Checkout ${i}: ${kind}`,
          baseline: null,
          suppressed: false,
          maintenance_window_id: null,
          robot_id: null,
          locations: [],
          locations_total: 1,
        });
        await producer.send([
          {
            topic: topics.events.name,
            messages: [{ key: transactionId, value: await codec.encode(record) }],
          },
        ]);
      }
  } finally {
    await producer.disconnect();
  }
  await waitFor(
    'the forwarder to open an alert per event',
    async () => (await alertsNow()).size >= 6,
    120_000,
  );
});

after(async () => {
  const down = await runCli(['down', ...state]);
  if (down.code !== 0) process.stderr.write(down.output);
  rmSync(stateDir, { recursive: true, force: true });
});

/** `node scripts/cli.ts …` to its end, stdout and stderr apart (neither is a terminal). */
async function primoart(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(repoDir, 'scripts', 'cli.ts'), ...args, ...state],
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

/** Alerta's alerts, each as what a new page or a repeat changes. */
async function alertsNow(): Promise<Map<string, string>> {
  const { alerts } = await alerta<{ alerts: AlertaAlert[] }>('GET', '/alerts?page-size=10000');
  return new Map(
    alerts.map((a) => [
      a.id,
      `${a.event} ${a.resource} ${a.status} ×${a.duplicateCount} ${a.lastReceiveTime}`,
    ]),
  );
}

test('replay --from earliest on the running stack rebuilds the same runs, pages nobody, and says how many records', async () => {
  await waitCaughtUp(
    synthStoreTopics.map((topic) => [group, topic] as const),
    { stallMs: 120_000, timeoutMs: 10 * 60_000 },
  );
  const before = await runsChecksum();
  assert.equal(before.rows, 300, 'the stack database holds the runs to rebuild');
  const { held } = await offsetsOf(group);
  const replayed = Object.values(held).reduce((sum, p) => sum + (p.high - p.low), 0);
  const resultsHeld = Object.entries(held)
    .filter(([key]) => key.startsWith(`${topics.synthResults.name}/`))
    .reduce((sum, [, p]) => sum + (p.high - p.low), 0);
  const pidBefore = pidOf();
  const alertsBefore = await alertsNow();

  const replay = await primoart(['replay', '--group', group, '--from', 'earliest', '--timeout', '10m']);
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
      // An empty partition has nothing to commit.
      p.high === p.low || Number(committed[key]) >= p.high,
      `${group} caught up on ${key}: ${committed[key]} of ${p.high}`,
    );

  assert.deepEqual(await runsChecksum(), before, 'the same synth_runs rows, every column');

  // Its lag and dead letters were silenced for the replay, and stay so only a while after it.
  const alertmanagerUrl = process.env.PRIMOART_ALERTMANAGER_URL ?? assert.fail('no Alertmanager URL');
  const silences = (await (await fetch(`${alertmanagerUrl}/api/v2/silences`)).json()) as Array<{
    createdBy: string;
    comment: string;
    endsAt: string;
    status: { state: string };
    matchers: Array<{ name: string; value: string }>;
  }>;
  const silence = silences.find((candidate) => candidate.createdBy === 'primoart replay');
  assert.ok(silence, `a silence by primoart replay among ${JSON.stringify(silences)}`);
  assert.equal(silence.status.state, 'active');
  assert.match(silence.comment, /^replay of primoart\.synth-store from earliest/);
  assert.deepEqual(
    silence.matchers.map((m) => [m.name, m.value]),
    [
      ['alertname', 'ConsumerLagHigh|DeadLettersIncreasing'],
      ['worker', 'synth-store'],
    ],
  );
  const endsIn = Date.parse(silence.endsAt) - Date.now();
  assert.ok(
    endsIn > 5 * 60_000 && endsIn <= 10 * 60_000,
    `ends 10 min after the catch-up, not ${endsIn} ms from now`,
  );

  // The events again: the forwarder's group from earliest sends nothing Alerta has had (its ledger
  // of delivered events), so no alert is re-opened, repeated or new.
  await waitCaughtUp([[forwarderGroup, topics.events.name]], { stallMs: 120_000, timeoutMs: 5 * 60_000 });
  const forwarded = await primoart([
    'replay',
    '--group',
    forwarderGroup,
    '--from',
    'earliest',
    '--timeout',
    '5m',
  ]);
  assert.equal(forwarded.code, 0, `replay failed:\n${forwarded.stdout}\n${forwarded.stderr}`);
  assert.match(
    forwarded.stdout.trim(),
    /^replay of primoart\.alerta-forwarder from earliest: caught up, 6 records reprocessed in .+$/,
  );
  const alertsAfter = await alertsNow();
  assert.equal(alertsAfter.size, 6, 'the six problems, each one alert');
  const paged = [...alertsAfter].filter(([id, alert]) => alertsBefore.get(id) !== alert).map(([, a]) => a);
  assert.deepEqual(paged, [], 'no alert is new or repeated in Alerta');
});

test('replay --to-group fills a fresh group and leaves the live group where it was', async () => {
  const fresh = `primoart.synth-store.it-${randomUUID().slice(0, 8)}`;
  const live = await offsetsOf(group);
  // The newest 30 of the fullest partition (an offset is clamped to each partition's range: the
  // others have less or nothing to read).
  const results = Object.entries(live.held).filter(([key]) => key.startsWith(`${topics.synthResults.name}/`));
  const from = Math.max(0, Math.max(...results.map(([, p]) => p.high)) - 30);
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
    assert.ok(
      p.high === p.low || committed >= p.high,
      `${fresh} reached the end of ${key}: ${committed} of ${p.high}`,
    );
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
