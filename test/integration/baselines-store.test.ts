// What the baseline worker and the event detector publish, stored: results uploaded through a
// gateway of the test's own reach a baseline worker of its own, whose baselines and forecasts a
// synth-store of its own writes to synth_baselines and synth_forecasts and a metrics-store of its
// own turns into band series in VictoriaMetrics; events produced to primoart.events.v1 with the
// real codec become synth_events rows, once each however often they are delivered.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { toEventRecord } from '../../schemas/event-records.ts';
import { hourOfWeek } from '../../schemas/hour-of-week.ts';
import type { ValidTransactionResult } from '../../schemas/index.ts';
import type { DetectedEvent } from '../../schemas/record-types.ts';
import { validateTransactionResult } from '../../schemas/transaction-result.ts';
import { topics } from '../../topics/catalog.ts';
import { createTopicCodec } from '../../topics/codec.ts';
import type { Producer } from '../../topics/port.ts';
import { BaselineStore } from '../../workers/baseline/baseline-store.ts';
import { forecastTransaction } from '../../workers/baseline/forecast.ts';
import {
  freePort,
  kafkaConnection,
  type RunningProcess,
  scratchDatabase,
  stack,
  startGroupAtEnd,
  startReady,
  startSynthStoreGroupAtEnd,
  type TestSetup,
  testConfig,
  upload,
  waitConsumed,
} from './stack.ts';
import { exportedSeries } from './victoria-metrics.ts';

const hourMs = 60 * 60 * 1000;
const dayMs = 24 * hourMs;

let database: Awaited<ReturnType<typeof scratchDatabase>>;
let setup: TestSetup;
let producer: Producer;
let baselineGroup: string;
/** Every group between an upload and the stores: they also work through neighbours' records. */
let chain: Array<readonly [group: string, topic: string]>;
const running: RunningProcess[] = [];
const cleanups: Array<() => unknown> = [];

before(async () => {
  database = await scratchDatabase();
  setup = await testConfig(database.url);
  // testConfig has no baseline section: add one of the test's own (own group, own state file).
  const stateDir = mkdtempSync(join(tmpdir(), 'primoart-it-baselines-'));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  const baselineUrl = `http://127.0.0.1:${await freePort()}`;
  baselineGroup = `${setup.groupId}.baseline`;
  const config = parse(readFileSync(setup.configFile, 'utf8'));
  config.workers.baseline = {
    listen: new URL(baselineUrl).host,
    group_id: baselineGroup,
    state_file: join(stateDir, 'baseline.sqlite'),
    retry: { initial_ms: 100, max_ms: 1000 },
  };
  writeFileSync(setup.configFile, stringify(config), { mode: 0o600 });

  await startSynthStoreGroupAtEnd(setup.groupId);
  await startGroupAtEnd(baselineGroup, topics.synthResults.name);
  for (const topic of [
    topics.synthResults.name,
    topics.otelMetrics.name,
    topics.otelSpans.name,
    topics.baselines.name,
  ])
    await startGroupAtEnd(setup.metricsStore.groupId, topic);

  const configArgs = ['--config.file', setup.configFile];
  running.push(await startReady(['gateway', ...configArgs], setup.gatewayUrl));
  running.push(await startReady(['worker', 'synth-store', ...configArgs], setup.workerUrl));
  running.push(await startReady(['worker', 'baseline', ...configArgs], baselineUrl));
  running.push(await startReady(['worker', 'metrics-store', ...configArgs], setup.metricsStore.url));
  producer = await kafkaConnection().producer();
  chain = [
    [baselineGroup, topics.synthResults.name],
    [setup.groupId, topics.synthResults.name],
    [setup.groupId, topics.baselines.name],
    [setup.groupId, topics.forecasts.name],
    [setup.metricsStore.groupId, topics.synthResults.name],
    [setup.metricsStore.groupId, topics.baselines.name],
  ];
});

