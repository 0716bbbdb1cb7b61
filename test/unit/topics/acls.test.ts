// The ACLs of each process kind's identity, derived from its declared bus access, and their
// application to a cluster: only what is missing is created, only what is no longer wanted deleted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gatewayBusAccess, gatewayProcessName } from '../../../ingest-gateway/bus-access.ts';
import { processBusAccess, workerNames } from '../../../scripts/bus-access.ts';
import {
  aclBindingsOf,
  applyAcls,
  type BusIdentity,
  bindingKey,
  busIdentitiesOf,
  describeBinding,
} from '../../../topics/acls.ts';
import { topics } from '../../../topics/catalog.ts';
import type { AclBinding, Admin } from '../../../topics/port.ts';
import { workerBusAccess } from '../../../workers/bus-access.ts';

const synthStore: BusIdentity = {
  process: 'synth-store',
  username: 'primoart-synth-store',
  access: workerBusAccess['synth-store'],
};

const allowed = (bindings: AclBinding[], operation: string, resourceType = 'topic') =>
  bindings
    .filter((b) => b.permission === 'allow' && b.operation === operation && b.resourceType === resourceType)
    .map((b) => b.resourceName)
    .sort();

test('a worker may read exactly its inputs and write only the dead-letter topic', () => {
  const bindings = aclBindingsOf(synthStore, workerNames);
  assert.ok(bindings.every((b) => b.principal === 'User:primoart-synth-store'));
  assert.deepEqual(allowed(bindings, 'read'), [...workerBusAccess['synth-store'].reads].sort());
  assert.deepEqual(allowed(bindings, 'write'), [topics.deadLetters.name]);
  assert.ok(!allowed(bindings, 'read').includes(topics.apiKeys.name));
});

test('groups: the project prefix, except the default groups of the other workers', () => {
  const bindings = aclBindingsOf(synthStore, workerNames);
  const groups = bindings.filter((b) => b.resourceType === 'group');
  assert.deepEqual(
    groups.filter((b) => b.permission === 'allow').map((b) => [b.resourceName, b.patternType, b.operation]),
    [['primoart.', 'prefixed', 'read']],
  );
  const denied = groups.filter((b) => b.permission === 'deny').map((b) => b.resourceName);
  assert.ok(denied.includes('primoart.alerta-forwarder'));
  assert.ok(denied.includes('primoart.metrics-store'));
  assert.ok(!denied.includes('primoart.synth-store'), 'its own default group stays usable');
  assert.ok(groups.filter((b) => b.permission === 'deny').every((b) => b.patternType === 'literal'));
});

test('only the gateway (and the admin, a super user) may write the key and definition topics', () => {
  const guarded: string[] = [topics.apiKeys.name, topics.apiKeyUsage.name, topics.synthDefinitions.name];
  for (const [process, access] of Object.entries(processBusAccess)) {
    const writesGuarded = access.writes.filter((topic) => guarded.includes(topic));
    if (process === gatewayProcessName) assert.deepEqual([...writesGuarded].sort(), [...guarded].sort());
    else assert.deepEqual(writesGuarded, [], `${process} must not write ${writesGuarded.join(', ')}`);
  }
  assert.ok(gatewayBusAccess.reads.includes(topics.apiKeys.name));
});

test('every topic an access names is in the catalog', () => {
  const names = new Set<string>(Object.values(topics).map((t) => t.name));
  for (const [process, access] of Object.entries(processBusAccess))
    for (const topic of [...access.reads, ...access.writes])
      assert.ok(names.has(topic), `${process}: ${topic} is not in the catalog`);
});

test('identities come from the config; a name that is no process is refused', () => {
  const identities = busIdentitiesOf(
    { 'synth-store': { username: 'ss' }, [gatewayProcessName]: { username: 'gw' } },
    processBusAccess,
  );
  assert.deepEqual(
    identities.map((i) => [i.process, i.username]),
    [
      ['synth-store', 'ss'],
      [gatewayProcessName, 'gw'],
    ],
  );
  assert.throws(
    () => busIdentitiesOf({ 'synth-stor': { username: 'x' } }, processBusAccess),
    /kafka\.identities\.synth-stor: no process of that name/,
  );
});

/** An Admin holding ACL bindings in memory, as a cluster would. */
function aclAdmin(initial: AclBinding[] = []) {
  const stored = new Map(initial.map((b) => [bindingKey(b), b]));
  const calls = { created: 0, deleted: 0 };
  const admin = {
    async describeAcls(principals: readonly string[]) {
      return [...stored.values()].filter((b) => principals.includes(b.principal));
    },
    async createAcls(bindings: readonly AclBinding[]) {
      calls.created += bindings.length;
      for (const b of bindings) stored.set(bindingKey(b), b);
    },
    async deleteAcls(bindings: readonly AclBinding[]) {
      calls.deleted += bindings.length;
      for (const b of bindings) stored.delete(bindingKey(b));
    },
  } as unknown as Admin;
  return { admin, stored, calls };
}

test('applying creates what is missing, deletes what is stale, and a second run changes nothing', async () => {
  const stale: AclBinding = {
    principal: 'User:primoart-synth-store',
    resourceType: 'topic',
    resourceName: topics.apiKeys.name,
    patternType: 'literal',
    operation: 'write',
    permission: 'allow',
  };
  const someoneElse: AclBinding = { ...stale, principal: 'User:operator' };
  const cluster = aclAdmin([stale, someoneElse]);
  const first = await applyAcls(cluster.admin, [synthStore], workerNames);
  assert.deepEqual(
    first.changes.filter((c) => c.action === 'deleted').map((c) => describeBinding(c.binding)),
    [describeBinding(stale)],
  );
  assert.equal(first.changes.filter((c) => c.action === 'created').length, first.bindings);
  assert.ok(cluster.stored.has(bindingKey(someoneElse)), 'bindings of other principals are left alone');

  const second = await applyAcls(cluster.admin, [synthStore], workerNames);
  assert.deepEqual(second.changes, []);
});
