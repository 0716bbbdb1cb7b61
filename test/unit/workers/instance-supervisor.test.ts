import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import {
  configForInstance,
  instanceListen,
  parseInstancesArg,
} from '../../../workers/instance-supervisor.ts';

test('--instances N is split off the arguments in both spellings; its absence is undefined', () => {
  assert.deepEqual(parseInstancesArg(['--instances', '3', '--config.file', 'a.yml']), {
    instances: 3,
    rest: ['--config.file', 'a.yml'],
  });
  assert.deepEqual(parseInstancesArg(['--config.file=a.yml', '--instances=2']), {
    instances: 2,
    rest: ['--config.file=a.yml'],
  });
  assert.deepEqual(parseInstancesArg(['--config.file', 'a.yml']), {
    instances: undefined,
    rest: ['--config.file', 'a.yml'],
  });
});

test('--instances refuses what is not a count from 1 to 64', () => {
  for (const bad of [
    ['--instances'],
    ['--instances', '0'],
    ['--instances=1.5'],
    ['--instances', 'two'],
    ['--instances=65'],
  ]) {
    assert.throws(
      () => parseInstancesArg(bad),
      /--instances must be a whole number from 1 to 64/,
      bad.join(' '),
    );
  }
});

test('instance i listens on the configured port + i; port 0 stays 0 for every instance', () => {
  assert.equal(instanceListen('127.0.0.1:9101', 0), '127.0.0.1:9101');
  assert.equal(instanceListen('127.0.0.1:9101', 2), '127.0.0.1:9103');
  assert.equal(instanceListen('[::1]:9101', 1), '[::1]:9102');
  assert.equal(instanceListen('127.0.0.1:0', 3), '127.0.0.1:0');
});

// A config's environment reference, as an operator writes it (not a template literal).
const pgUrlReference = ['$', '{PG_URL}'].join('');

test("an instance's config differs only in its listen address and keeps environment references", () => {
  const text = [
    'postgres:',
    `  url: ${pgUrlReference}`,
    'workers:',
    '  synth-store:',
    '    listen: 127.0.0.1:9101',
    '    group_id: shared',
    '  metrics-store:',
    '    listen: 127.0.0.1:9200',
    '',
  ].join('\n');
  const config = parse(configForInstance(text, 'synth-store', '127.0.0.1:9102'));
  assert.deepEqual(config, {
    postgres: { url: pgUrlReference },
    workers: {
      'synth-store': { listen: '127.0.0.1:9102', group_id: 'shared' },
      'metrics-store': { listen: '127.0.0.1:9200' },
    },
  });
  // No workers section at all: one is added for the instance.
  assert.deepEqual(parse(configForInstance('kafka:\n  brokers: [a:9092]\n', 'synth-store', '127.0.0.1:1')), {
    kafka: { brokers: ['a:9092'] },
    workers: { 'synth-store': { listen: '127.0.0.1:1' } },
  });
});
