// The event detector against the real stack: results uploaded through a gateway, baselines learned by
// a baseline worker, events read back from primoart.events.v1. Three FAILs open a critical
// availability problem and three OKs clear it; runs far above the band open a major performance
// problem; failures inside a maintenance window are recorded suppressed and announced once it is
// over; the state survives a restart of the detector process; and a transaction with a schedule
// (a definition) that stops reporting raises no data.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fromEventRecord } from '../../schemas/event-records.ts';
import type { DetectedEvent } from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import { createTopicCodec } from '../../topics/codec.ts';
import type { ConsumedMessage } from '../../topics/port.ts';
import { detectorHeader } from '../../workers/event-detector/definition.ts';
import {
  detectorReadyTimeoutMs,
  freePort,
  freshResult,
  kafkaConnection,
  type RunningProcess,
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
const location = { country: 'DE', region: 'Hesse', city: 'Frankfurt' };
const locationKey = 'DE/Hesse/Frankfurt';
const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

// The start of an hour, far enough back that every run is in the past and the window is over before
// `now`. The judged transaction's runs (minutes 0–50) then share one hour-of-week bucket: split over
// two, the second bucket would hold only the last ten runs, the slow ones among them, and its p90
// (computed as they arrive) would soon be the slow duration itself, leaving some of them unjudged slow.
const t0 = Math.floor(Date.now() / (60 * minuteMs)) * 60 * minuteMs - 2 * 60 * minuteMs;
const transactions = {
  judged: randomUUID(),
  maintained: randomUUID(),
  restarted: randomUUID(),
  scheduled: randomUUID(),
};
const maintenance = { from: t0 + 60 * minuteMs, to: t0 + 70 * minuteMs };

/** A run of `transactionId` finishing `minute` minutes after t0. */
function run(robotId: string, transactionId: string, minute: number, status: string, durationMs: number) {
  const finished = t0 + minute * minuteMs;
  const started = finished - durationMs;
  const iso = (ms: number) => new Date(ms).toISOString();
  return freshResult({
    transaction_id: transactionId,
    transaction_name: 'Checkout',
    service: 'webshop',
    robot_id: robotId,
    location,
    started_at: iso(started),
    finished_at: iso(finished),
    status,
    steps: [{ index: 0, name: 'checkout', started_at: iso(started), finished_at: iso(finished), status }],
  });
}

/** `series action kind severity[ suppressed]`, the timeline of a transaction's events. */
function lines(events: DetectedEvent[]): string[] {
  return events.map(
    (e) =>
      `${e.location ?? '*'} ${e.action} ${e.kind} ${e.severity}${e.suppressed ? ` suppressed ${e.maintenance_window_id}` : ''}`,
  );
}

test('availability, performance, maintenance and no-data events from uploaded runs; the state survives a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'primoart-event-detector-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const baselineUrl = `http://127.0.0.1:${await freePort()}`;
  const detectorUrl = `http://127.0.0.1:${await freePort()}`;
  const id = randomUUID().slice(0, 8);
  const groups = {
    baseline: `primoart.it.baseline.${id}`,
    detector: `primoart.it.event-detector.${id}`,
    events: `primoart.it.events-reader.${id}`,
    baselines: `primoart.it.baselines-reader.${id}`,
  };
  const setup = await testConfig(stack.pgUrl(), {
    workers: {
      baseline: {
        listen: new URL(baselineUrl).host,
        group_id: groups.baseline,
        state_file: join(dir, 'baseline.sqlite'),
        retry: { initial_ms: 100, max_ms: 1000 },
      },
      'event-detector': {
        listen: new URL(detectorUrl).host,
        group_id: groups.detector,
        state_file: join(dir, 'detector.sqlite'),
        retry: { initial_ms: 100, max_ms: 1000 },
        detection: { no_data: { check_interval_ms: 1000 } },
        maintenance_windows: [
          {
            id: `release-${id}`,
            transaction_id: transactions.maintained,
            once: {
              from: new Date(maintenance.from).toISOString(),
              to: new Date(maintenance.to).toISOString(),
            },
          },
        ],
      },
    },
  });

  // The test's events and its transactions' baselines, read from the topics' current ends.
  const events: DetectedEvent[] = [];
  const readyBaselines = new Set<string>();
  const ours = new Set<string>(Object.values(transactions));
  const eventCodec = await createTopicCodec(stack.registryUrl(), topics.events);
  const baselineCodec = await createTopicCodec(stack.registryUrl(), topics.baselines);
  for (const [group, topic, keep] of [
    [
      groups.events,
      topics.events.name,
      async (message: ConsumedMessage) => {
        // The stack's own detector judges the test's runs too: only the test's detector counts.
        if (message.value === null || message.headers[detectorHeader] !== groups.detector) return;
        const event = fromEventRecord(await eventCodec.decode(message.value));
        if (ours.has(event.transaction_id)) events.push(event);
      },
    ],
    [
      groups.baselines,
      topics.baselines.name,
      async (message: ConsumedMessage) => {
        if (message.value === null) return;
        const record = await baselineCodec.decode(message.value);
        if (ours.has(record.transaction_id) && record.state === 'ready')
          readyBaselines.add(record.series_key);
      },
    ],
  ] as const) {
    await startGroupAtEnd(group, topic);
    const reader = await kafkaConnection().consumer({
      groupId: group,
      topics: [topic],
      fromBeginning: false,
    });
    await reader.run(async (batch, control) => {
      for (const message of batch.messages) await keep(message);
      const last = batch.messages.at(-1);
      if (last) control.markProcessed(last.offset);
    });
    cleanups.push(() => reader.stop());
  }

  await startGroupAtEnd(groups.baseline, topics.synthResults.name);
  await startGroupAtEnd(groups.detector, topics.synthResults.name);
  const gateway = await startReady(['gateway', '--config.file', setup.configFile], setup.gatewayUrl);
  cleanups.push(() => gateway.stop());
  const baseline = await startReady(['worker', 'baseline', '--config.file', setup.configFile], baselineUrl);
  cleanups.push(() => baseline.stop());
  const startDetector = () =>
    startReady(
      ['worker', 'event-detector', '--config.file', setup.configFile],
      detectorUrl,
      detectorReadyTimeoutMs,
    );
  let detector: RunningProcess = await startDetector();
  cleanups.push(() => detector.stop());

  const uploadRuns = async (runs: Array<Record<string, unknown>>) => {
    for (let i = 0; i < runs.length; i += 100) {
      const response = await upload(setup.gatewayUrl, setup.robotKey, { results: runs.slice(i, i + 100) });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      for (const item of response.body.results) assert.equal(item.status, 'accepted', JSON.stringify(item));
    }
  };
  const runOf = (transactionId: string, minute: number, status: string, durationMs: number) =>
    run(setup.robotId, transactionId, minute, status, durationMs);
  // The detector and the baseline worker read the stack's results topic, neighbours' runs too.
  const consumed = [
    [groups.detector, topics.synthResults.name],
    [groups.baseline, topics.synthResults.name],
  ] as const;
  const eventsOf = (transactionId: string) => events.filter((e) => e.transaction_id === transactionId);
  const waitForEvents = (transactionId: string, count: number, what: string) =>
    waitConsumed(what, async () => eventsOf(transactionId).length >= count, consumed).catch((error) => {
      throw new Error(
        `${(error as Error).message}; events so far: ${JSON.stringify(lines(eventsOf(transactionId)))}`,
      );
    });

  // Learning: 40 OK runs a minute apart between 2.0 and 2.9 s → a ready baseline, p90 ≈ 2.8 s.
  await uploadRuns(
    Array.from({ length: 40 }, (_, i) => runOf(transactions.judged, i, 'OK', 2000 + (i % 10) * 100)),
  );
  await waitConsumed(
    'a ready baseline for the location and overall',
    async () =>
      readyBaselines.has(`${transactions.judged}|run|${locationKey}`) &&
      readyBaselines.has(`${transactions.judged}|run|*`),
    consumed,
  );
  assert.deepEqual(lines(eventsOf(transactions.judged)), [], 'nothing to report while learning');

  // Availability: 3 FAILs open (critical), 3 OKs clear.
  await uploadRuns([40, 41, 42].map((minute) => runOf(transactions.judged, minute, 'FAIL', 500)));
  await waitForEvents(transactions.judged, 1, 'the availability problem to open');
  await uploadRuns([43, 44, 45].map((minute) => runOf(transactions.judged, minute, 'OK', 2500)));
  await waitForEvents(transactions.judged, 2, 'the availability problem to clear');

  // Performance: runs far slower than the band (9 s against p50 ≈ 2.5 s) → major, within a few of them.
  await uploadRuns([46, 47, 48, 49, 50].map((minute) => runOf(transactions.judged, minute, 'OK', 9000)));
  await waitForEvents(transactions.judged, 3, 'the performance problem to open');
  // One problem per transaction and kind: the location's runs judged, the transaction alerted.
  const judged = eventsOf(transactions.judged);
  assert.deepEqual(lines(judged), [
    '* open availability critical',
    '* clear availability normal',
    '* open performance major',
  ]);
  assert.deepEqual(
    judged.map((e) => [e.locations, e.locations_total, e.robot_id]),
    [
      [[locationKey], 1, setup.robotId],
      [[], 1, setup.robotId],
      [[locationKey], 1, setup.robotId],
    ],
  );
  const slow = judged[2];
  assert.ok(slow?.baseline, 'judged against a baseline');
  assert.equal(slow.baseline.state, 'ready');
  assert.ok(9000 > slow.baseline.p90_ms * 1.5 && slow.baseline.p90_ms > 2000, JSON.stringify(slow.baseline));
  assert.match(slow.text, /^Checkout: slow at Frankfurt — 1 of 1 location \(.*latest 9\.0 s\)\)$/);

  // Maintenance: failures inside the window are recorded suppressed; the first run after it announces.
  await uploadRuns([
    ...[60, 61, 62].map((minute) => runOf(transactions.maintained, minute, 'FAIL', 500)),
    runOf(transactions.maintained, 75, 'FAIL', 500),
  ]);
  await waitForEvents(transactions.maintained, 2, 'the maintained transaction to be announced');
  assert.deepEqual(lines(eventsOf(transactions.maintained)), [
    `* open availability critical suppressed release-${id}`,
    '* open availability critical',
  ]);

  // Restart: 2 FAILs judged and committed, a new process, 1 more FAIL → open (it remembered 2).
  await uploadRuns([0, 1].map((minute) => runOf(transactions.restarted, minute, 'FAIL', 500)));
  const ends = await withAdmin((admin) => admin.topicOffsets(topics.synthResults.name));
  await waitFor('the detector to commit the first two runs', async () => {
    const committed = await withAdmin((admin) =>
      admin.groupOffsets(groups.detector, topics.synthResults.name),
    );
    const at = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
    return ends.every((end) => (at.get(end.partition) ?? -1n) >= BigInt(end.high));
  });
  assert.equal(await detector.stop(), 0, detector.output());
  detector = await startDetector();
  await uploadRuns([runOf(transactions.restarted, 2, 'FAIL', 500)]);
  await waitForEvents(transactions.restarted, 1, 'the restarted detector to open the problem');
  assert.deepEqual(lines(eventsOf(transactions.restarted)), ['* open availability critical']);

  // No data: a transaction with a definition (a run every minute) silent for 10 minutes.
  const definitions = async (method: 'POST' | 'DELETE', path: string, body?: unknown) => {
    const response = await fetch(`${setup.gatewayUrl}/api/v1/transactions/${path}`, {
      method,
      headers: { authorization: `Bearer ${setup.apiKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(response.ok, `${method} definition: ${response.status} ${await response.text()}`);
  };
  await definitions('POST', '', [
    {
      uuid: transactions.scheduled,
      name: 'Checkout',
      cron: '* * * * *',
      code: 'await page.goto("https://shop.example.com");',
      target_duration: 10,
      metadata: {},
      description: 'event-detector integration test',
    },
  ]);
  cleanups.push(() => definitions('DELETE', transactions.scheduled));
  await uploadRuns([runOf(transactions.scheduled, 80, 'OK', 2000)]);
  await waitForEvents(transactions.scheduled, 1, 'the silent transaction to be reported');
  const silent = eventsOf(transactions.scheduled);
  assert.deepEqual(lines(silent), ['* open no_data major']);
  assert.match(silent[0]?.text ?? '', /has not reported for \d+ min \(expected every 60 s\)/);
  // Reporting again clears it.
  await uploadRuns([runOf(transactions.scheduled, 91, 'OK', 2000)]);
  await waitForEvents(transactions.scheduled, 2, 'the no-data problem to clear');
  // Only the event after the open: that run is itself ~30 min old by the wall clock, so the next
  // check (every second here) may find the transaction silent again and open it anew.
  assert.deepEqual(lines(eventsOf(transactions.scheduled)).slice(1, 2), ['* clear no_data normal']);

  // The counters are the process's: its detector also judges what files running beside this one
  // upload and define (a scheduled transaction of theirs that goes quiet is a no-data event too),
  // so they count at least this test's events.
  const metrics = await (await fetch(`${detectorUrl}/metrics`)).text();
  const counted = (kind: string) =>
    Number(
      new RegExp(`primoart_event_detector_events_total\\{kind="${kind}",action="open"\\} (\\d+)`).exec(
        metrics,
      )?.[1],
    );
  // The restarted process judged the restarted transaction's open.
  assert.ok(counted('availability') >= 1, metrics);
  assert.ok(counted('no_data') >= 1, metrics);
  assert.equal(eventsOf(transactions.judged).length, 3, 'nothing more for the judged transaction');
});
