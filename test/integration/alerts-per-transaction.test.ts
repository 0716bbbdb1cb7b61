// One alert per transaction problem, end to end: runs uploaded through a gateway, judged by an event
// detector, forwarded by an Alerta forwarder into the real Alerta. One location failing opens one
// alert naming it; a second location failing updates that same alert (severity, text, attributes);
// both recovering close it. A transaction with a single location gives exactly one alert.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { topics } from '../../topics/catalog.ts';
import { alertResourceOf } from '../../workers/alerta-forwarder/alert-body.ts';
import { type AlertaAlert, alerta, alertaKey, alertaUrl } from './alerta.ts';
import {
  detectorReadyTimeoutMs,
  freePort,
  freshResult,
  stack,
  startGroupAtEnd,
  startReady,
  testConfig,
  upload,
  waitConsumed,
} from './stack.ts';

const minuteMs = 60_000;
const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const places = {
  frankfurt: { country: 'DE', region: 'Hesse', city: 'Frankfurt am Main' },
  tokyo: { country: 'JP', region: 'Tokyo', city: 'Tokyo' },
  saoPaulo: { country: 'BR', region: 'São Paulo', city: 'São Paulo' },
} as const;
type Place = keyof typeof places;
const keyOf = (place: Place) => Object.values(places[place]).join('/');

/** This test's forwarder sends into an environment of its own: other tests' forwarders read these events too. */
const environment = 'development';

