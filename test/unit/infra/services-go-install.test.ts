// Building a Go service binary into the cache: once per version, and never half-installed.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type GoBinary, goBinaryPath, installGoBinary } from '../../../infra/go/install-go-binary.ts';
import { defaultLayout } from '../../../infra/stack/layout.ts';
import { defaultPorts } from '../../../infra/stack/ports.ts';
import type { ExecOptions, StackContext } from '../../../infra/stack/service.ts';

const binary: GoBinary = {
  name: 'tool',
  version: 'v1.2.3',
  target: 'example.com/project/cmd/tool@v1.2.3',
  versionStamp: ['example.com/project/buildinfo.Version=tool-v1.2.3'],
};

interface Call {
  command: string;
  args: string[];
  options: ExecOptions;
}

/** A context whose `go` either writes the binary into GOBIN, writes nothing, or fails. */
function fakeContext(goBehaviour: 'builds' | 'builds-nothing' | 'fails'): {
  ctx: StackContext;
  calls: Call[];
} {
  const cacheDir = mkdtempSync(join(tmpdir(), 'primoart-go-'));
  const calls: Call[] = [];
  const ctx: StackContext = {
    paths: { repoDir: '/nonexistent', cacheDir, stateDir: join(cacheDir, 'state') },
    ports: defaultPorts,
    layout: defaultLayout,
    secrets: {
      postgresPassword: 'p',
      minioAccessKey: 'a',
      minioSecretKey: 's',
      alertaAdminKey: 'k',
      alertaSecretKey: 'x',
      adminApiKey: 'pa_x',
      kafkaBrokerPassword: 'k',
      kafkaPasswords: {},
    },
    progress: () => {},
    async exec(command, args, options = {}) {
      calls.push({ command, args, options });
      if (goBehaviour === 'fails') throw new Error('go install exited with 1');
      const gobin = options.env?.GOBIN;
      if (goBehaviour === 'builds' && gobin !== undefined) {
        writeFileSync(join(gobin, 'tool'), '#!/bin/sh\n');
        chmodSync(join(gobin, 'tool'), 0o755);
      }
      return '';
    },
  };
  return { ctx, calls };
}

test('builds with the local toolchain and caches under the cache directory, then skips the build', async () => {
  const { ctx, calls } = fakeContext('builds');
  await installGoBinary(ctx, binary);
  assert.equal(calls.length, 1);
  const [call] = calls;
  assert.equal(call?.command, 'go');
  assert.deepEqual(call?.args, [
    'install',
    '-ldflags=-X example.com/project/buildinfo.Version=tool-v1.2.3',
    'example.com/project/cmd/tool@v1.2.3',
  ]);
  const env = call?.options.env ?? {};
  assert.equal(env.GOTOOLCHAIN, 'local');
  for (const name of ['GOPATH', 'GOMODCACHE', 'GOCACHE', 'GOBIN']) {
    assert.ok(env[name]?.startsWith(ctx.paths.cacheDir), `${name}=${env[name]} is outside the cache`);
  }
  const installed = goBinaryPath(ctx.paths.cacheDir, binary);
  assert.equal(installed, join(ctx.paths.cacheDir, 'bin', 'tool-v1.2.3', 'tool'));
  assert.ok(existsSync(installed));

  await installGoBinary(ctx, binary);
  assert.equal(calls.length, 1, 'a second install must not build again');
});

test('a failed build leaves nothing that looks installed, so the next up builds again', async () => {
  const { ctx, calls } = fakeContext('fails');
  await assert.rejects(installGoBinary(ctx, binary), /go install exited/);
  assert.equal(existsSync(goBinaryPath(ctx.paths.cacheDir, binary)), false);
  await assert.rejects(installGoBinary(ctx, binary));
  assert.equal(calls.length, 2);
});

test('a build that produces no binary of the expected name is an error', async () => {
  const { ctx } = fakeContext('builds-nothing');
  await assert.rejects(installGoBinary(ctx, binary), /left no tool/);
  assert.equal(existsSync(goBinaryPath(ctx.paths.cacheDir, binary)), false);
});

test('a module build runs inside the module and names no version', async () => {
  const { ctx, calls } = fakeContext('builds');
  await installGoBinary(ctx, {
    name: 'tool',
    version: 'v9',
    target: 'example.com/project/cmd/tool',
    moduleDir: '/repo/infra/go/tool',
  });
  assert.equal(calls[0]?.options.cwd, '/repo/infra/go/tool');
  assert.deepEqual(calls[0]?.args, ['install', 'example.com/project/cmd/tool']);
});

test('a target whose binary name differs from the declared name is refused before building', async () => {
  const { ctx, calls } = fakeContext('builds');
  await assert.rejects(
    installGoBinary(ctx, { ...binary, target: 'example.com/project/cmd/other@v1.2.3' }),
    /does not build/,
  );
  assert.equal(calls.length, 0);
});
