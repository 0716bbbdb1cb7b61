// The alerta-forwarder against the real Kafka and the real Alerta: events produced to
// primoart.events.v1 become one alert per problem that counts repeats and closes on the clear;
// suppressed and too old events are not sent; a replayed open does not re-open the closed alert;
// the worker's heartbeat is listed by Alerta; an environment outside Alerta's list still alerts;
// robot text arrives with clean key fields and escaped shown text.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { toEventRecord } from '../../schemas/event-records.ts';
import type { DetectedEvent } from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import { createTopicCodec } from '../../topics/codec.ts';
import { alertResourceOf } from '../../workers/alerta-forwarder/alert-body.ts';
import { defaultForwarderOptions } from '../../workers/alerta-forwarder/forwarder-options.ts';
import { heartbeatOriginOf } from '../../workers/heartbeats.ts';
import { type AlertaAlert, alerta, alertaKey, alertaUrl } from './alerta.ts';
import {
  freePort,
  kafkaConnection,
  stack,
  startGroupAtEnd,
  startReady,
  testConfig,
  waitFor,
  withAdmin,
} from './stack.ts';

interface Alert {
  id: string;
  event: string;
  status: string;
  severity: string;
  duplicateCount: number;
  service: string[];
  group: string;
  text: string;
  attributes: Record<string, unknown>;
}

/**
 * The stack's own forwarder, when running, sends the test's events too (in their environment,
 * `test`); the test's forwarder replaces the environment, so the two never count each other's alerts.
 */
const forwardedEnvironment = 'development';

const alertsOf = async (resource: string, environment?: string): Promise<Alert[]> =>
  (
    await alerta(
      'GET',
      `/alerts?resource=${encodeURIComponent(resource)}${environment === undefined ? '' : `&environment=${environment}`}`,
    )
  ).alerts;

