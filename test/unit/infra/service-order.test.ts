import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startOrder, stopOrder } from '../../../infra/stack/service-order.ts';

const services = [
  { name: 'postgres' },
  { name: 'registry', dependsOn: ['postgres'] },
  { name: 'gateway', dependsOn: ['kafka', 'registry'] },
  { name: 'kafka' },
];
const names = (list: { name: string }[]) => list.map((service) => service.name);

test('all services start with each dependency before its dependents', () => {
  assert.deepEqual(names(startOrder(services)), ['postgres', 'registry', 'kafka', 'gateway']);
});

test('--only starts the named services plus what they depend on, nothing else', () => {
  assert.deepEqual(names(startOrder(services, ['registry'])), ['postgres', 'registry']);
  assert.deepEqual(names(startOrder(services, ['kafka', 'postgres'])), ['postgres', 'kafka']);
});

test('an unknown service name is an error that lists the known ones', () => {
  assert.throws(
    () => startOrder(services, ['regsitry']),
    /unknown service 'regsitry'.*postgres, registry, gateway, kafka/,
  );
  assert.throws(
    () => startOrder([{ name: 'a', dependsOn: ['b'] }]),
    /unknown service 'b' \(a dependency of a\)/,
  );
});

test('a dependency cycle is reported instead of looping', () => {
  const cyclic = [
    { name: 'a', dependsOn: ['b'] },
    { name: 'b', dependsOn: ['a'] },
  ];
  assert.throws(() => startOrder(cyclic), /cycle: a → b → a/);
});

test('down stops dependents before their dependencies', () => {
  assert.deepEqual(names(stopOrder(services)), ['gateway', 'kafka', 'registry', 'postgres']);
  assert.deepEqual(names(stopOrder(services, ['postgres', 'registry'])), ['registry', 'postgres']);
  assert.throws(() => stopOrder(services, ['nope']), /unknown service 'nope'/);
});
