// What `primoart status` prints below the service table, from what ClusterStatus.java and the
// workers' /metrics say.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatClusterStatus,
  formatInstances,
  parseClusterStatus,
  parseWorkerMetrics,
} from '../../../infra/stack/cluster-status.ts';

const printed = [
  'broker\t1\t127.0.0.1:19092',
  'broker\t3\t127.0.0.1:19112',
  'quorum\t3\t7\t1200',
  'voter\t1\t1200\t1733280000000',
  'voter\t2\t900\t1733279000000',
  'voter\t3\t1200\t1733280000000',
  'partition\tprimoart.synth.results.v1\t0\t1\t2,1,3\t1,3',
  'partition\tprimoart.synth.results.v1\t1\t3\t3,2,1\t3,1',
  'partition\t__consumer_offsets\t0\t1\t1,2,3\t1,2,3',
  '',
].join('\n');

test('a broker down: shown down, its partitions led elsewhere and under-replicated, its controller behind', () => {
  const text = formatClusterStatus(parseClusterStatus(printed), [1, 2, 3]);
  const lines = text.split('\n');
  assert.match(lines[0] ?? '', /^BROKER\s+STATE\s+LISTENER\s+LEADS\s+CONTROLLER QUORUM$/);
  assert.match(lines[1] ?? '', /^1\s+serving\s+127\.0\.0\.1:19092\s+2\s+follower, caught up$/);
  assert.match(lines[2] ?? '', /^2\s+down\s+-\s+0\s+follower, 300 record\(s\) behind$/);
  assert.match(lines[3] ?? '', /^3\s+serving\s+127\.0\.0\.1:19112\s+1\s+leader \(epoch 7\)$/);
  assert.equal(
    lines[4],
    '3 partitions (replication factor 3), 2 under-replicated, 0 offline: ' +
      'primoart.synth.results.v1/0 in sync 1,3 of 2,1,3; primoart.synth.results.v1/1 in sync 3,1 of 3,2,1',
  );
});

test("each instance's partitions per topic and summed lag; one that does not answer, a dash", () => {
  const metrics = [
    '# HELP primoart_worker_assigned 1 for each partition currently assigned to this worker instance',
    'primoart_worker_assigned{worker="synth-store",topic="primoart.synth.results.v1",partition="4"} 1',
    'primoart_worker_assigned{worker="synth-store",topic="primoart.synth.results.v1",partition="1"} 1',
    'primoart_worker_assigned{worker="synth-store",topic="primoart.synth.definitions.v1",partition="0"} 1',
    'primoart_worker_lag{worker="synth-store",topic="primoart.synth.results.v1",partition="1"} 12',
    'primoart_worker_lag{worker="synth-store",topic="primoart.synth.results.v1",partition="2"} 99',
  ].join('\n');
  const partitions = parseWorkerMetrics(metrics);
  assert.deepEqual(partitions, [
    { topic: 'primoart.synth.definitions.v1', partition: 0, lag: undefined },
    { topic: 'primoart.synth.results.v1', partition: 1, lag: 12 },
    { topic: 'primoart.synth.results.v1', partition: 4, lag: undefined },
  ]);
  const text = formatInstances([
    { name: 'synth-store', partitions },
    { name: 'synth-store-2', partitions: [] },
    { name: 'synth-store-3' },
  ]);
  assert.deepEqual(text.split('\n'), [
    'INSTANCE       PARTITIONS                              LAG',
    'synth-store    synth.definitions 0; synth.results 1,4  12',
    'synth-store-2  none (idle)                             0',
    'synth-store-3  -                                       -',
    '',
  ]);
});
