// Maintenance windows without a restart, on the real stack: a console, a gateway and an event
// detector of the test's own (its events told apart by the detector's header). A window created
// through the console's API (admin) while the detector runs suppresses the next outage of its
// transaction: the availability events are recorded with `suppressed: true` and the window's id.
// Deleted through the API, it no longer applies: after a recovery, the next outage is alerted (an
// unsuppressed open). The window reaches the detector through primoart.maintenance-windows.v1;
// the test waits for the detector's own count of API windows to change, then uploads.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sha256Hex } from '../../core/sha256.ts';
import { fromEventRecord } from '../../schemas/event-records.ts';
import type { DetectedEvent } from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import { createTopicCodec } from '../../topics/codec.ts';
import { detectorHeader } from '../../workers/event-detector/definition.ts';
import { openApiChecker, startConsole } from './console.ts';
import {
  detectorReadyTimeoutMs,
  freePort,
  freshResult,
  kafkaConnection,
  stack,
  startGroupAtEnd,
  startReady,
  testConfig,
  upload,
  waitConsumed,
  waitFor,
  withAdmin,
} from './stack.ts';

const minuteMs = 60_000;
const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** `action kind[ suppressed <window>]`: a transaction's events as a timeline. */
const lines = (events: DetectedEvent[]) =>
  events.map(
    (e) =>
      `${e.action} ${e.kind}${e.suppressed ? ` suppressed ${e.maintenance_window_id ?? '(no window)'}` : ''}`,
  );

