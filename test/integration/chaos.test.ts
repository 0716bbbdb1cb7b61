// A stack of the test's own beside the suite's (`up --port-offset 12000`): 3 Kafka brokers and two
// instances of each store worker, as an operator starts it. On it, scaling as operators expect it
// (synth-store to 3 and back to 1, one command each, every instance ready and shown by `status`
// with its partitions, every upload made meanwhile stored once), then a short `primoart chaos` run
// (a broker, worker instances, every store and the gateway fail under load): nothing missing and
// nothing duplicated in any store, no 503 while a broker is down. `primoart chaos` with its
// defaults is the long run (README.md "Several hosts").
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createStackContext } from '../../infra/stack/context.ts';
import { defaultPorts, kafkaNodePorts, offsetPorts, workerInstancePort } from '../../infra/stack/ports.ts';
import { postgres } from '../../infra/stack/services/postgres.ts';
import { currentPathInputs, resolveStackPaths } from '../../infra/stack/stack-paths.ts';
import { storesCaughtUp } from '../../scripts/chaos/command.ts';
import { Load } from '../../scripts/chaos/load.ts';
import { countPostgres } from '../../scripts/chaos/verify.ts';
import { portFree, runCli, startCli, waitFor } from './stack.ts';

// Every port of the stack + 12000 stays below the kernel's ephemeral range (from 32768): a broker or
// store restarted by the chaos run must find its port free, not taken by some client's connection.
const portOffset = 12_000;
const stateDir = mkdtempSync(join(tmpdir(), 'primoart-chaos-'));
const state = ['--state-dir', stateDir];

after(async () => {
  const down = await runCli(['down', ...state]);
  if (down.code !== 0) process.stderr.write(down.output);
  rmSync(stateDir, { recursive: true, force: true });
});

/** Every port the offset stack takes must be free: say which is not, rather than fail obscurely. */
async function assertPortsFree(): Promise<void> {
  const moved = offsetPorts(defaultPorts, portOffset);
  const ports = [
    ...Object.values(moved),
    ...[2, 3].flatMap((node) => Object.values(kafkaNodePorts(moved, node))),
    ...[0, 1, 2, 3].flatMap((slot) => [2, 3].map((index) => workerInstancePort(moved, slot, index))),
  ];
  const taken: number[] = [];
  for (const port of ports) if (!(await portFree(port))) taken.push(port);
  assert.deepEqual(taken, [], `ports of the offset stack (+${portOffset}) already taken`);
}

async function cli(args: string[]): Promise<string> {
  const { code, output } = await runCli(args);
  assert.equal(code, 0, `primoart ${args.join(' ')}:\n${output.slice(-4000)}`);
  return output;
}

/** The `worker instances` rows of `status`: instance → its results partitions. */
async function resultsPartitions(): Promise<Map<string, string>> {
  const { output } = await runCli(['status', ...state]);
  const rows = new Map<string, string>();
  const section = output.split('worker instances:\n')[1] ?? '';
  for (const line of section.split('\n').slice(1)) {
    const [name, ...rest] = line.split(/\s{2,}/);
    if (name === undefined || name === '') continue;
    rows.set(name, /synth\.results ([0-9,]+)/.exec(rest.join(' '))?.[1] ?? '');
  }
  return rows;
}

/** Until exactly these synth-store instances hold the results topic's 6 partitions between them. */
function spreadOver(instances: string[]) {
  return waitFor(
    `the results partitions spread over ${instances.join(', ')}`,
    async () => {
      const rows = await resultsPartitions();
      const held = [...rows].filter(([name]) => /^synth-store(-[0-9]+)?$/.test(name));
      const partitions = held.flatMap(([, list]) => (list === '' ? [] : list.split(',')));
      const ok =
        JSON.stringify(held.map(([name]) => name).sort()) === JSON.stringify([...instances].sort()) &&
        held.every(([, list]) => list !== '') &&
        JSON.stringify(partitions.sort()) === JSON.stringify(['0', '1', '2', '3', '4', '5']);
      return ok ? rows : undefined;
    },
    120_000,
    2_000,
  );
}

test('scaling on a running stack: synth-store to 3 and back to 1, one command each, every upload stored once', async () => {
  await assertPortsFree();
  await cli([
    'up',
    ...state,
    '--port-offset',
    String(portOffset),
    '--kafka-brokers',
    '3',
    '--scale',
    'synth-store=2,artifact-store=2,logs-store=2,metrics-store=2',
  ]);
  const ctx = createStackContext({
    paths: resolveStackPaths(currentPathInputs(stateDir)),
    createSecrets: false,
  });
  await spreadOver(['synth-store', 'synth-store-2']);

  const load = new Load({
    gatewayUrl: `http://127.0.0.1:${ctx.ports.gateway}`,
    apiKey: ctx.secrets.adminApiKey,
    session: `scale-${process.pid}`,
    robots: 4,
    intervalMs: 250,
    otlpBatch: 1,
  });
  load.start();
  const up = await cli(['up', ...state, '--scale', 'synth-store=3']);
  assert.match(up, /synth-store-3: ready/);
  const three = await spreadOver(['synth-store', 'synth-store-2', 'synth-store-3']);
  process.stderr.write(`# scaled to 3: ${JSON.stringify([...three])}\n`);
  const down = await cli(['up', ...state, '--scale', 'synth-store=1']);
  assert.match(down, /synth-store-3: stopped/);
  assert.match(down, /synth-store-2: stopped/);
  await spreadOver(['synth-store']);
  await load.stop();
  assert.deepEqual(load.refused, []);

  await storesCaughtUp(ctx, ['synth-store'], (line) => process.stderr.write(`# ${line}\n`));
  const stored = await countPostgres(postgres.env(ctx).PRIMOART_PG_URL as string, load.results);
  process.stderr.write(`# ${JSON.stringify(stored)}\n`);
  assert.ok(load.results.length > 0);
  assert.equal(stored.missing, 0, 'every upload made while scaling is stored');
  assert.equal(stored.duplicated, 0, 'and stored once');
  await cli(['up', ...state, '--scale', 'synth-store=2']);
});

test('a short chaos run: nothing missing or duplicated in any store, no 503 while a broker is down', async () => {
  // Bounded (a 2-minute run takes ~3 here), so a stack that never recovers fails this file
  // instead of holding the suite: the run is stopped after 15 minutes.
  const run = startCli([
    'chaos',
    ...state,
    '--minutes',
    '2',
    '--outage-seconds',
    '8',
    '--worker-kills',
    '2',
    '--broker-kills',
    '1',
  ]);
  const limit = setTimeout(() => void run.stop('SIGTERM'), 15 * 60_000);
  const code = await run.exited;
  clearTimeout(limit);
  const output = run.output();
  process.stderr.write(
    output
      .split('\n')
      .filter((line) => !line.startsWith('{'))
      .join('\n'),
  );
  assert.equal(code, 0, 'primoart chaos found something missing, duplicated or a 503 (its tables above)');
});
