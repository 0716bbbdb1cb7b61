// Several instances of a worker on one host (`primoart worker synth-store --instance 2`, systemd's
// primoart-worker@synth-store:2): each on an address of its own, on the host its section names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPorts, workerInstancePort } from '../../../infra/stack/ports.ts';
import { workerNames } from '../../../workers/bus-access.ts';
import { instanceListen, maxInstances, takeInstanceArg } from '../../../workers/instances.ts';

test('instance 1 serves where its section says; instance n on the same host, in the range of the local stack', () => {
  assert.equal(instanceListen('0.0.0.0:18101', 'synth-store', 1), '0.0.0.0:18101');
  assert.equal(instanceListen('0.0.0.0:18101', 'synth-store', 2), '0.0.0.0:18202');
  assert.equal(instanceListen('[::1]:9000', 'synth-store', 3), '[::1]:18203');
  const slot = workerNames.indexOf('logs-store');
  assert.equal(
    instanceListen('127.0.0.1:18103', 'logs-store', 4),
    `127.0.0.1:${workerInstancePort(defaultPorts, slot, 4)}`,
  );
  // Every instance of every worker on a port of its own, none a process's own port.
  const ports = workerNames.flatMap((worker) =>
    Array.from({ length: maxInstances - 1 }, (_, i) =>
      Number(instanceListen('h:1', worker, i + 2).split(':')[1]),
    ),
  );
  assert.equal(new Set(ports).size, ports.length);
  for (const [name, port] of Object.entries(defaultPorts))
    assert.ok(!ports.includes(port), `${name}'s port ${port} is no instance's`);
});

test('--instance is taken out of the arguments, checked, and the rest is left for the process', () => {
  assert.deepEqual(takeInstanceArg(['--config.file', 'f.yml']), {
    instance: 1,
    rest: ['--config.file', 'f.yml'],
  });
  assert.deepEqual(takeInstanceArg(['--instance', '3', '--config.file', 'f']), {
    instance: 3,
    rest: ['--config.file', 'f'],
  });
  assert.deepEqual(takeInstanceArg(['--instance=2']), { instance: 2, rest: [] });
  assert.throws(() => takeInstanceArg(['--instance', '7']), /--instance: expected 1–6, got 7/);
  assert.throws(() => takeInstanceArg(['--instance']), /got nothing/);
  assert.throws(() => takeInstanceArg(['--instance', 'x']), /got x/);
});
