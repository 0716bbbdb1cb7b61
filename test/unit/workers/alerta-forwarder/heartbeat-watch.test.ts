// The heartbeat watch against a stand-in Alerta that lists heartbeats page by page and keeps one alert
// per resource (open unless normal): stale heartbeats raise HeartbeatFail, their return closes it,
// healthy origins never alerted get nothing, other origins are ignored, retired ones are forgotten.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { Registry } from 'prom-client';
import {
  createAlertaClient,
  type ListedHeartbeat,
} from '../../../../workers/alerta-forwarder/alerta-client.ts';
import { heartbeatCheck } from '../../../../workers/alerta-forwarder/heartbeat-watch.ts';

let heartbeats: ListedHeartbeat[] = [];
/** The fake's alerts by resource: the last one posted (Alerta correlates Fail, Slow and OK into one). */
const alerts = new Map<string, Record<string, any>>();
const posted: Array<Record<string, any>> = [];
const deleted: string[] = [];
const listed: string[] = [];
let failLists = false;

function page<T>(items: T[], params: URLSearchParams, key: string) {
  const size = Number(params.get('page-size') ?? 50);
  const number = Number(params.get('page') ?? 1);
  const pages = Math.max(1, Math.ceil(items.length / size));
  if (items.length > 0 && number > pages) return { status: 416, body: { message: 'page out of range' } };
  const slice = items.slice((number - 1) * size, number * size);
  return { status: 200, body: { status: 'ok', [key]: slice, more: number < pages, total: items.length } };
}

function answer(method: string, url: URL, body: string): { status: number; body: unknown } {
  const params = url.searchParams;
  if (failLists && method === 'GET') return { status: 503, body: { message: 'down' } };
  if (method === 'GET' && url.pathname === '/heartbeats') {
    listed.push(url.search);
    const needle = (params.get('origin') ?? '~').slice(1).toLowerCase();
    const matching = heartbeats
      .filter((beat) => beat.origin.toLowerCase().includes(needle))
      .sort((a, b) => a.origin.localeCompare(b.origin));
    return page(matching, params, 'heartbeats');
  }
  if (method === 'GET' && url.pathname === '/alerts') {
    const matching = [...alerts.values()].filter(
      (alert) =>
        alert.environment === params.get('environment') &&
        alert.group === params.get('group') &&
        params.getAll('event').includes(alert.event) &&
        alert.status !== params.get('status!'),
    );
    return page(matching, params, 'alerts');
  }
  if (method === 'POST' && url.pathname === '/alert') {
    const alert = JSON.parse(body);
    posted.push(alert);
    alerts.set(alert.resource, { ...alert, status: alert.severity === 'normal' ? 'closed' : 'open' });
    return { status: 201, body: { status: 'ok', id: 'x' } };
  }
  const retired = /^\/heartbeat\/(.+)$/.exec(url.pathname);
  if (method === 'DELETE' && retired !== null) {
    const id = decodeURIComponent(retired[1] as string);
    deleted.push(id);
    heartbeats = heartbeats.filter((beat) => beat.id !== id);
    return { status: 200, body: { status: 'ok' } };
  }
  return { status: 404, body: { message: 'not found' } };
}

const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => {
    body += chunk.toString('utf8');
  });
  request.on('end', () => {
    const { status, body: json } = answer(
      request.method ?? '',
      new URL(request.url ?? '/', 'http://x'),
      body,
    );
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
  });
});
let url = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  heartbeats = [];
  alerts.clear();
  posted.length = 0;
  deleted.length = 0;
  listed.length = 0;
  failLists = false;
});

const forgetAfterMs = 24 * 60 * 60_000;

function beat(origin: string, status: ListedHeartbeat['status'], since = 10): ListedHeartbeat {
  return {
    id: `id-${origin}`,
    origin,
    status,
    receiveTime: '2026-11-23T06:00:00.000Z',
    since,
    timeout: 120,
    latency: status === 'slow' ? 3500 : 12,
    maxLatency: 2000,
  };
}

function watch() {
  const client = createAlertaClient({ url, apiKey: 'k', requestTimeoutMs: 2000 });
  const lines: Array<{ level: string; message: string }> = [];
  const metrics = new Registry();
  const check = heartbeatCheck({
    client,
    settings: {
      origin: 'primoart/alerta-forwarder/host-18107',
      environment: 'production',
      originPrefix: 'primoart/',
      forgetAfterMs,
    },
    logger: {
      warn: (_details: object, message: string) => lines.push({ level: 'warn', message }),
      info: (_details: object, message: string) => lines.push({ level: 'info', message }),
    } as never,
    metrics,
    now: () => new Date('2026-11-23T07:00:00.000Z'),
  });
  return { check, lines, metrics, close: () => client.close() };
}

