// The gateway's launch settings (memory that comes back after a storm, issue 9) are given by every
// launcher: a launcher that drops them brings back a gateway that keeps ~1 GB after hostile probes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StackContext } from '../../../infra/stack/service.ts';
import { gateway } from '../../../infra/stack/services/primoart-processes.ts';
import { gatewayEnv, gatewayLaunchEnv, gatewayNodeArgs } from '../../../ingest-gateway/launch-settings.ts';

const repoDir = join(import.meta.dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(repoDir, path), 'utf8');

test('the local stack starts the gateway with the Node options before the script and the malloc settings', () => {
  const ctx = { paths: { repoDir: '/repo', cacheDir: '/cache', stateDir: '/state' } } as StackContext;
  const spec = gateway.launch(ctx);
  const script = spec.args.indexOf('/repo/scripts/cli.ts');
  assert.ok(script > 0, `the script is in ${spec.args.join(' ')}`);
  assert.deepEqual(spec.args.slice(0, script), [...gatewayNodeArgs]);
  assert.deepEqual(spec.env, gatewayEnv);
});

test('the systemd unit runs the gateway with the same settings', () => {
  const unit = read('infra/systemd/primoart-gateway.service');
  const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
  const [node, ...args] = execStart.split(' ');
  assert.equal(node, '/usr/bin/node');
  assert.deepEqual(args.slice(0, gatewayNodeArgs.length), [...gatewayNodeArgs]);
  const environment = [...unit.matchAll(/^Environment=(.*)$/gm)].flatMap((line) =>
    (line[1] ?? '').split(' '),
  );
  for (const [name, value] of Object.entries(gatewayEnv)) {
    assert.ok(environment.includes(`${name}=${value}`), `Environment=${name}=${value} in the unit`);
  }
});

test('the container image sets the same environment and Node options', () => {
  const dockerfile = read('infra/container/Dockerfile');
  const env = new Map(
    // A value is a word or a double-quoted text (NODE_OPTIONS has several options).
    [...dockerfile.matchAll(/(?:ENV\s+|\\\n\s+)([A-Z_]+)=(?:"([^"]*)"|(\S+))/g)].map((match) => [
      match[1],
      match[2] ?? match[3],
    ]),
  );
  for (const [name, value] of Object.entries(gatewayLaunchEnv())) {
    assert.equal(env.get(name), value, `ENV ${name} in the Dockerfile`);
  }
});

test('NODE_OPTIONS keeps what was there and adds the Node options', () => {
  assert.equal(
    gatewayLaunchEnv('--disable-warning=X').NODE_OPTIONS,
    ['--disable-warning=X', ...gatewayNodeArgs].join(' '),
  );
  assert.equal(gatewayLaunchEnv().NODE_OPTIONS, gatewayNodeArgs.join(' '));
});