test('one alert per transaction problem: named locations, updated as they change, closed on recovery', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'primoart-alerts-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const id = randomUUID().slice(0, 8);
  const ports = { detector: await freePort(), forwarder: await freePort() };
  const groups = {
    detector: `primoart.it.event-detector.${id}`,
    forwarder: `primoart.it.alerta-forwarder.${id}`,
  };
  const setup = await testConfig(stack.pgUrl(), {
    alerta: { url: alertaUrl(), api_key: alertaKey(), environment },
    workers: {
      'event-detector': {
        listen: `127.0.0.1:${ports.detector}`,
        group_id: groups.detector,
        state_file: join(dir, 'detector.sqlite'),
        retry: { initial_ms: 100, max_ms: 1000 },
      },
      'alerta-forwarder': {
        listen: `127.0.0.1:${ports.forwarder}`,
        group_id: groups.forwarder,
        state_file: join(dir, 'forwarder.sqlite'),
        retry: { initial_ms: 100, max_ms: 1000 },
        forwarding: {
          // The runs are up to an hour old: their events must still be sent.
          max_event_age_ms: 2 * 60 * minuteMs,
          console_url: 'https://primoart.example/console/',
          heartbeat_origin_prefix: `primoart/it-none-${id}`,
        },
      },
    },
  });
  const transactions = { spread: randomUUID(), single: randomUUID() };
  const resources = {
    spread: alertResourceOf({
      transaction_id: transactions.spread,
      transaction_name: 'Checkout',
      location: null,
    }),
    single: alertResourceOf({
      transaction_id: transactions.single,
      transaction_name: 'Checkout',
      location: null,
    }),
  };
  /** Every alert of a transaction in this test's environment, whatever its resource or event. */
  const alertsOf = async (transactionId: string): Promise<AlertaAlert[]> => {
    const query = new URLSearchParams({ resource: `~#${transactionId.slice(0, 8)}`, environment });
    return (await alerta<{ alerts: AlertaAlert[] }>('GET', `/alerts?${query}`)).alerts;
  };
  cleanups.push(async () => {
    for (const transactionId of Object.values(transactions))
      for (const alert of await alertsOf(transactionId)) await alerta('DELETE', `/alert/${alert.id}`);
  });

  await startGroupAtEnd(groups.detector, topics.synthResults.name);
  await startGroupAtEnd(groups.forwarder, topics.events.name);
  const gateway = await startReady(['gateway', '--config.file', setup.configFile], setup.gatewayUrl);
  cleanups.push(() => gateway.stop());
  const detector = await startReady(
    ['worker', 'event-detector', '--config.file', setup.configFile],
    `http://127.0.0.1:${ports.detector}`,
    detectorReadyTimeoutMs,
  );
  cleanups.push(() => detector.stop());
  const forwarder = await startReady(
    ['worker', 'alerta-forwarder', '--config.file', setup.configFile],
    `http://127.0.0.1:${ports.forwarder}`,
  );
  cleanups.push(() => forwarder.stop());

  // Runs a minute apart from t0 (in the past, so none is too old for the forwarder's max age either).
  const t0 = Date.now() - 60 * minuteMs;
  let minute = 0;
  /** One schedule slot: each place's run with its status, a minute later than the slot before. */
  const slot = async (transactionId: string, statuses: Partial<Record<Place, 'OK' | 'FAIL'>>) => {
    minute += 1;
    const finished = t0 + minute * minuteMs;
    const iso = (ms: number) => new Date(ms).toISOString();
    const runs = Object.entries(statuses).map(([place, status], i) =>
      freshResult({
        transaction_id: transactionId,
        transaction_name: 'Checkout',
        robot_id: setup.robotId,
        location: places[place as Place],
        started_at: iso(finished - 3000 + i),
        finished_at: iso(finished + i),
        status,
        steps: [
          {
            index: 0,
            name: 'pay',
            started_at: iso(finished - 3000 + i),
            finished_at: iso(finished + i),
            status,
          },
        ],
      }),
    );
    const response = await upload(setup.gatewayUrl, setup.robotKey, { results: runs });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    for (const item of response.body.results) assert.equal(item.status, 'accepted', JSON.stringify(item));
  };
  const slots = async (
    transactionId: string,
    count: number,
    statuses: Partial<Record<Place, 'OK' | 'FAIL'>>,
  ) => {
    for (let i = 0; i < count; i++) await slot(transactionId, statuses);
  };
  const consumed = [
    [groups.detector, topics.synthResults.name],
    [groups.forwarder, topics.events.name],
  ] as const;
  /** Waits until the transaction's one alert matches, with everything uploaded judged and forwarded. */
  const alertWhen = (what: string, transactionId: string, matches: (alert: AlertaAlert) => boolean) =>
    waitConsumed(
      what,
      async () => {
        const alerts = await alertsOf(transactionId);
        return alerts.length === 1 && alerts[0] !== undefined && matches(alerts[0]) ? alerts[0] : undefined;
      },
      consumed,
      { describe: async () => JSON.stringify(await alertsOf(transactionId)) },
    );

  // Three locations report; Frankfurt fails three times: one alert, major, naming Frankfurt.
  await slot(transactions.spread, { frankfurt: 'OK', tokyo: 'OK', saoPaulo: 'OK' });
  await slots(transactions.spread, 3, { frankfurt: 'FAIL', tokyo: 'OK', saoPaulo: 'OK' });
  const opened = await alertWhen(
    'one alert naming Frankfurt',
    transactions.spread,
    (a) => a.severity === 'major',
  );
  assert.equal(opened.resource, resources.spread);
  assert.equal(opened.event, 'TransactionUnavailable');
  assert.equal(opened.status, 'open');
  assert.match(opened.text, /^Checkout: failing at Frankfurt am Main — 1 of 3 locations/);
  assert.deepEqual(
    [
      opened.attributes.failingLocations,
      opened.attributes.failingLocationCount,
      opened.attributes.locationCount,
    ],
    [keyOf('frankfurt'), 1, 3],
  );
  assert.equal(
    opened.attributes.consoleUrl,
    `https://primoart.example/console/transactions/${transactions.spread}`,
  );
  assert.match(
    String(opened.attributes.runUrl),
    new RegExp(`^https://primoart\\.example/console/runs/${setup.robotId}/`),
  );

  // Tokyo fails too: the same alert, critical, naming both.
  await slots(transactions.spread, 3, { frankfurt: 'FAIL', tokyo: 'FAIL', saoPaulo: 'OK' });
  const widened = await alertWhen(
    'the alert updated with Tokyo',
    transactions.spread,
    (a) => a.severity === 'critical',
  );
  assert.equal(widened.id, opened.id, 'the same alert');
  assert.match(widened.text, /^Checkout: failing at Frankfurt am Main, Tokyo — 2 of 3 locations/);
  assert.equal(widened.attributes.failingLocations, `${keyOf('frankfurt')}, ${keyOf('tokyo')}`);

  // Both recover: the alert closes (Frankfurt first: major again, naming Tokyo; then closed).
  await slots(transactions.spread, 3, { frankfurt: 'OK', tokyo: 'FAIL', saoPaulo: 'OK' });
  const narrowed = await alertWhen(
    'the alert back to Tokyo alone',
    transactions.spread,
    (a) => a.severity === 'major',
  );
  assert.equal(narrowed.id, opened.id);
  assert.match(narrowed.text, /^Checkout: failing at Tokyo — 1 of 3 locations/);
  await slots(transactions.spread, 3, { frankfurt: 'OK', tokyo: 'OK', saoPaulo: 'OK' });
  const closed = await alertWhen('the alert closed', transactions.spread, (a) => a.status === 'closed');
  assert.equal(closed.id, opened.id);
  assert.equal(closed.severity, 'normal');

  // A transaction with one location: exactly one alert for its outage, critical (every location), closed on recovery.
  await slots(transactions.single, 4, { tokyo: 'FAIL' });
  const single = await alertWhen(
    'the single location’s alert',
    transactions.single,
    (a) => a.status === 'open',
  );
  assert.equal(single.resource, resources.single);
  assert.equal(single.severity, 'critical');
  assert.match(single.text, /^Checkout: failing at Tokyo — 1 of 1 location \(/);
  await slots(transactions.single, 3, { tokyo: 'OK' });
  const singleClosed = await alertWhen(
    'the single location’s alert closed',
    transactions.single,
    (a) => a.status === 'closed',
  );
  assert.equal(singleClosed.id, single.id);
});
