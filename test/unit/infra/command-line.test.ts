import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStackOptions, UsageError } from '../../../infra/stack/command-line.ts';

test('--state-dir and --only are read in both spellings', () => {
  assert.deepEqual(parseStackOptions(['--state-dir', '/s', '--only', 'postgres, kafka'], true), {
    stateDir: '/s',
    only: ['postgres', 'kafka'],
  });
  assert.deepEqual(parseStackOptions(['--state-dir=/s', '--only=registry', '--only', 'kafka'], true), {
    stateDir: '/s',
    only: ['registry', 'kafka'],
  });
});

test('mistakes are usage errors naming the option', () => {
  assert.throws(() => parseStackOptions(['--state-dir'], true), UsageError);
  assert.throws(() => parseStackOptions(['--only', ','], true), /--only needs at least one service name/);
  assert.throws(() => parseStackOptions(['--only', 'kafka'], false), /unknown option '--only'/);
  assert.throws(() => parseStackOptions(['--verbose'], true), /unknown option '--verbose'/);
});

test('--infra-only is an up flag without a value', () => {
  assert.deepEqual(parseStackOptions(['--infra-only'], true, true), { infraOnly: true });
  assert.throws(() => parseStackOptions(['--infra-only'], true), /unknown option '--infra-only'/);
  assert.throws(
    () => parseStackOptions(['--infra-only=yes'], true, true),
    /unknown option '--infra-only=yes'/,
  );
});

test('up takes the stack layout: --kafka-brokers N and --scale worker=N, repeated or comma-separated', () => {
  assert.deepEqual(
    parseStackOptions(
      ['--kafka-brokers', '3', '--scale', 'synth-store=3,logs-store=2', '--scale=metrics-store=2'],
      true,
      true,
      true,
    ),
    { kafkaBrokers: 3, scale: { 'synth-store': 3, 'logs-store': 2, 'metrics-store': 2 } },
  );
  assert.throws(
    () => parseStackOptions(['--scale', 'synth-store'], true, true, true),
    /<worker>=<instances>/,
  );
  assert.throws(
    () => parseStackOptions(['--kafka-brokers', 'three'], true, true, true),
    /whole number, got 'three'/,
  );
  assert.throws(() => parseStackOptions(['--kafka-brokers', '3'], true), /unknown option '--kafka-brokers'/);
});