after(async () => {
  await producer?.disconnect();
  await Promise.all(running.map((process) => process.stop()));
  await database?.drop();
  for (const cleanup of cleanups) await cleanup();
});

const query = async (sql: string, params: unknown[] = []) => (await database.pool.query(sql, params)).rows;

/** `count` runs of one new transaction from one location, one every 2 hours, ending an hour ago. */
function history(count: number) {
  const transactionId = randomUUID();
  const location = { country: 'BE', region: 'Flanders', city: `Ghent-${transactionId.slice(0, 8)}` };
  const lastStart = Math.floor(Date.now() / hourMs) * hourMs - hourMs;
  const payloads = Array.from({ length: count }, (_, i) => {
    const started = lastStart - (count - 1 - i) * 2 * hourMs;
    const duration = 3000 + (i % 7) * 150;
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      result_id: randomUUID(),
      transaction_id: transactionId,
      transaction_name: 'Baselines IT',
      service: 'baselines-it',
      robot_id: randomUUID(),
      location,
      started_at: iso(started),
      finished_at: iso(started + duration),
      status: 'OK',
      steps: [
        { index: 0, name: 'open', started_at: iso(started), finished_at: iso(started + 1000), status: 'OK' },
        {
          index: 1,
          name: 'pay',
          started_at: iso(started + 1000),
          finished_at: iso(started + duration),
          status: 'OK',
        },
      ],
    };
  });
  const runs: ValidTransactionResult[] = payloads.map((payload) => {
    const validation = validateTransactionResult(payload, { now: new Date(), defaultEnvironment: 'test' });
    assert.ok(validation.ok, JSON.stringify(validation));
    return validation.value;
  });
  return { transactionId, location: `BE/Flanders/${location.city}`, payloads, runs, lastStart };
}

const transaction = history(40);