test('a window created through the API while the detector runs suppresses the next outage; deleting it restores alerting', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'primoart-maintenance-api-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const tag = randomUUID().slice(0, 8);
  const transactionId = randomUUID();
  const detectorUrl = `http://127.0.0.1:${await freePort()}`;
  const groups = {
    detector: `primoart.it.event-detector.${tag}`,
    events: `primoart.it.events-reader.${tag}`,
  };
  const adminKey = `test-admin-${randomUUID()}`;
  const readKey = `test-read-${randomUUID()}`;
  const setup = await testConfig(stack.pgUrl(), {
    workers: {
      'event-detector': {
        listen: new URL(detectorUrl).host,
        group_id: groups.detector,
        state_file: join(dir, 'detector.sqlite'),
        retry: { initial_ms: 100, max_ms: 1000 },
      },
    },
  });

  // The test detector's events of the test's transaction, read from the topic's current end.
  const events: DetectedEvent[] = [];
  const eventCodec = await createTopicCodec(stack.registryUrl(), topics.events);
  await startGroupAtEnd(groups.events, topics.events.name);
  const reader = await kafkaConnection().consumer({
    groupId: groups.events,
    topics: [topics.events.name],
    fromBeginning: false,
  });
  await reader.run(async (batch, control) => {
    for (const message of batch.messages) {
      // The stack's own detector judges the test's runs too: only the test's detector counts.
      if (message.value === null || message.headers[detectorHeader] !== groups.detector) continue;
      const event = fromEventRecord(await eventCodec.decode(message.value));
      if (event.transaction_id === transactionId) events.push(event);
    }
    const last = batch.messages.at(-1);
    if (last) control.markProcessed(last.offset);
  });
  cleanups.push(() => reader.stop());

  await startGroupAtEnd(groups.detector, topics.synthResults.name);
  const gateway = await startReady(['gateway', '--config.file', setup.configFile], setup.gatewayUrl);
  cleanups.push(() => gateway.stop());
  const detector = await startReady(
    ['worker', 'event-detector', '--config.file', setup.configFile],
    detectorUrl,
    detectorReadyTimeoutMs,
  );
  cleanups.push(() => detector.stop());
  const consoleProcess = await startConsole(setup, {
    api_keys: [
      { name: 'ops', sha256: sha256Hex(adminKey), scopes: ['admin'] },
      { name: 'reader', sha256: sha256Hex(readKey), scopes: ['read'] },
    ],
  });
  cleanups.push(() => consoleProcess.stop());
  const checker = await openApiChecker(consoleProcess.url);

  const consoleApi = async (method: string, path: string, key: string, body?: unknown) => {
    const response = await fetch(`${consoleProcess.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };
  /** How many API windows the test's detector judges by (its gauge). */
  const detectorApiWindows = async () => {
    const metrics = await (await fetch(`${detectorUrl}/metrics`)).text();
    const match = /primoart_event_detector_maintenance_windows\{source="api"\} (\d+)/.exec(metrics);
    assert.ok(match, 'the detector reports its maintenance windows');
    return Number(match[1]);
  };

  // Runs a minute apart from 20 minutes ago; the window covers all of them while it exists.
  const base = Date.now() - 20 * minuteMs;
  const runAt = (minute: number, status: 'OK' | 'FAIL') => {
    const finished = base + minute * minuteMs;
    const started = finished - 2000;
    const iso = (ms: number) => new Date(ms).toISOString();
    return freshResult({
      transaction_id: transactionId,
      transaction_name: `Maintained checkout ${tag}`,
      service: `maintenance-it-${tag}`,
      robot_id: setup.robotId,
      started_at: iso(started),
      finished_at: iso(finished),
      status,
      steps: [{ index: 0, name: 'checkout', started_at: iso(started), finished_at: iso(finished), status }],
    });
  };
  /** Upload runs; resolves with the results topic's end offsets after them. */
  const uploadRuns = async (runs: Array<Record<string, unknown>>) => {
    const response = await upload(setup.gatewayUrl, setup.robotKey, { results: runs });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    for (const item of response.body.results) assert.equal(item.status, 'accepted', JSON.stringify(item));
    return withAdmin((admin) => admin.topicOffsets(topics.synthResults.name));
  };
  const consumed = [[groups.detector, topics.synthResults.name]] as const;
  /** Wait until the detector has judged everything up to `ends` and `check` holds of the events. */
  const waitJudged = (what: string, ends: Array<{ partition: number; high: string }>, check: () => boolean) =>
    waitConsumed(
      what,
      async () => {
        if (!check()) return false;
        const committed = await withAdmin((admin) =>
          admin.groupOffsets(groups.detector, topics.synthResults.name),
        );
        const at = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
        return ends.every((end) => (at.get(end.partition) ?? -1n) >= BigInt(end.high));
      },
      consumed,
      {
        describe: async () =>
          `events so far: ${JSON.stringify(lines(events))}; detector:\n${detector.output().slice(-2000)}`,
      },
    );
  const availability = (action: 'open' | 'clear') =>
    events.filter((e) => e.kind === 'availability' && e.action === action);

  // The window, created while the detector runs: 201 once Kafka has it, listed by the console.
  const apiWindowsBefore = await detectorApiWindows();
  const body = {
    transaction_id: transactionId,
    once: {
      from: new Date(Date.now() - 60 * minuteMs).toISOString(),
      to: new Date(Date.now() + 60 * minuteMs).toISOString(),
    },
    description: `integration test ${tag}`,
  };
  assert.equal((await consoleApi('POST', '/api/v1/maintenance-windows', readKey, body)).status, 403);
  const created = await consoleApi('POST', '/api/v1/maintenance-windows', adminKey, body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const windowId: string = created.body.window.id;
  cleanups.push(() =>
    consoleApi('DELETE', `/api/v1/maintenance-windows/${windowId}`, adminKey).catch(() => undefined),
  );
  assert.equal(created.headers.get('location'), `/api/v1/maintenance-windows/${windowId}`);
  assert.equal(created.body.window.source, 'api');
  assert.equal(created.body.window.created_by_key_id, 'config:ops');
  const listed = await consoleApi('GET', '/api/v1/maintenance-windows', readKey);
  assert.equal(listed.status, 200);
  checker.assertDocumented('listMaintenanceWindows', 200, listed.body);
  assert.deepEqual(
    listed.body.windows.filter((w: any) => w.id === windowId),
    [created.body.window],
    'the console lists the window it created at once',
  );
  await waitFor(
    'the detector to judge by the new window',
    async () => (await detectorApiWindows()) > apiWindowsBefore,
  );

  // The outage inside the window: recorded, suppressed by it.
  const outage = await uploadRuns([runAt(0, 'FAIL'), runAt(1, 'FAIL'), runAt(2, 'FAIL')]);
  await waitJudged('the outage in the window to be judged', outage, () => availability('open').length > 0);
  assert.ok(
    availability('open').every((e) => e.suppressed && e.maintenance_window_id === windowId),
    `every open suppressed by ${windowId}: ${JSON.stringify(lines(events))}`,
  );

  // Deleted through the API: gone from the console at once, from the detector within moments.
  const deleted = await consoleApi('DELETE', `/api/v1/maintenance-windows/${windowId}`, adminKey);
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  checker.assertDocumented('deleteMaintenanceWindow', 200, deleted.body);
  const gone = await consoleApi('GET', `/api/v1/maintenance-windows/${windowId}`, readKey);
  assert.equal(gone.status, 404);
  checker.assertDocumented('getMaintenanceWindow', 404, gone.body);
  await waitFor(
    'the detector to drop the window',
    async () => (await detectorApiWindows()) === apiWindowsBefore,
  );

  // Recovery, then a new outage: alerted.
  const before = events.length;
  const relapse = await uploadRuns([
    runAt(3, 'OK'),
    runAt(4, 'OK'),
    runAt(5, 'OK'),
    runAt(6, 'FAIL'),
    runAt(7, 'FAIL'),
    runAt(8, 'FAIL'),
  ]);
  await waitJudged('the new outage to be alerted', relapse, () =>
    events.slice(before).some((e) => e.kind === 'availability' && e.action === 'open' && !e.suppressed),
  );
  const later = events.slice(before).filter((e) => e.kind === 'availability');
  const firstClear = later.findIndex((e) => e.action === 'clear');
  const firstAlert = later.findIndex((e) => e.action === 'open' && !e.suppressed);
  assert.ok(
    firstClear !== -1 && firstClear < firstAlert,
    `recovered, then alerted: ${JSON.stringify(lines(events))}`,
  );
  assert.ok(
    later.every((e) => e.maintenance_window_id === null),
    `no window once deleted: ${JSON.stringify(lines(events))}`,
  );
  const alert = later[firstAlert];
  assert.equal(alert?.severity, 'critical');
  assert.equal(alert?.transaction_id, transactionId);
});
