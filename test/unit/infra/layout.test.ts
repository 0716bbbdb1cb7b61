// The stack layout: what `up --kafka-brokers/--scale` keep in the state directory, and what they refuse.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { withInstances } from '../../../infra/stack/commands.ts';
import { createStackContext } from '../../../infra/stack/context.ts';
import {
  changedLayout,
  defaultLayout,
  instanceName,
  LayoutError,
  layoutFile,
  readLayout,
  writeLayout,
} from '../../../infra/stack/layout.ts';
import { defaultPorts, kafkaNodePorts, workerInstancePort } from '../../../infra/stack/ports.ts';
import { stackServices } from '../../../infra/stack/services/index.ts';
import {
  instancePort,
  processService,
  scalableWorkers,
} from '../../../infra/stack/services/primoart-processes.ts';
import { projectProcess, projectProcesses } from '../../../infra/stack/services/process-list.ts';

const scalable = ['synth-store', 'logs-store'];

test('a state directory without stack.json is one broker and one of each worker; what up writes is read back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'primoart-layout-'));
  try {
    assert.deepEqual(readLayout(dir), defaultLayout);
    const layout = changedLayout(defaultLayout, { kafkaBrokers: 3, scale: { 'synth-store': 3 } }, scalable);
    writeLayout(dir, layout);
    assert.deepEqual(readLayout(dir), { kafkaBrokers: 3, scale: { 'synth-store': 3 } });
    assert.equal(statSync(layoutFile(dir)).mode & 0o777, 0o600);
    // Scaled back to 1, a worker leaves the file; other flags keep what was there.
    assert.deepEqual(changedLayout(readLayout(dir), { scale: { 'synth-store': 1 } }, scalable), {
      kafkaBrokers: 3,
      scale: {},
    });
    writeFileSync(layoutFile(dir), '{"kafka_brokers": 2}');
    assert.throws(() => readLayout(dir), /kafka brokers must be one of 1, 3, 5, got 2/);
    writeFileSync(layoutFile(dir), 'not json');
    assert.throws(() => readLayout(dir), LayoutError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('only workers whose state is all in their store scale, to at most 6 instances', () => {
  assert.deepEqual([...scalableWorkers].sort(), [
    'artifact-store',
    'logs-store',
    'metrics-store',
    'synth-store',
  ]);
  assert.throws(
    () => changedLayout(defaultLayout, { scale: { baseline: 2 } }, scalableWorkers),
    /'baseline' cannot be scaled here/,
  );
  assert.throws(
    () => changedLayout(defaultLayout, { scale: { 'synth-store': 7 } }, scalable),
    /from 1 to 6, got 7/,
  );
  assert.throws(
    () => changedLayout(defaultLayout, { scale: { 'synth-store': 0 } }, scalable),
    /from 1 to 6, got 0/,
  );
  // An offset that would land some port on the default stack's is refused.
  assert.throws(
    () => changedLayout(defaultLayout, { portOffset: 1 }, scalable),
    /0 or a whole number from 4000/,
  );
  assert.equal(changedLayout(defaultLayout, { portOffset: 12_000 }, scalable).portOffset, 12_000);
});

test('no port of any node or instance collides with another service of the stack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'primoart-layout-'));
  try {
    const ctx = createStackContext({
      paths: { repoDir: '/repo', cacheDir: '/cache', stateDir: dir },
      layout: { kafkaBrokers: 5, scale: Object.fromEntries(scalableWorkers.map((w) => [w, 6])) },
      createSecrets: false,
    });
    const taken: number[] = Object.entries(defaultPorts)
      .filter(([key]) => key !== 'workerInstances')
      .map(([, port]) => port);
    for (let id = 2; id <= 5; id++) taken.push(...Object.values(kafkaNodePorts(defaultPorts, id)));
    for (const worker of projectProcesses.filter((p) => p.kind === 'worker')) {
      for (let index = 2; index <= 6; index++) taken.push(instancePort(ctx, worker, index));
    }
    assert.equal(new Set(taken).size, taken.length, `a port is used twice: ${taken.sort().join(' ')}`);
    assert.equal(workerInstancePort(defaultPorts, 0, 2), 18202);
    assert.equal(instanceName('synth-store', 1), 'synth-store');
    assert.equal(processService(projectProcess('synth-store'), 3).name, 'synth-store-3');
    assert.equal(processService(projectProcess('synth-store'), 3).url?.(ctx), 'http://127.0.0.1:18203');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--only names a service with its numbered siblings: every instance of a worker, every Kafka node', () => {
  const services = stackServices({ kafkaBrokers: 3, scale: { 'synth-store': 2 } });
  assert.deepEqual(withInstances(['kafka'], services)?.sort(), ['kafka', 'kafka-2', 'kafka-3']);
  assert.deepEqual(withInstances(['synth-store', 'postgres'], services)?.sort(), [
    'postgres',
    'synth-store',
    'synth-store-2',
  ]);
  assert.equal(withInstances(undefined, services), undefined);
});