test('uploaded results become ready baselines and a 7-day forecast in PostgreSQL', async () => {
  const answer = await upload(setup.gatewayUrl, setup.apiKey, { results: transaction.payloads });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.ok(
    answer.body.results.every((result: { status: string }) => result.status === 'accepted'),
    JSON.stringify(answer.body),
  );

  // What the worker must end up publishing: the model fed the same runs directly.
  const reference = new BaselineStore(':memory:');
  reference.ingest(transaction.runs);
  const expected = reference.listBaselines();
  const daily = reference.dailyHistory(transaction.transactionId);
  reference.close();
  assert.equal(expected.length, 6, 'run and two steps, overall and at the location');

  const rows = await waitConsumed(
    'every series stored with all 40 runs',
    async () => {
      const stored = await query(
        'SELECT * FROM synth_baselines WHERE transaction_id = $1 AND window_runs = 40 ORDER BY series_key',
        [transaction.transactionId],
      );
      return stored.length === expected.length ? stored : undefined;
    },
    chain,
  );
  for (const baselines of expected) {
    const row = rows.find((candidate) => candidate.series_key === baselines.series.key);
    assert.ok(row, baselines.series.key);
    assert.equal(row.state, 'ready');
    assert.equal(row.step_index, baselines.series.stepIndex);
    assert.equal(row.location, baselines.series.location);
    assert.equal(row.newest_run_at.getTime(), transaction.lastStart);
    assert.equal(row.p50_ms, baselines.allHours.duration?.p50);
    assert.equal(row.p90_ms, baselines.allHours.duration?.p90);
    assert.equal(row.availability, 1);
    assert.equal(row.hours.length, 168);
    assert.deepEqual(
      row.hours.map((hour: { p10_ms: number | null }) => hour.p10_ms),
      baselines.hours.map((hour) => hour.duration?.p10 ?? null),
    );
  }
  assert.ok(
    rows.some((row) => row.series_key === `${transaction.transactionId}|run|${transaction.location}`),
  );

  const forecast = forecastTransaction(daily);
  const newestDay = Math.floor(transaction.lastStart / dayMs) * dayMs;
  const expectedDays = Array.from({ length: 7 }, (_, i) =>
    new Date(newestDay + (i + 1) * dayMs).toISOString().slice(0, 10),
  );
  const forecastRows = await waitConsumed(
    'the forecast of the 40 runs stored',
    async () => {
      const stored = await query(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, p50_ms, availability, based_on_days, method
         FROM synth_forecasts WHERE transaction_id = $1 ORDER BY day`,
        [transaction.transactionId],
      );
      return stored.length === 7 && stored[0].p50_ms === forecast.p50DurationMs?.days[0]?.value
        ? stored
        : undefined;
    },
    chain,
  );
  assert.deepEqual(
    forecastRows.map((row) => [row.day, row.p50_ms, row.availability, row.based_on_days]),
    expectedDays.map((day, i) => [
      day,
      forecast.p50DurationMs?.days[i]?.value,
      forecast.availability?.days[i]?.value,
      daily.length,
    ]),
  );
  assert.match(forecastRows[0].method, /trend/);
});

test('the band at the newest run is queryable in VictoriaMetrics next to the runs', async () => {
  const reference = new BaselineStore(':memory:');
  reference.ingest(transaction.runs);
  const band = reference.baselineFor(`${transaction.transactionId}|run|*`, hourOfWeek(transaction.lastStart));
  reference.close();
  assert.ok(band.duration);

  const selector = (name: string) => `${name}{transaction_id="${transaction.transactionId}",location="*"}`;
  const valueAtNewestRun = async (name: string) => {
    const series = await exportedSeries(selector(name));
    const at = series[0]?.timestamps.indexOf(transaction.lastStart) ?? -1;
    return at < 0 ? undefined : series[0]?.values[at];
  };
  const p50 = await waitConsumed(
    'the overall p50 band at the newest run',
    () => valueAtNewestRun('primoart_synth_run_duration_baseline_p50_seconds'),
    chain,
    { intervalMs: 500 },
  );
  assert.equal(p50, band.duration.p50 / 1000);
  assert.equal(
    await valueAtNewestRun('primoart_synth_run_duration_baseline_p10_seconds'),
    band.duration.p10 / 1000,
  );
  assert.equal(
    await valueAtNewestRun('primoart_synth_run_duration_baseline_p90_seconds'),
    band.duration.p90 / 1000,
  );
  assert.equal(await valueAtNewestRun('primoart_synth_run_baseline_availability'), 1);

  const [series] = await exportedSeries(selector('primoart_synth_run_duration_baseline_p50_seconds'));
  assert.deepEqual(series?.metric, {
    __name__: 'primoart_synth_run_duration_baseline_p50_seconds',
    transaction_id: transaction.transactionId,
    transaction: 'Baselines IT',
    location: '*',
  });
  // The band at the location and the steps' bands are there too. They are records of their own,
  // keyed apart on the baselines topic, so their partitions may be written after the overall band.
  const located = await waitConsumed(
    'the band at the location',
    async () => {
      const found = await exportedSeries(
        `primoart_synth_run_duration_baseline_p50_seconds{transaction_id="${transaction.transactionId}",location="${transaction.location}"}`,
      );
      return found.length > 0 ? found : undefined;
    },
    chain,
    { intervalMs: 500 },
  );
  assert.equal(located.length, 1);
  const steps = await waitConsumed(
    "both steps' bands",
    async () => {
      const found = await exportedSeries(
        `primoart_synth_step_duration_baseline_p50_seconds{transaction_id="${transaction.transactionId}",location="*"}`,
      );
      return found.length >= 2 ? found : undefined;
    },
    chain,
    { intervalMs: 500 },
  );
  assert.deepEqual(steps.map((step) => step.metric.step).sort(), ['open', 'pay']);
});

test('events on primoart.events.v1 become synth_events rows, one per event however often delivered', async () => {
  const transactionId = randomUUID();
  const opened: DetectedEvent = {
    event_id: randomUUID(),
    action: 'open',
    kind: 'performance',
    severity: 'major',
    transaction_id: transactionId,
    transaction_name: 'Events IT',
    service: 'events-it',
    environment: 'test',
    location: 'BE/Flanders/Ghent',
    occurred_at: new Date(Date.now() - 120_000),
    result_id: randomUUID(),
    value: '5123 ms',
    text: 'Events IT at BE/Flanders/Ghent took longer than its p90 baseline',
    baseline: { state: 'ready', p10_ms: 2800, p50_ms: 3000, p90_ms: 3400, samples: 120 },
    suppressed: false,
    maintenance_window_id: null,
    robot_id: null,
    locations: ['BE/Flanders/Ghent'],
    locations_total: 1,
  };
  const cleared: DetectedEvent = {
    ...opened,
    event_id: randomUUID(),
    action: 'clear',
    severity: 'normal',
    occurred_at: new Date(Date.now() - 60_000),
    result_id: randomUUID(),
    value: '3010 ms',
    text: 'Events IT at BE/Flanders/Ghent is back within its baseline',
    baseline: null,
    suppressed: true,
    maintenance_window_id: 'maintenance-1',
  };
  const codec = await createTopicCodec(stack.registryUrl(), topics.events);
  const produce = async () => {
    const messages = await Promise.all(
      [opened, cleared].map(async (event) => ({
        key: transactionId,
        value: await codec.encode(toEventRecord(event)),
      })),
    );
    const [delivered] = await producer.send([{ topic: topics.events.name, messages }]);
    assert.ok(delivered);
    return delivered;
  };
  const rowsOf = () =>
    query('SELECT * FROM synth_events WHERE transaction_id = $1 ORDER BY occurred_at', [transactionId]);

  const first = await produce();
  const events = [[setup.groupId, topics.events.name]] as const;
  const rows = await waitConsumed(
    'both events stored',
    async () => {
      const stored = await rowsOf();
      return stored.length === 2 ? stored : undefined;
    },
    events,
  );
  const [open, clear] = rows;
  assert.deepEqual(
    {
      ...open,
      occurred_at: open.occurred_at.toISOString(),
      stored_at: undefined,
    },
    {
      event_id: opened.event_id,
      action: 'open',
      kind: 'performance',
      severity: 'major',
      transaction_id: transactionId,
      transaction_name: 'Events IT',
      service: 'events-it',
      environment: 'test',
      location: 'BE/Flanders/Ghent',
      occurred_at: opened.occurred_at.toISOString(),
      result_id: opened.result_id,
      value: '5123 ms',
      text: opened.text,
      baseline_state: 'ready',
      baseline_p10_ms: 2800,
      baseline_p50_ms: 3000,
      baseline_p90_ms: 3400,
      baseline_samples: 120,
      suppressed: false,
      maintenance_window_id: null,
      source_topic: topics.events.name,
      source_partition: first.partition,
      source_offset: first.baseOffset,
      stored_at: undefined,
      robot_id: null,
      locations: ['BE/Flanders/Ghent'],
      locations_total: 1,
    },
  );
  assert.deepEqual(
    [clear.action, clear.severity, clear.baseline_state, clear.baseline_p50_ms, clear.suppressed],
    ['clear', 'normal', null, null, true],
  );
  assert.equal(clear.maintenance_window_id, 'maintenance-1');

  // Delivered again (a producer retry, a replay upstream): the rows move to the new copies' offsets
  // and stay one per event.
  const second = await produce();
  await waitConsumed(
    'the second copies written',
    async () => {
      const stored = await rowsOf();
      return stored.every((row) => BigInt(row.source_offset) >= BigInt(second.baseOffset)) ? true : undefined;
    },
    events,
  );
  const again = await rowsOf();
  assert.equal(again.length, 2);
  assert.deepEqual(
    again.map((row) => row.source_offset),
    [second.baseOffset, String(BigInt(second.baseOffset) + 1n)],
  );
});
