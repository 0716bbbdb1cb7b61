// The runner against real child processes: a tiny HTTP server stands in for a service.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createStackContext } from '../../../infra/stack/context.ts';
import {
  inspectServices,
  type RunnerTiming,
  ServiceStartError,
  startServices,
  stopServices,
} from '../../../infra/stack/runner.ts';
import type { ServiceDefinition, StackContext } from '../../../infra/stack/service.ts';
import { isRoot, lookupSystemUser } from '../../../infra/stack/system-user.ts';

const timing: RunnerTiming = { probeIntervalMs: 50, probeTimeoutMs: 1_000, failureLogLines: 5 };
const stateDir = mkdtempSync(join(tmpdir(), 'primoart-runner-'));
const progress: string[] = [];
const ctx: StackContext = createStackContext({
  paths: { repoDir: process.cwd(), cacheDir: join(stateDir, 'cache'), stateDir },
  createSecrets: true,
  progress: (line) => progress.push(line),
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

const serverSource = `
  console.log('fake service starting');
  require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1');
`;

function httpService(name: string, port: number, extra: Partial<ServiceDefinition> = {}): ServiceDefinition {
  return {
    name,
    version: '1.0',
    async install() {},
    launch: () => ({ command: process.execPath, args: ['-e', serverSource, String(port)] }),
    async probe() {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      return response.ok;
    },
    env: () => ({}),
    stopTimeoutMs: 5_000,
    ...extra,
  };
}

const crashing: ServiceDefinition = {
  ...httpService('crashing', 1),
  launch: () => ({
    command: process.execPath,
    args: ['-e', "console.error('fatal: configuration is broken'); process.exit(3)"],
  }),
};

after(async () => {
  const pidFiles = ['web', 'crashing', 'after-crash', 'private-writer', 'as-nobody'];
  await stopServices(
    ctx,
    pidFiles.map((name) => httpService(name, 1)),
  );
  rmSync(stateDir, { recursive: true, force: true });
});

test('up launches a service detached, records its pid, and a second up leaves it alone', async () => {
  const web = httpService('web', await freePort());
  await startServices(ctx, [web], timing);
  const pid = Number(readFileSync(join(stateDir, 'run', 'web.pid'), 'utf8').split('\n')[0]);
  assert.ok(pid > 0);
  assert.match(readFileSync(join(stateDir, 'logs', 'web.log'), 'utf8'), /fake service starting/);

  await startServices(ctx, [web], timing);
  assert.ok(progress.includes(`web: already running (pid ${pid})`));
  assert.deepEqual(await inspectServices(ctx, [web], timing), [
    { name: 'web', version: '1.0', pid, state: 'healthy', url: '' },
  ]);

  await stopServices(ctx, [web]);
  assert.equal(existsSync(join(stateDir, 'run', 'web.pid')), false);
  assert.equal((await inspectServices(ctx, [web], timing))[0]?.state, 'stopped');
});

test('a service that dies on start is named with its log tail, and later services are not started', async () => {
  const later = httpService('after-crash', await freePort());
  const failure = await startServices(ctx, [crashing, later], timing).then(
    () => assert.fail('up should have failed'),
    (error: unknown) => error,
  );
  assert.ok(failure instanceof ServiceStartError);
  assert.equal(failure.service, 'crashing');
  assert.match(failure.message, /crashing failed to start: the process exited with code 3/);
  assert.match(failure.logTail, /fatal: configuration is broken/);
  assert.equal(existsSync(join(stateDir, 'run', 'crashing.pid')), false);
  assert.equal(existsSync(join(stateDir, 'run', 'after-crash.pid')), false);
});

test('a service that runs but never becomes ready is killed after its start time-out', async () => {
  const neverReady = httpService('never-ready', await freePort(), {
    probe: async () => false,
    startTimeoutMs: 300,
  });
  await assert.rejects(
    startServices(ctx, [neverReady], timing),
    /never-ready failed to start: not ready after 0.3 s/,
  );
  assert.equal((await inspectServices(ctx, [neverReady], timing))[0]?.state, 'stopped');
});

test('a running process whose probe fails shows as running-unhealthy', async () => {
  const port = await freePort();
  let healthy = true;
  const flaky = httpService('flaky', port, { probe: async () => healthy });
  await startServices(ctx, [flaky], timing);
  healthy = false;
  assert.equal((await inspectServices(ctx, [flaky], timing))[0]?.state, 'running-unhealthy');
  await stopServices(ctx, [flaky]);
});

test('a failing install step is reported with the service name', async () => {
  const broken = httpService('broken-install', 1, {
    install: async () => {
      throw new Error('mvn exited with 1: artifact not found');
    },
  });
  await assert.rejects(
    startServices(ctx, [broken], timing),
    /broken-install failed to start: install: mvn exited with 1: artifact not found/,
  );
});

test('files the stack and its services create are private; installs keep the caller umask', async () => {
  const port = await freePort();
  const writerSource = `
    require('node:fs').writeFileSync('segment.log', 'an uploaded result');
    require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1');
  `;
  const installed = join(stateDir, 'cache', 'installed.bin');
  const writer = httpService('private-writer', port, {
    async install() {
      mkdirSync(join(stateDir, 'cache'), { recursive: true });
      writeFileSync(installed, 'a download');
    },
    launch: () => ({ command: process.execPath, args: ['-e', writerSource, String(port)] }),
  });
  const callerUmask = process.umask(0o022);
  try {
    await startServices(ctx, [writer], timing);
    assert.equal(process.umask(0o022), 0o022, 'the caller umask is restored after up');
  } finally {
    process.umask(callerUmask);
  }
  const mode = (path: string) => statSync(path).mode & 0o777;
  assert.equal(mode(join(stateDir, 'data', 'private-writer', 'segment.log')), 0o600);
  assert.equal(mode(join(stateDir, 'data', 'private-writer')), 0o700);
  assert.equal(mode(join(stateDir, 'logs', 'private-writer.log')), 0o600);
  assert.equal(mode(join(stateDir, 'run', 'private-writer.pid')), 0o600);
  for (const folder of ['', 'data', 'logs', 'run', 'config']) {
    assert.equal(mode(join(stateDir, folder)), 0o700, `${folder || 'the state directory'}`);
  }
  assert.equal(mode(installed), 0o644, 'the cache is written with the caller umask');
  await stopServices(ctx, [writer]);
});

test('a service run as another system user gets its own data directory, reached by group traverse only', {
  skip: isRoot() ? false : 'needs root to run a process as another user',
}, async () => {
  const nobody = lookupSystemUser('nobody');
  const dataDir = join(stateDir, 'data', 'as-nobody');
  // A system shell: the project's Node lives in root's private cache, out of nobody's reach.
  const asNobody = httpService('as-nobody', 1, {
    systemUser: () => 'nobody',
    launch: () => ({ command: '/bin/sh', args: ['-c', 'echo x > mine && exec sleep 60'], user: 'nobody' }),
    probe: async () => existsSync(join(dataDir, 'mine')),
  });
  await startServices(ctx, [asNobody], timing);
  assert.equal(statSync(dataDir).uid, nobody.uid);
  assert.equal(statSync(join(dataDir, 'mine')).mode & 0o777, 0o600);
  assert.equal(statSync(stateDir).mode & 0o777, 0o710);
  assert.equal(statSync(stateDir).gid, nobody.gid);
  await stopServices(ctx, [asNobody]);
});

test('services that stop together get their stop signal at once (a quorum whose last node stopped alone hung)', async () => {
  // Each stands for a Kafka node: on SIGTERM it waits until every node has been asked to stop.
  const asked = mkdtempSync(join(stateDir, 'asked-'));
  const quorumSource = `
    const fs = require('node:fs');
    const [port, dir, name] = process.argv.slice(1);
    require('node:http').createServer((q, s) => s.end('ok')).listen(Number(port), '127.0.0.1');
    process.on('SIGTERM', () => {
      fs.writeFileSync(dir + '/' + name, '');
      setInterval(() => { if (fs.readdirSync(dir).length === 3) process.exit(0); }, 20);
    });
  `;
  const nodes = await Promise.all(
    ['node-a', 'node-b', 'node-c'].map(async (name) => {
      const port = await freePort();
      return httpService(name, port, {
        launch: () => ({ command: process.execPath, args: ['-e', quorumSource, String(port), asked, name] }),
        stopTimeoutMs: 3_000,
        stopTogether: 'quorum',
      });
    }),
  );
  await startServices(ctx, nodes, timing);
  await stopServices(ctx, nodes);
  assert.deepEqual(
    progress.filter((line) => /^node-.*still running/.test(line)),
    [],
    'no node waited for SIGKILL',
  );
});
