// The worker names stand in three lists, each for its own concern: the components (config owners
// and how to run each, scripts/components.ts), the bus access (ACLs, workers/bus-access.ts) and the
// deployments (infra/stack/services/process-list.ts). A worker added to one and not the others
// would run without ACLs, or never be deployed: the three must name the same workers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { projectProcesses } from '../../../infra/stack/services/process-list.ts';
import { gatewayConfig } from '../../../ingest-gateway/config.ts';
import { componentConfigs, workers } from '../../../scripts/components.ts';
import { workerNames } from '../../../workers/bus-access.ts';

const sorted = (names: Iterable<string>) => [...names].sort();

test('the components, the bus access and the deployments name the same workers', () => {
  const deployed = projectProcesses.filter((process) => process.kind === 'worker').map((p) => p.name);
  assert.deepEqual(sorted(Object.keys(workers)), sorted(workerNames));
  assert.deepEqual(sorted(deployed), sorted(workerNames));
});

test('every component owns a section of its own: the gateway and each worker, no name twice', () => {
  const names = componentConfigs.map((owner) => owner.name);
  assert.equal(new Set(names).size, names.length);
  assert.ok(componentConfigs.includes(gatewayConfig));
  const paths = componentConfigs.map((owner) => owner.path.join('.'));
  assert.equal(new Set(paths).size, paths.length, `a section owned twice: ${paths.join(', ')}`);
});
