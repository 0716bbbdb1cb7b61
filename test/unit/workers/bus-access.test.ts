// A worker's declared bus access (the ACLs of its Kafka identity) covers what its definition
// consumes: the two cannot drift apart, or the worker would be refused in production.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { consoleProcessName } from '../../../console/bus-access.ts';
import { kafkaProcessIdentities } from '../../../infra/stack/kafka-identities.ts';
import { gatewayProcessName } from '../../../ingest-gateway/bus-access.ts';
import { alertaForwarderDefinition } from '../../../workers/alerta-forwarder/definition.ts';
import { artifactStoreDefinition } from '../../../workers/artifact-store/definition.ts';
import { baselineDefinition } from '../../../workers/baseline/definition.ts';
import { workerBusAccess, workerNames } from '../../../workers/bus-access.ts';
import { eventDetector } from '../../../workers/event-detector/definition.ts';
import { defaultDetectionSettings } from '../../../workers/event-detector/detection-config.ts';
import type { WorkerDefinition } from '../../../workers/harness.ts';
import { logsStoreDefinition } from '../../../workers/logs-store/definition.ts';
import { metricsStoreDefinition } from '../../../workers/metrics-store/definition.ts';
import { synthStoreDefinition, synthStoreTopics } from '../../../workers/synth-store/definition.ts';

// Definitions only capture their collaborators (the stores' codecs by topic); nothing here is called.
const stub = { codecs: {} } as never;

const definitions: Record<string, WorkerDefinition<unknown>> = {
  'synth-store': synthStoreDefinition(stub),
  'artifact-store': artifactStoreDefinition(stub),
  'logs-store': logsStoreDefinition(stub),
  'metrics-store': metricsStoreDefinition(stub),
  baseline: baselineDefinition(stub),
  'event-detector': eventDetector({
    store: { load: () => ({ series: {} }) },
    settings: defaultDetectionSettings(),
    maintenance: [],
    metrics: new Registry(),
  } as never).definition,
  'alerta-forwarder': alertaForwarderDefinition({ metrics: new Registry() } as never),
};

test('every worker has a declared access, and every declared worker a definition', () => {
  assert.deepEqual([...workerNames].sort(), Object.keys(definitions).sort());
});

for (const [name, definition] of Object.entries(definitions)) {
  test(`${name} may read every topic its definition consumes`, () => {
    assert.equal(definition.name, name);
    const reads = workerBusAccess[name as keyof typeof workerBusAccess].reads as readonly string[];
    for (const topic of definition.topics) assert.ok(reads.includes(topic), `${name} consumes ${topic}`);
  });
}

test('synthStoreTopics (what tests and benches reset) are the topics synth-store consumes', () => {
  assert.deepEqual([...synthStoreTopics], definitions['synth-store']?.topics);
});

test('the local stack gives the gateway, the console and every worker an identity of its own', () => {
  assert.deepEqual(
    [...kafkaProcessIdentities].sort(),
    [gatewayProcessName, consoleProcessName, ...workerNames].sort(),
  );
});
