// The catalog's replication follows the cluster it is applied to, and `topics apply` moves a topic
// whose partitions have another replica count (a stack grown from one broker, say).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replicaMoves } from '../../../topics/admin.ts';
import { replicationOf } from '../../../topics/catalog.ts';

test('RF = min(3, brokers), min ISR = RF − 1 and at least 1', () => {
  assert.deepEqual(replicationOf(1), { replicationFactor: 1, minInsyncReplicas: 1 });
  assert.deepEqual(replicationOf(2), { replicationFactor: 2, minInsyncReplicas: 1 });
  assert.deepEqual(replicationOf(3), { replicationFactor: 3, minInsyncReplicas: 2 });
  assert.deepEqual(replicationOf(5), { replicationFactor: 3, minInsyncReplicas: 2 });
});

test('a partition keeps its replicas (leader first), gains brokers spread per partition, or drops its last', () => {
  const replication = { ...replicationOf(5), brokerIds: [1, 2, 3, 4, 5] };
  const placed = [0, 1, 2].map((partition) => ({ partition, leader: 1, replicas: [1], isr: [1] }));
  assert.deepEqual(replicaMoves(placed, replication), [
    { partition: 0, replicas: [1, 2, 3] },
    { partition: 1, replicas: [1, 2, 3] },
    { partition: 2, replicas: [1, 3, 4] },
  ]);
  assert.deepEqual(
    replicaMoves([{ partition: 4, leader: 2, replicas: [2, 5, 1, 3], isr: [2] }], replication),
    [{ partition: 4, replicas: [2, 5, 1] }],
  );
  assert.deepEqual(
    replicaMoves([{ partition: 0, leader: 2, replicas: [2, 3, 1], isr: [2, 3] }], replication),
    [],
  );
});
