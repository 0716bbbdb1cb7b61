// The shared lifecycle, observed from outside: a tiny component (fixtures/tiny-process.ts) run as
// a child process, probed over HTTP and signalled like systemd would.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('fixtures/tiny-process.ts', import.meta.url));
const notifySocketScript = fileURLToPath(new URL('fixtures/notify-socket.py', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'primoart-process-'));
const testOptions = { timeout: 30_000 };

type LogLine = Record<string, unknown> & { msg?: string };

interface Running {
  child: ChildProcess;
  logs: LogLine[];
  stderr(): string;
  waitForLog(predicate: (line: LogLine) => boolean): Promise<LogLine>;
  exited: Promise<number | null>;
  configFile: string;
}

function startProcess(configText: string, env: Record<string, string> = {}): Running {
  const configFile = join(mkdtempSync(join(workDir, 'run-')), 'primoart.yml');
  writeFileSync(configFile, configText);
  const child = spawn(process.execPath, [fixture, '--config.file', configFile], {
    env: { ...process.env, NOTIFY_SOCKET: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line !== '') logs.push(JSON.parse(line) as LogLine);
    for (const notify of listeners) notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitForLog = (predicate: (line: LogLine) => boolean): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (found === undefined) return;
        listeners.delete(check);
        resolve(found);
      };
      listeners.add(check);
      check();
      void exited.then(() => {
        if (!listeners.has(check)) return;
        listeners.delete(check);
        reject(new Error(`process exited before the expected log line; stderr: ${stderr}`));
      });
    });
  running.add(child);
  return { child, logs, stderr: () => stderr, waitForLog, exited, configFile };
}

const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
});

async function listenOnFreePort(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { server, port: address.port };
}

async function closedPort(): Promise<number> {
  const { server, port } = await listenOnFreePort();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// A stand-in Kafka: the fixture only checks that a TCP connection to the broker succeeds.
const kafkaStub = await listenOnFreePort();
after(() => kafkaStub.server.close());

function config(options: { kafkaPort?: number; listen?: string; startup?: string; extra?: string } = {}) {
  return [
    `kafka: { brokers: ["127.0.0.1:${options.kafkaPort ?? kafkaStub.port}"] }`,
    'schema_registry: { url: "http://127.0.0.1:1" }',
    `startup: ${options.startup ?? '{ dependency_timeout_ms: 1000, shutdown_timeout_ms: 5000 }'}`,
    'workers:',
    `  tiny-worker: { listen: "${options.listen ?? '127.0.0.1:0'}" }`,
    options.extra ?? '',
  ].join('\n');
}

const isReadyLine = (line: LogLine) => line.msg === 'tiny-worker ready';
const isListeningLine = (line: LogLine) =>
  typeof line.msg === 'string' && line.msg.startsWith('listening on ');

test(
  'a component runs through the lifecycle: ready, serving, and exit 0 on SIGTERM',
  testOptions,
  async () => {
    const proc = startProcess(config());
    const ready = await proc.waitForLog(isReadyLine);
    const base = `http://${String(ready.address)}`;

    const readyResponse = await fetch(`${base}/-/ready`);
    assert.equal(readyResponse.status, 200);
    assert.equal(await readyResponse.text(), 'PrimoART tiny-worker is Ready.\n');
    assert.equal((await fetch(`${base}/-/healthy`)).status, 200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^primoart_process_ready 1$/m);
    assert.match(metrics, /^process_cpu_user_seconds_total /m);
    assert.deepEqual(await (await fetch(`${base}/work`)).json(), { done: true });
    assert.equal(ready.component, 'tiny-worker');

    proc.child.kill('SIGTERM');
    assert.equal(await proc.exited, 0);
    assert.ok(proc.logs.some((line) => line.msg === 'tiny stopped'));
    assert.equal(proc.stderr(), '');
  },
);

test('/-/ready is 503 and component routes refuse work until start() finished', testOptions, async () => {
  const startGate = join(workDir, `start-gate-${process.hrtime.bigint()}`);
  const proc = startProcess(config(), { FIXTURE_START_GATE: startGate });
  const listening = await proc.waitForLog(isListeningLine);
  const base = `http://${String(listening.address)}`;

  assert.equal((await fetch(`${base}/-/ready`)).status, 503);
  assert.equal((await fetch(`${base}/-/healthy`)).status, 200);
  const early = await fetch(`${base}/work`);
  assert.equal(early.status, 503);
  assert.equal(early.headers.get('retry-after'), '1');
  assert.match(await (await fetch(`${base}/metrics`)).text(), /^primoart_process_ready 0$/m);

  writeFileSync(startGate, '');
  await proc.waitForLog(isReadyLine);
  assert.equal((await fetch(`${base}/-/ready`)).status, 200);
  proc.child.kill('SIGTERM');
  assert.equal(await proc.exited, 0);
});

test('on SIGTERM a request in flight completes before the component stops', testOptions, async () => {
  const slowGate = join(workDir, `slow-gate-${process.hrtime.bigint()}`);
  const proc = startProcess(config(), { FIXTURE_SLOW_GATE: slowGate });
  const ready = await proc.waitForLog(isReadyLine);
  const base = `http://${String(ready.address)}`;

  const slow = fetch(`${base}/slow`);
  await proc.waitForLog((line) => line.msg === 'slow request received');
  proc.child.kill('SIGTERM');
  await proc.waitForLog((line) => line.msg?.startsWith('shutting down') === true);
  assert.equal((await fetch(`${base}/-/ready`)).status, 503);
  assert.equal((await fetch(`${base}/work`)).status, 503);
  assert.ok(
    !proc.logs.some((line) => line.msg === 'tiny stopping'),
    'stop() began before the request finished',
  );

  writeFileSync(slowGate, '');
  const response = await slow;
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { done: true });
  assert.equal(await proc.exited, 0);
  assert.ok(proc.logs.some((line) => line.msg === 'tiny stopped'));
});

