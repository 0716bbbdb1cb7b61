// The worker around the rules: events produced before the state is persisted, the state surviving a
// new detector over the same file, a failed send changing nothing, the baseline of the run's hour
// of week, and the no-data check for transactions with a schedule only.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { hourOfWeek } from '../../../../schemas/hour-of-week.ts';
import type { DetectedEventRecord, RunStatus, SynthResult } from '../../../../schemas/record-types.ts';
import { topics } from '../../../../topics/catalog.ts';
import type { OutgoingMessage, Producer } from '../../../../topics/port.ts';
import { defaultAlertSettings } from '../../../../workers/event-detector/alerting-config.ts';
import type { ComputedBaseline } from '../../../../workers/event-detector/baseline-band.ts';
import { eventDetector } from '../../../../workers/event-detector/definition.ts';
import { defaultDetectionSettings } from '../../../../workers/event-detector/detection-config.ts';
import { DetectorStateStore } from '../../../../workers/event-detector/state-store.ts';
import { produceOutput } from '../../../../workers/harness.ts';
import { consumedMessage } from '../fake-kafka.ts';

const dir = mkdtempSync(join(tmpdir(), 'primoart-detector-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const start = Date.parse('2026-11-23T10:00:00Z');
const transactionId = 'tx-checkout';

function recordingProducer(timeline: string[]) {
  const sent: OutgoingMessage[] = [];
  const producer: Producer & { sent: OutgoingMessage[]; failing: boolean } = {
    sent,
    failing: false,
    async send(batches) {
      if (this.failing) throw new Error('kafka unavailable');
      for (const batch of batches) {
        assert.equal(batch.topic, topics.events.name);
        sent.push(...batch.messages);
        timeline.push(`send ${batch.messages.length}`);
      }
      return [];
    },
    async disconnect() {},
  };
  return producer;
}

function result(minute: number, status: RunStatus, durationMs = 1000): SynthResult {
  const finished = new Date(start + minute * 60_000);
  return {
    result_id: `run-${minute}`,
    transaction_id: transactionId,
    transaction_name: 'Checkout',
    service: 'webshop',
    environment: 'test',
    location: { country: 'DE', region: 'Bavaria', city: 'Munich', latitude: null, longitude: null },
    started_at: new Date(finished.getTime() - durationMs),
    finished_at: finished,
    status,
  } as SynthResult;
}

function detectorOn(
  file: string,
  options: { baselines?: Map<string, ComputedBaseline[]>; cron?: string; now?: Date } = {},
) {
  const timeline: string[] = [];
  const producer = recordingProducer(timeline);
  const store = new DetectorStateStore(file);
  const save = store.save.bind(store);
  store.save = (changed) => {
    timeline.push(`save ${changed.series.size}+${changed.transactions.size}`);
    save(changed);
  };
  const detector = eventDetector({
    store,
    codec: { schemaId: 1, encode: async () => Buffer.alloc(0), decode: async () => ({}) as never },
    fromRecord: () => ({}) as SynthResult,
    eventCodec: {
      schemaId: 2,
      encode: async (record: DetectedEventRecord) => Buffer.from(JSON.stringify(record)),
      decode: async () => ({}) as never,
    },
    baselines: { prepare: async () => {}, get: (key) => options.baselines?.get(key) },
    cronOf: (id) => (id === transactionId ? options.cron : undefined),
    settings: defaultDetectionSettings(),
    alerts: defaultAlertSettings(),
    forgetAfterMs: 28 * 86_400_000,
    maintenance: () => [],
    metrics: new Registry(),
    origin: 'primoart.event-detector',
    now: () => options.now ?? new Date(),
  });
  // As the harness runs them: each write or check, then its output produced, then produced().
  const write = async (results: SynthResult[]) =>
    produceOutput(
      producer,
      (await detector.definition.write(
        results.map((record, i) => ({ message: consumedMessage(i), record })),
      )) ?? undefined,
    );
  const checkSilence = async () => produceOutput(producer, await detector.checkSilence());
  const events = () =>
    producer.sent.map((message) => JSON.parse(String(message.value)) as DetectedEventRecord);
  return { detector, store, producer, timeline, write, checkSilence, events };
}

test('events are produced before the state is saved, and a new detector on the same file goes on from it', async () => {
  const file = join(dir, 'restart.sqlite');
  const first = detectorOn(file);
  await first.write([result(0, 'FAIL'), result(1, 'FAIL')]);
  assert.deepEqual(first.events(), []);
  assert.deepEqual(first.timeline, ['save 1+1']);
  first.store.close();

  const second = detectorOn(file);
  await second.write([result(2, 'FAIL')]);
  const opened = second.events();
  assert.deepEqual(
    opened.map((e) => `${e.action} ${e.kind} ${e.severity} ${e.location}`),
    ['open availability critical null'],
  );
  assert.deepEqual(second.timeline, ['send 1', 'save 1+1']);
  assert.deepEqual(
    second.producer.sent.map((m) => [m.key?.toString(), m.headers]),
    Array(1).fill([transactionId, { 'primoart.detector': 'primoart.event-detector' }]),
  );
  second.store.close();
});

test('a failed send saves nothing, a failed save after the send re-judges: the same event ids again', async () => {
  const detector = detectorOn(join(dir, 'retry.sqlite'));
  await detector.write([result(0, 'FAIL'), result(1, 'FAIL')]);
  detector.producer.failing = true;
  await assert.rejects(detector.write([result(2, 'FAIL')]), /kafka unavailable/);
  detector.producer.failing = false;

  // As a crash between producing and persisting: the events went out, the state did not change.
  const save = detector.store.save;
  detector.store.save = () => {
    throw new Error('disk full');
  };
  await assert.rejects(detector.write([result(2, 'FAIL')]), /disk full/);
  detector.store.save = save;
  await detector.write([result(2, 'FAIL')]);

  const ids = detector.events().map((e) => e.event_id);
  assert.equal(ids.length, 2);
  assert.deepEqual(ids.slice(1), ids.slice(0, 1));
  detector.store.close();
});

test('a run is judged against its hour-of-week band of the baselines view', async () => {
  const slow = result(10, 'OK', 5000);
  const hour = hourOfWeek(slow.started_at);
  const hours = (p90: number): ComputedBaseline[] =>
    Array.from({ length: 168 }, (_, i) => ({
      state: 'ready',
      duration: i === hour ? { p10: 500, p50: 1000, p90 } : { p10: 500, p50: 1000, p90: 100_000 },
      durationSamples: 40,
    }));
  const baselines = new Map<string, ComputedBaseline[]>([
    [`${transactionId}|run|DE/Bavaria/Munich`, hours(2000)],
    [`${transactionId}|run|*`, hours(2000)],
  ]);
  const detector = detectorOn(join(dir, 'bands.sqlite'), { baselines });
  await detector.write([10, 11, 12, 13, 14].map((minute) => result(minute, 'OK', 5000)));
  const events = detector.events();
  assert.deepEqual(
    events.map((e) => `${e.action} ${e.kind} ${e.severity}`),
    ['open performance major'],
  );
  assert.equal(events[0]?.baseline?.p90_ms, 2000);
  detector.store.close();
});

test('no data opens for a transaction with a schedule only, once, and is persisted', async () => {
  const file = join(dir, 'silence.sqlite');
  const now = new Date(start + 20 * 60_000);
  const scheduled = detectorOn(file, { cron: '*/5 * * * *', now });
  await scheduled.write([result(0, 'OK')]);
  await scheduled.checkSilence();
  await scheduled.checkSilence();
  assert.deepEqual(
    scheduled.events().map((e) => `${e.action} ${e.kind} ${e.severity}`),
    ['open no_data major'],
  );
  scheduled.store.close();
  const saved = new DetectorStateStore(file).load();
  assert.ok(saved.series[`${transactionId}|DE/Bavaria/Munich`]?.open.no_data);
  assert.deepEqual(saved.transactions[transactionId]?.open.no_data?.locations, ['DE/Bavaria/Munich']);

  const unscheduled = detectorOn(join(dir, 'unscheduled.sqlite'), { now });
  await unscheduled.write([result(0, 'OK')]);
  await unscheduled.checkSilence();
  assert.deepEqual(unscheduled.events(), []);
  unscheduled.store.close();
});
