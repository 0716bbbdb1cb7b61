// Worker heartbeats (the frame's own sender) against a stand-in Alerta: sent every interval,
// failures logged once per streak and never thrown, nothing after stop(); and how
// startWorkerHeartbeats reads the config's `alerta` section (interval, timeout in seconds, request
// timeout, nothing without the section).
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { alertaSchema } from '../../../core/config-schema.ts';
import {
  createHeartbeatSender,
  heartbeatOf,
  heartbeatOriginOf,
  startHeartbeats,
  startWorkerHeartbeats,
} from '../../../workers/heartbeats.ts';

const received: Array<{ url: string; authorization: string | undefined; body: Record<string, unknown> }> = [];
/** Status of each next answer, in order; 201 once used up. */
let statuses: number[] = [];
/** When set, requests get no answer at all (kept here until the test ends). */
let hang = false;
const hanging: ServerResponse[] = [];
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
    if (hang) hanging.push(response);
    else response.writeHead(statuses.shift() ?? 201, { 'content-type': 'application/json' }).end('{}');
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
  hang = false;
});
afterEach(() => {
  for (const response of hanging.splice(0)) response.destroy();
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await sleep(10);
  assert.ok(condition(), 'condition not reached');
}

function logger() {
  const lines: Array<{ level: string; message: string; details: object }> = [];
  return {
    lines,
    warn: (details: object, message: string) => lines.push({ level: 'warn', message, details }),
    info: (details: object, message: string) => lines.push({ level: 'info', message, details }),
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

test('the sender POSTs heartbeatOf(...) as it is to <url>/heartbeat, and rejects a non-2xx answer', async () => {
  const sender = createHeartbeatSender({ url: `${url}/api/`, apiKey: 'hb-key', requestTimeoutMs: 2000 });
  const heartbeat = heartbeatOf(
    { origin: 'primoart/synth-store/host-18101', heartbeatTimeoutSeconds: 120 },
    new Date('2026-11-23T10:00:00Z'),
    ['Production'],
  );
  await sender.sendHeartbeat(heartbeat);
  statuses = [500];
  await assert.rejects(sender.sendHeartbeat(heartbeat), /Alerta answered 500/);
  await sender.close();
  assert.equal(received[0]?.url, '/api/heartbeat');
  assert.equal(received[0]?.authorization, 'Key hb-key');
  assert.deepEqual(received[0]?.body, {
    origin: 'primoart/synth-store/host-18101',
    tags: ['Production'],
    attributes: {},
    type: 'Heartbeat',
    createTime: '2026-11-23T10:00:00.000Z',
    timeout: 120,
  });
});

/** Heartbeats sent or failed so far (the beat has settled once it is counted). */
async function beats(metrics: Registry): Promise<number> {
  let total = 0;
  for (const name of ['primoart_heartbeats_sent_total', 'primoart_heartbeats_failed_total'])
    total += (await metrics.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;
  return total;
}

/** Waits without timers (they may be mocked) until `count` beats settled, and a few turns more. */
async function settled(metrics: Registry, count: number): Promise<void> {
  for (let i = 0; i < 5_000 && (await beats(metrics)) < count; i++) await nextTurn();
  assert.equal(await beats(metrics), count);
  for (let i = 0; i < 10; i++) await nextTurn();
}

for (const { name, alerta, intervalMs, timeoutSeconds } of [
  {
    name: 'heartbeat_interval_ms, and heartbeat_timeout_ms as seconds',
    alerta: { heartbeat_interval_ms: 5_000, heartbeat_timeout_ms: 60_000 },
    intervalMs: 5_000,
    timeoutSeconds: 60,
  },
  {
    name: 'the defaults when the section leaves them out',
    alerta: {},
    intervalMs: 30_000,
    timeoutSeconds: 120,
  },
]) {
  test(`startWorkerHeartbeats: at once, then every interval, from the alerta section: ${name}`, async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const metrics = new Registry();
    const heartbeats = startWorkerHeartbeats({
      worker: 'synth-store',
      listen: '127.0.0.1:18101',
      alerta: alertaSchema.parse({ url, api_key: 'hb-key', ...alerta }),
      logger: logger() as never,
      metrics,
    });
    assert.ok(heartbeats);
    await settled(metrics, 1);
    t.mock.timers.tick(intervalMs - 1);
    await nextTurn();
    assert.equal(await beats(metrics), 1, 'nothing before the interval');
    t.mock.timers.tick(1);
    await settled(metrics, 2);
    t.mock.timers.tick(intervalMs);
    await settled(metrics, 3);
    await heartbeats.stop();
    assert.equal(received.length, 3);
    for (const request of received) {
      assert.equal(request.url, '/heartbeat');
      assert.equal(request.authorization, 'Key hb-key');
      assert.equal(request.body.origin, heartbeatOriginOf('synth-store', '127.0.0.1:18101'));
      assert.equal(request.body.timeout, timeoutSeconds);
    }
  });
}

test('startWorkerHeartbeats: request_timeout_ms bounds a heartbeat Alerta never answers', async () => {
  hang = true;
  const log = logger();
  const heartbeats = startWorkerHeartbeats({
    worker: 'synth-store',
    listen: '127.0.0.1:18101',
    alerta: alertaSchema.parse({
      url,
      api_key: 'hb-key',
      request_timeout_ms: 300,
      heartbeat_interval_ms: 60_000,
    }),
    logger: log as never,
    metrics: new Registry(),
  });
  const started = performance.now();
  await until(() => log.lines.length > 0);
  const elapsed = performance.now() - started;
  await heartbeats?.stop();
  assert.equal(received.length, 1);
  assert.deepEqual(
    log.lines.map((line) => line.level),
    ['warn'],
  );
  // Failed by its own timeout (300 ms; undici checks timeouts on a coarse tick, so up to about a
  // second), long before the default (10 s).
  assert.ok(
    elapsed >= 250 && elapsed < alertaSchema.parse({ url, api_key: 'k' }).request_timeout_ms / 2,
    `failed after ${Math.round(elapsed)} ms`,
  );
  assert.match(JSON.stringify(log.lines[0]?.details), /timeout/i);
});

test('startWorkerHeartbeats: no alerta section, no heartbeats', async () => {
  const heartbeats = startWorkerHeartbeats({
    worker: 'synth-store',
    listen: '127.0.0.1:18101',
    alerta: undefined,
    logger: logger() as never,
    metrics: new Registry(),
  });
  assert.equal(heartbeats, undefined);
  await sleep(100);
  assert.equal(received.length, 0);
});