test('a stop() that hangs ends the process with exit 1 naming the step', testOptions, async () => {
  const proc = startProcess(config({ startup: '{ shutdown_timeout_ms: 1000 }' }), {
    FIXTURE_STOP_HANGS: '1',
  });
  await proc.waitForLog(isReadyLine);
  proc.child.kill('SIGTERM');
  assert.equal(await proc.exited, 1);
  assert.equal(proc.stderr(), 'tiny-worker: shutdown did not finish within 1 s; still in component.stop()\n');
});

test('a second signal during shutdown exits at once, non-zero', testOptions, async () => {
  const proc = startProcess(config({ startup: '{ shutdown_timeout_ms: 60000 }' }), {
    FIXTURE_STOP_HANGS: '1',
  });
  await proc.waitForLog(isReadyLine);
  proc.child.kill('SIGTERM');
  await proc.waitForLog((line) => line.msg === 'tiny stopping');
  proc.child.kill('SIGINT');
  assert.equal(await proc.exited, 1);
  assert.equal(
    proc.stderr(),
    'tiny-worker: second SIGINT while in component.stop(); exiting without finishing\n',
  );
});

test('a port already in use: exit 1 with one clear line', testOptions, async () => {
  const taken = await listenOnFreePort();
  try {
    const proc = startProcess(config({ listen: `127.0.0.1:${taken.port}` }));
    assert.equal(await proc.exited, 1);
    assert.equal(
      proc.stderr(),
      `tiny-worker: cannot listen on 127.0.0.1:${taken.port}: address already in use\n`,
    );
  } finally {
    taken.server.close();
  }
});

test('a dependency that stays down: exit 1 naming it once the timeout passed', testOptions, async () => {
  const port = await closedPort();
  const proc = startProcess(config({ kafkaPort: port }));
  assert.equal(await proc.exited, 1);
  assert.equal(
    proc.stderr(),
    `tiny-worker: kafka at 127.0.0.1:${port} unreachable after 1 s: connect ECONNREFUSED 127.0.0.1:${port}\n`,
  );
  const retries = proc.logs.filter((line) => line.msg === `kafka at 127.0.0.1:${port} not reachable yet`);
  assert.ok(retries.length >= 1, 'each failed attempt is logged');
  assert.equal(retries[0]?.level, 'warn');
});

test('SIGTERM while waiting for a dependency stops the start-up cleanly', testOptions, async () => {
  const port = await closedPort();
  const proc = startProcess(config({ kafkaPort: port, startup: '{ dependency_timeout_ms: 60000 }' }));
  await proc.waitForLog((line) => line.msg === `kafka at 127.0.0.1:${port} not reachable yet`);
  proc.child.kill('SIGTERM');
  assert.equal(await proc.exited, 0);
  assert.ok(
    proc.logs.some(
      (line) => line.msg === `start-up interrupted: stopped while waiting for kafka at 127.0.0.1:${port}`,
    ),
  );
});

test('an invalid config: every problem on stderr, exit 1, nothing started', testOptions, async () => {
  const proc = startProcess(config({ listen: 'localhost', extra: 'log: { level: loud }' }));
  assert.equal(await proc.exited, 1);
  const lines = proc.stderr().trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(
    lines[0] ?? '',
    /primoart\.yml:5:\d+: workers\.tiny-worker\.listen: expected host:port, got "localhost"$/,
  );
  assert.match(lines[1] ?? '', /primoart\.yml:6:\d+: log\.level: expected one of/);
  assert.deepEqual(proc.logs, []);
});

test('a missing section for this process: exit 1 naming it', testOptions, async () => {
  const proc = startProcess(config().replace('tiny-worker:', 'other-worker:'));
  assert.equal(await proc.exited, 1);
  assert.match(
    proc.stderr(),
    /primoart\.yml: workers\.tiny-worker: section for worker "tiny-worker" is missing\n$/,
  );
});

const hasPython = spawnSync('python3', ['--version']).status === 0;
const hasSystemdNotify = spawnSync('systemd-notify', ['--version']).status === 0;

test('under systemd, READY=1 is sent once ready and STOPPING=1 on SIGTERM', {
  ...testOptions,
  skip: !(hasPython && hasSystemdNotify) && 'needs python3 and systemd-notify',
}, async () => {
  const socketPath = join(workDir, `notify-${process.hrtime.bigint()}.sock`);
  const receiver = spawn('python3', [notifySocketScript, socketPath], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.add(receiver);
  let received = '';
  const receivedLine = (pattern: RegExp) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (pattern.test(received)) resolve();
      };
      receiver.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        received += chunk;
        check();
      });
      check();
    });
  await receivedLine(/^bound$/m);

  const proc = startProcess(config(), { NOTIFY_SOCKET: socketPath });
  await receivedLine(/READY=1/);
  await proc.waitForLog(isReadyLine);
  proc.child.kill('SIGTERM');
  await receivedLine(/STOPPING=1/);
  assert.equal(await proc.exited, 0);
  receiver.kill();
});
