// Worker heartbeats (the frame's own sender) against a stand-in Alerta: sent every interval,
// failures logged once per streak and never thrown, nothing after stop().
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { createHeartbeatSender, heartbeatOriginOf, startHeartbeats } from '../../../workers/heartbeats.ts';

const received: Array<{ url: string; authorization: string | undefined; body: Record<string, unknown> }> = [];
/** Status of each next answer, in order; 201 once used up. */
let statuses: number[] = [];
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => {
    body += chunk.toString('utf8');
  });
  request.on('end', () => {
    received.push({
      url: request.url ?? '',
      authorization: request.headers.authorization,
      body: JSON.parse(body),
    });
    response.writeHead(statuses.shift() ?? 201, { 'content-type': 'application/json' }).end('{}');
  });
});
let url = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received.length = 0;
  statuses = [];
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await sleep(10);
  assert.ok(condition(), 'condition not reached');
}

function logger() {
  const lines: Array<{ level: string; message: string }> = [];
  return {
    lines,
    warn: (_details: object, message: string) => lines.push({ level: 'warn', message }),
    info: (_details: object, message: string) => lines.push({ level: 'info', message }),
  };
}

function start(log = logger()) {
  const client = createHeartbeatSender({ url, apiKey: 'hb-key', requestTimeoutMs: 2000 });
  const heartbeats = startHeartbeats({
    client,
    settings: { origin: 'primoart/synth-store/host-18101', intervalMs: 10, timeoutSeconds: 120, tags: [] },
    logger: log as never,
    metrics: new Registry(),
  });
  return {
    log,
    async stop() {
      await heartbeats.stop();
      await client.close();
    },
  };
}

test('a heartbeat with the origin and timeout is POSTed at once and then every interval', async () => {
  const running = start();
  await until(() => received.length >= 3);
  await running.stop();
  for (const request of received) {
    assert.equal(request.url, '/heartbeat');
    assert.equal(request.authorization, 'Key hb-key');
    assert.equal(request.body.origin, 'primoart/synth-store/host-18101');
    assert.equal(request.body.timeout, 120);
    assert.equal(request.body.type, 'Heartbeat');
  }
});

test('after stop() no heartbeat is sent', async () => {
  const running = start();
  await until(() => received.length >= 1);
  await running.stop();
  const count = received.length;
  await sleep(100);
  assert.equal(received.length, count);
});

test('failures are logged once per streak, never thrown, and the recovery is logged', async () => {
  statuses = [500, 503, 500];
  const running = start();
  await until(() => received.length >= 5);
  await running.stop();
  assert.deepEqual(
    running.log.lines.map((line) => line.level),
    ['warn', 'info'],
  );
});

test('Alerta unreachable is logged, not thrown', async () => {
  const log = logger();
  const client = createHeartbeatSender({ url: 'http://127.0.0.1:1', apiKey: 'k', requestTimeoutMs: 500 });
  const heartbeats = startHeartbeats({
    client,
    settings: { origin: 'o', intervalMs: 10, timeoutSeconds: 120, tags: [] },
    logger: log as never,
    metrics: new Registry(),
  });
  await until(() => log.lines.length > 0);
  await sleep(50);
  await heartbeats.stop();
  await client.close();
  assert.deepEqual(
    log.lines.map((line) => line.level),
    ['warn'],
  );
});

test('the origin names the worker and the instance by host and listen port (pid for port 0)', () => {
  assert.equal(heartbeatOriginOf('baseline', '127.0.0.1:18105', 'box'), 'primoart/baseline/box-18105');
  assert.equal(heartbeatOriginOf('baseline', '0.0.0.0:18106', 'box'), 'primoart/baseline/box-18106');
  assert.equal(heartbeatOriginOf('baseline', '127.0.0.1:0', 'box', 4242), 'primoart/baseline/box-pid4242');
});
