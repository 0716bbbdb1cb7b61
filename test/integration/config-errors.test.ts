// A missing or invalid config file: non-zero exit and a line that names the problem, for the
// real processes and for `primoart check config`.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'primoart-config-'));

test('a missing config file stops the gateway and the worker with one line naming the path', async () => {
  const missing = join(dir, 'nope.yml');
  for (const args of [['gateway'], ['worker', 'synth-store'], ['check', 'config']]) {
    const { code, output } = await runCli([...args, '--config.file', missing]);
    assert.notEqual(code, 0, args.join(' '));
    assert.match(output, /nope\.yml/, `${args.join(' ')} names the file: ${output}`);
    assert.match(output, /not found/);
  }
});

test('an invalid config file lists every problem with its path and line', async () => {
  const file = join(dir, 'bad.yml');
  writeFileSync(
    file,
    [
      'kafka:',
      '  brokers: ["no-port-here"]',
      'schema_registry:',
      '  url: not-a-url',
      'gateway:',
      '  listen: 127.0.0.1:18080',
      '  body_limit_byte: 10',
      '',
    ].join('\n'),
  );
  for (const args of [['gateway'], ['check', 'config']]) {
    const { code, output } = await runCli([...args, '--config.file', file]);
    assert.equal(code, 1, args.join(' '));
    assert.match(output, /bad\.yml:2:\d+: kafka\.brokers\[0\]/);
    assert.match(output, /bad\.yml:4:\d+: schema_registry\.url/);
    assert.match(output, /bad\.yml:7:\d+: gateway\.body_limit_byte/);
  }
});

test('check config accepts the committed example', async () => {
  const { code, output } = await runCli(['check', 'config', '--config.file', 'primoart.example.yml']);
  assert.equal(code, 0, output);
  assert.match(output, /OK/);
});