/** Whether the stack's own alerta-forwarder group committed past `last` (bounded wait). */
function stackForwarderPast(last: { partition: number; offset: bigint }): Promise<boolean> {
  return waitFor(
    "the stack's alerta-forwarder past the test's events",
    () =>
      withAdmin(async (admin) => {
        const committed = await admin.groupOffsets('primoart.alerta-forwarder', topics.events.name);
        const offset = committed.find((entry) => entry.partition === last.partition)?.offset ?? '-1';
        return BigInt(offset) > last.offset;
      }),
    15_000,
  );
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('events become one alert per problem, closed by the clear, never re-opened by a replay; the worker heartbeats', async () => {
  const transactionId = randomUUID();
  const stateDir = mkdtempSync(join(tmpdir(), 'primoart-forwarder-'));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  // Alerts and the heartbeat of this test are removed again: the stack's Alerta stays as it was.
  // The stack's own forwarder, when running, reads the test's events too: it is given a moment to
  // pass them first, or it would create the alerts again (closed ones: every problem here ends cleared).
  let lastProduced: { partition: number; offset: bigint } | undefined;
  cleanups.push(async () => {
    if (lastProduced !== undefined) await stackForwarderPast(lastProduced).catch(() => undefined);
    for (const alert of await alertsOf(resource)) await alerta('DELETE', `/alert/${alert.id}`);
  });
  const resource = alertResourceOf({
    transaction_id: transactionId,
    transaction_name: 'Checkout',
    location: null,
  });

  const groupId = `primoart.it.alerta-forwarder.${randomUUID().slice(0, 8)}`;
  const port = await freePort();
  const workerUrl = `http://127.0.0.1:${port}`;
  const setup = await testConfig(stack.pgUrl(), {
    alerta: {
      url: alertaUrl(),
      api_key: alertaKey(),
      environment: forwardedEnvironment,
      heartbeat_interval_ms: 1000,
    },
    workers: {
      'alerta-forwarder': {
        listen: `127.0.0.1:${port}`,
        group_id: groupId,
        state_file: join(stateDir, 'forwarder.sqlite'),
        retry: { initial_ms: 100, max_ms: 1000 },
        // Its heartbeat watch looks at no origin but one of its own: it must not alert on the stack's.
        forwarding: {
          max_event_age_ms: 15 * 60_000,
          heartbeat_origin_prefix: `primoart/it-none-${randomUUID()}`,
          console_url: 'https://primoart.example/console',
        },
      },
    },
  });
  await startGroupAtEnd(groupId, topics.events.name);
  const worker = await startReady(
    ['worker', 'alerta-forwarder', '--config.file', setup.configFile],
    workerUrl,
  );
  const origin = heartbeatOriginOf('alerta-forwarder', `127.0.0.1:${port}`);
  cleanups.push(async () => {
    // Stopped first, or its next heartbeat would create the origin again.
    await worker.stop();
    const { heartbeats } = await alerta('GET', '/heartbeats');
    for (const beat of heartbeats as Array<{ id: string; origin: string }>)
      if (beat.origin === origin) await alerta('DELETE', `/heartbeat/${beat.id}`);
  });

  const codec = await createTopicCodec(stack.registryUrl(), topics.events);
  const producer = await kafkaConnection().producer();
  cleanups.push(() => producer.disconnect());
  // Keyed by transaction like the detector's: one partition, so the worker sees them in this order.
  const produce = async (...events: DetectedEvent[]) => {
    const messages = await Promise.all(
      events.map(async (event) => ({
        key: event.transaction_id,
        value: await codec.encode(toEventRecord(event)),
      })),
    );
    const [delivered] = await producer.send([{ topic: topics.events.name, messages }]);
    assert.ok(delivered);
    lastProduced = {
      partition: delivered.partition,
      offset: BigInt(delivered.baseOffset) + BigInt(messages.length - 1),
    };
  };
  const event = (overrides: Partial<DetectedEvent>): DetectedEvent => ({
    event_id: randomUUID(),
    action: 'open',
    kind: 'availability',
    severity: 'critical',
    transaction_id: transactionId,
    transaction_name: 'Checkout',
    service: 'webshop',
    environment: 'test',
    location: null,
    occurred_at: new Date(Date.now() - 10_000),
    result_id: randomUUID(),
    value: 'FAILED',
    text: 'Checkout failed',
    baseline: null,
    suppressed: false,
    maintenance_window_id: null,
    robot_id: null,
    locations: [],
    locations_total: 1,
    ...overrides,
  });
  const alertFor = async (eventName: string) =>
    (await alertsOf(resource, forwardedEnvironment)).find((alert) => alert.event === eventName);

  // An open problem: one alert, its fields filled.
  const opened = event({});
  await produce(opened);
  const first = await waitFor('the alert of the open problem', () => alertFor('TransactionUnavailable'));
  assert.equal(first.status, 'open');
  assert.equal(first.severity, 'critical');
  assert.equal(first.duplicateCount, 0);
  assert.deepEqual(first.service, ['webshop']);
  assert.equal(first.group, 'Availability');
  assert.equal(first.attributes.eventId, opened.event_id);
  assert.equal(first.attributes.transactionName, 'Checkout');
  // On-call opens the problem's page in the PrimoART console from the alert.
  assert.equal(first.attributes.consoleUrl, `https://primoart.example/console/transactions/${transactionId}`);

  // The same problem again (a new event id): a duplicate of the same alert.
  await produce(event({}));
  await waitFor(
    'the repeat counted as a duplicate',
    async () => (await alertFor('TransactionUnavailable'))?.duplicateCount === 1,
  );

  // The problem spreads to another location at the same severity, then one of them recovers (a
  // lower severity): the same alert each time, its text and attributes those of the latest.
  const spread = ['DE/Hesse/Frankfurt am Main', 'JP/Tokyo/Tokyo'];
  await produce(
    event({
      locations: spread,
      locations_total: 3,
      value: '2/3 locations',
      text: 'Checkout: failing at Frankfurt am Main, Tokyo — 2 of 3 locations',
    }),
  );
  const widened = await waitFor('the alert updated with both locations', async () => {
    const alert = await alertFor('TransactionUnavailable');
    return alert?.attributes.failingLocations === spread.join(', ') ? alert : undefined;
  });
  assert.equal(widened.id, first.id, 'the same alert');
  assert.match(widened.text, /2 of 3 locations/);
  assert.equal(widened.attributes.failingLocationCount, 2);
  await produce(
    event({
      severity: 'major',
      locations: spread.slice(1),
      locations_total: 3,
      value: '1/3 locations',
      text: 'Checkout: failing at Tokyo — 1 of 3 locations',
    }),
  );
  const narrowed = await waitFor('the alert updated to Tokyo alone', async () => {
    const alert = await alertFor('TransactionUnavailable');
    return alert?.severity === 'major' ? alert : undefined;
  });
  assert.equal(narrowed.id, first.id, 'still the same alert');
  assert.equal(narrowed.attributes.failingLocations, 'JP/Tokyo/Tokyo');
  assert.match(narrowed.text, /1 of 3 locations/);

  // Suppressed and too old events, then the clear: once the alert closed, the two before it were handled.
  await produce(
    event({ kind: 'performance', severity: 'major', suppressed: true }),
    event({ kind: 'degraded', severity: 'warning', occurred_at: new Date(Date.now() - 60 * 60_000) }),
    event({ action: 'clear', severity: 'normal' }),
  );
  const closed = await waitFor('the alert closed by the clear', async () => {
    const alert = await alertFor('TransactionUnavailable');
    return alert?.status === 'closed' ? alert : undefined;
  });
  assert.equal(closed.severity, 'normal');
  assert.equal(closed.id, first.id, 'one alert per problem');
  assert.equal(await alertFor('TransactionSlow'), undefined, 'a suppressed event is not sent');
  assert.equal(
    await alertFor('TransactionDegraded'),
    undefined,
    'an event older than the max age is not sent',
  );

  // The first open again, as a replay re-produces it, then a new problem as a marker of having read past it.
  await produce(opened, event({ kind: 'no_data', severity: 'major', result_id: null }));
  await waitFor('the marker alert', () => alertFor('TransactionNoData'));
  const afterReplay = await alertFor('TransactionUnavailable');
  assert.equal(afterReplay?.status, 'closed', 'a replayed open does not re-open the closed alert');
  assert.equal(afterReplay?.severity, 'normal');

  const metrics = await (await fetch(`${workerUrl}/metrics`)).text();
  for (const [outcome, count] of [
    ['sent', 6],
    ['suppressed', 1],
    ['too_old', 1],
    ['already_sent', 1],
  ] as const) {
    assert.ok(
      metrics.includes(`primoart_alerta_forwarder_events_total{outcome="${outcome}"} ${count}`),
      `${outcome} ${count} in:\n${metrics}`,
    );
  }

  // The worker's heartbeat, under the origin of this instance.
  await waitFor(`a heartbeat from ${origin}`, async () =>
    ((await alerta('GET', '/heartbeats')).heartbeats as Array<{ origin: string }>).some(
      (beat) => beat.origin === origin,
    ),
  );

  // Nothing of the test stays open.
  await produce(event({ kind: 'no_data', action: 'clear', severity: 'normal', result_id: null }));
  await waitFor(
    'the marker alert closed',
    async () => (await alertFor('TransactionNoData'))?.status === 'closed',
  );
});

test('a heartbeat gone stale raises HeartbeatFail for its origin, and a fresh one closes it', async () => {
  const origin = `primoart/it-${randomUUID()}`;
  const heartbeat = async (timeout: number) => {
    const response = await fetch(`${alertaUrl()}/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Key ${alertaKey()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ origin, timeout, createTime: new Date().toISOString() }),
    });
    assert.equal(response.status, 201, await response.text());
  };
  const heartbeatsOf = async (beatOrigin: string) =>
    (await alerta('GET', `/heartbeats?origin=${encodeURIComponent(beatOrigin)}`)).heartbeats as Array<{
      id: string;
      status: string;
    }>;
  const stateDir = mkdtempSync(join(tmpdir(), 'primoart-forwarder-watch-'));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  cleanups.push(async () => {
    for (const beat of await heartbeatsOf(origin)) await alerta('DELETE', `/heartbeat/${beat.id}`);
    for (const alert of await alertsOf(origin)) await alerta('DELETE', `/alert/${alert.id}`);
  });

  await heartbeat(1);
  await waitFor('the heartbeat expired', async () => (await heartbeatsOf(origin))[0]?.status === 'expired');

  const groupId = `primoart.it.alerta-forwarder.watch.${randomUUID().slice(0, 8)}`;
  const port = await freePort();
  const workerUrl = `http://127.0.0.1:${port}`;
  const setup = await testConfig(stack.pgUrl(), {
    alerta: { url: alertaUrl(), api_key: alertaKey(), environment: forwardedEnvironment },
    workers: {
      'alerta-forwarder': {
        listen: `127.0.0.1:${port}`,
        group_id: groupId,
        state_file: join(stateDir, 'forwarder.sqlite'),
        // Only the test's origin: the stack's own heartbeats are not this test's to alert on.
        forwarding: { heartbeat_check_interval_ms: 500, heartbeat_origin_prefix: origin },
      },
    },
  });
  await startGroupAtEnd(groupId, topics.events.name);
  const worker = await startReady(
    ['worker', 'alerta-forwarder', '--config.file', setup.configFile],
    workerUrl,
  );
  const workerOrigin = heartbeatOriginOf('alerta-forwarder', `127.0.0.1:${port}`);
  cleanups.push(async () => {
    await worker.stop();
    for (const beat of await heartbeatsOf(workerOrigin)) await alerta('DELETE', `/heartbeat/${beat.id}`);
  });

  const alertOfOrigin = async () => (await alertsOf(origin, forwardedEnvironment))[0];
  const fail = await waitFor('the HeartbeatFail alert', async () => {
    const alert = await alertOfOrigin();
    return alert?.event === 'HeartbeatFail' ? alert : undefined;
  });
  assert.equal(fail.status, 'open');
  assert.equal(fail.severity, 'major');
  assert.equal(fail.group, 'Heartbeat');
  assert.deepEqual(fail.service, ['PrimoART']);

  await heartbeat(60);
  const closed = await waitFor('the alert closed by the fresh heartbeat', async () => {
    const alert = await alertOfOrigin();
    return alert?.status === 'closed' ? alert : undefined;
  });
  assert.equal(closed.id, fail.id, 'one alert per origin');
  assert.equal(closed.event, 'HeartbeatOK');
  assert.equal(closed.severity, 'normal');
  assert.equal((await alertsOf(origin, forwardedEnvironment)).length, 1);

  const metrics = await (await fetch(`${workerUrl}/metrics`)).text();
  assert.match(metrics, /primoart_alerta_forwarder_heartbeat_alerts_total\{event="HeartbeatFail"\} [1-9]/);
  assert.match(metrics, /primoart_alerta_forwarder_heartbeat_alerts_total\{event="HeartbeatOK"\} 1\n/);
});

test('failed runs in an environment Alerta does not list (qa) open an alert; robot text arrives with clean key fields and de-duplicates', async () => {
  const transactionId = randomUUID();
  const stateDir = mkdtempSync(join(tmpdir(), 'primoart-forwarder-env-'));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  let lastProduced: { partition: number; offset: bigint } | undefined;
  /** Every alert of the transaction, or (`ours`) only those this test's forwarder sends. */
  const alertsOfTransaction = async (ours = true): Promise<AlertaAlert[]> =>
    (
      (await alerta('GET', `/alerts?resource=${encodeURIComponent(`~#${transactionId.slice(0, 8)}`)}`))
        .alerts as AlertaAlert[]
    ).filter(
      // The first test's forwarder runs until the end of the file and sends every event into
      // `forwardedEnvironment`: those alerts are its own.
      (alert) => !ours || alert.environment !== forwardedEnvironment,
    );
  cleanups.push(async () => {
    if (lastProduced !== undefined) await stackForwarderPast(lastProduced).catch(() => undefined);
    for (const alert of await alertsOfTransaction(false)) await alerta('DELETE', `/alert/${alert.id}`);
  });

  // No `environment` option here: the event's own environment is what is tested. The stack's own
  // forwarder may send the same events into the same alerts: that only adds duplicates.
  const groupId = `primoart.it.alerta-forwarder.${randomUUID().slice(0, 8)}`;
  const port = await freePort();
  const setup = await testConfig(stack.pgUrl(), {
    alerta: { url: alertaUrl(), api_key: alertaKey() },
    workers: {
      'alerta-forwarder': {
        listen: `127.0.0.1:${port}`,
        group_id: groupId,
        state_file: join(stateDir, 'forwarder.sqlite'),
        retry: { initial_ms: 100, max_ms: 1000 },
        forwarding: { heartbeat_origin_prefix: `primoart/it-none-${randomUUID()}` },
      },
    },
  });
  await startGroupAtEnd(groupId, topics.events.name);
  const worker = await startReady(
    ['worker', 'alerta-forwarder', '--config.file', setup.configFile],
    `http://127.0.0.1:${port}`,
  );
  const origin = heartbeatOriginOf('alerta-forwarder', `127.0.0.1:${port}`);
  cleanups.push(async () => {
    await worker.stop();
    const { heartbeats } = await alerta('GET', '/heartbeats');
    for (const beat of heartbeats as Array<{ id: string; origin: string }>)
      if (beat.origin === origin) await alerta('DELETE', `/heartbeat/${beat.id}`);
  });

  const codec = await createTopicCodec(stack.registryUrl(), topics.events);
  const producer = await kafkaConnection().producer();
  cleanups.push(() => producer.disconnect());
  const produce = async (...events: DetectedEvent[]) => {
    const messages = await Promise.all(
      events.map(async (event) => ({
        key: event.transaction_id,
        value: await codec.encode(toEventRecord(event)),
      })),
    );
    const [delivered] = await producer.send([{ topic: topics.events.name, messages }]);
    assert.ok(delivered);
    lastProduced = {
      partition: delivered.partition,
      offset: BigInt(delivered.baseOffset) + BigInt(messages.length - 1),
    };
  };
  const hostileName = '<script>alert(1)</script>\r\nCheckout';
  const event = (overrides: Partial<DetectedEvent>): DetectedEvent => ({
    event_id: randomUUID(),
    action: 'open',
    kind: 'availability',
    severity: 'critical',
    transaction_id: transactionId,
    transaction_name: hostileName,
    service: 'web\r\nshop <script>',
    environment: 'qa',
    location: 'DE/Berlin\r\n<script>x</script>',
    occurred_at: new Date(Date.now() - 10_000),
    result_id: randomUUID(),
    value: 'FAILED',
    text: `${hostileName} failed`,
    baseline: null,
    suppressed: false,
    maintenance_window_id: null,
    robot_id: null,
    locations: [],
    locations_total: 1,
    ...overrides,
  });

  await produce(event({}));
  const [opened] = await waitFor('the alert of the qa problem', async () => {
    const alerts = await alertsOfTransaction();
    return alerts.length > 0 ? alerts : undefined;
  });
  assert.ok(opened !== undefined);
  assert.equal(opened.status, 'open');
  assert.ok(defaultForwarderOptions.allowedEnvironments.includes(opened.environment), opened.environment);
  assert.equal(opened.attributes.robotEnvironment, 'qa', 'the robot environment stays an attribute');
  for (const field of [opened.resource, opened.environment, opened.event, opened.group, ...opened.service]) {
    assert.doesNotMatch(field, /[\p{Cc}\p{Cf}<>]|\s{2}|^\s|\s$/u, `key field ${JSON.stringify(field)}`);
  }
  assert.ok(opened.resource.includes(`Checkout #${transactionId.slice(0, 8)} @ DE/Berlin`), opened.resource);
  // Shown text is escaped: Alerta's web UI renders text and attributes as HTML.
  assert.doesNotMatch(opened.text, /<|\r|\n/);
  assert.match(opened.text, /&lt;script&gt;/);
  assert.doesNotMatch(String(opened.attributes.transactionName), /<|\r|\n/);

  // Failed runs go on (new event ids, the same hostile text): the same alert counts duplicates.
  await produce(event({}), event({}));
  await waitFor('the repeats counted as duplicates of the one alert', async () => {
    const alerts = await alertsOfTransaction();
    return alerts.length === 1 && alerts[0]?.id === opened.id && alerts[0].duplicateCount >= 2;
  });

  await produce(event({ action: 'clear', severity: 'normal' }));
  const closed = await waitFor('the qa alert closed by the clear', async () => {
    const alerts = await alertsOfTransaction();
    return alerts.length === 1 && alerts[0]?.status === 'closed' ? alerts[0] : undefined;
  });
  assert.equal(closed.id, opened.id, 'one alert per problem');
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(metrics, /primoart_alerta_forwarder_events_total\{outcome="sent"\} 4/);
});