test('an expired heartbeat raises HeartbeatFail; once it reports again HeartbeatOK closes it, then nothing', async () => {
  const w = watch();
  const origin = 'primoart/synth-store/host-18101';
  heartbeats = [beat(origin, 'expired', 400)];
  await w.check();
  assert.equal(posted.length, 1);
  const fail = posted[0] as Record<string, any>;
  assert.equal(fail.event, 'HeartbeatFail');
  assert.equal(fail.severity, 'major');
  assert.equal(fail.resource, origin);
  assert.equal(fail.environment, 'production');
  assert.deepEqual(fail.correlate, ['HeartbeatFail', 'HeartbeatSlow', 'HeartbeatOK']);
  assert.deepEqual(fail.service, ['PrimoART']);
  assert.equal(fail.group, 'Heartbeat');
  assert.equal(fail.origin, 'primoart/alerta-forwarder/host-18107');
  assert.match(fail.text, /synth-store instance host-18101 .*since 2026-11-23T06:00:00.000Z/);

  // Still stale: sent again (a duplicate in Alerta).
  await w.check();
  assert.equal(posted.length, 2);
  assert.equal(posted[1]?.event, 'HeartbeatFail');

  heartbeats = [beat(origin, 'ok')];
  await w.check();
  assert.equal(posted.length, 3);
  assert.equal(posted[2]?.event, 'HeartbeatOK');
  assert.equal(posted[2]?.severity, 'normal');
  assert.equal(alerts.get(origin)?.status, 'closed');

  // Healthy and nothing open: no alert at all (a normal would create a new closed alert in Alerta).
  await w.check();
  assert.equal(posted.length, 3);
  const metrics = await w.metrics.metrics();
  assert.match(metrics, /primoart_alerta_forwarder_heartbeat_alerts_total\{event="HeartbeatFail"\} 2/);
  assert.match(metrics, /primoart_alerta_forwarder_heartbeat_alerts_total\{event="HeartbeatOK"\} 1/);
  await w.close();
});

test('healthy origins never alerted get nothing; a slow one raises HeartbeatSlow (minor)', async () => {
  const w = watch();
  heartbeats = [
    beat('primoart/baseline/host-18104', 'ok'),
    beat('primoart/event-detector/host-18106', 'slow'),
  ];
  await w.check();
  assert.equal(posted.length, 1);
  assert.equal(posted[0]?.resource, 'primoart/event-detector/host-18106');
  assert.equal(posted[0]?.event, 'HeartbeatSlow');
  assert.equal(posted[0]?.severity, 'minor');
  await w.close();
});

test('heartbeats of other origins are ignored, even expired and even when they contain primoart/', async () => {
  const w = watch();
  heartbeats = [beat('cron/host-1', 'expired', 400), beat('legacy/primoart/x', 'expired', 400)];
  await w.check();
  assert.equal(posted.length, 0);
  assert.ok(
    listed.every((search) => search.includes('origin=%7Eprimoart%2F')),
    listed.join('\n'),
  );
  await w.close();
});

test('every page of heartbeats is read: an expired one beyond the first page is alerted', async () => {
  const w = watch();
  heartbeats = Array.from({ length: 1100 }, (_, i) =>
    beat(`primoart/synth-store/host-${String(i).padStart(5, '0')}`, 'ok'),
  );
  heartbeats.push(beat('primoart/zz-last/host-1', 'expired', 400));
  await w.check();
  assert.deepEqual(
    posted.map((alert) => [alert.resource, alert.event]),
    [['primoart/zz-last/host-1', 'HeartbeatFail']],
  );
  assert.equal(listed.length, 3, listed.join('\n'));
  await w.close();
});

test('a heartbeat expired beyond forget_after is deleted and its open alert closed; a deleted one closes too', async () => {
  const w = watch();
  const retired = 'primoart/synth-store/host-18111';
  const gone = 'primoart/synth-store/host-18112';
  const recent = 'primoart/synth-store/host-18113';
  heartbeats = [beat(retired, 'expired', 400), beat(gone, 'expired', 400), beat(recent, 'expired', 400)];
  await w.check();
  assert.equal(posted.filter((alert) => alert.event === 'HeartbeatFail').length, 3);
  posted.length = 0;

  // A day later: `retired` is past forget_after, `gone` was deleted by hand, `recent` reported once since.
  heartbeats = [
    beat(retired, 'expired', 120 + forgetAfterMs / 1000 + 1),
    beat(recent, 'expired', 120 + forgetAfterMs / 1000 - 60),
  ];
  await w.check();
  assert.deepEqual(deleted, [`id-${retired}`]);
  assert.deepEqual(posted.map((alert) => [alert.resource, alert.event, alert.severity]).sort(), [
    [retired, 'HeartbeatOK', 'normal'],
    [gone, 'HeartbeatOK', 'normal'],
    [recent, 'HeartbeatFail', 'major'],
  ]);
  assert.match(String(alerts.get(retired)?.text), /retired/);

  // Forgotten: nothing more about it.
  posted.length = 0;
  await w.check();
  assert.deepEqual(
    posted.map((alert) => alert.resource),
    [recent],
  );
  await w.close();
});

test('Alerta unavailable: the check neither throws nor sends, logs once per streak, and recovers', async () => {
  const w = watch();
  heartbeats = [beat('primoart/synth-store/host-18101', 'expired', 400)];
  failLists = true;
  await w.check();
  await w.check();
  assert.equal(posted.length, 0);
  assert.deepEqual(
    w.lines.map((line) => line.level),
    ['warn'],
  );
  assert.match(await w.metrics.metrics(), /primoart_alerta_forwarder_heartbeat_watch_errors_total 2/);
  failLists = false;
  await w.check();
  assert.equal(posted.length, 1);
  assert.deepEqual(
    w.lines.map((line) => line.level),
    ['warn', 'info'],
  );
  await w.close();
});
