// The whole alerting path against the real stack: a simulated fleet (three transactions, three
// locations, 15 days every 5 minutes, with an outage, a regression (every run × 1.25 from one
// moment on), a flapping robot and a
// weekly maintenance window in the last days) published to the results topic as the gateway
// publishes an accepted upload (validated, mapped, encoded; the upload path itself is proven by
// upload-flow, fleet-upload and result-limits, so the test runs no gateway); the baseline worker,
// the event detector, the synth-store and the Alerta forwarder turn it into alerts in the real
// Alerta. The regression must open sooner than under the rule before issue 13, judged in process
// over 40 such steps at random times (one step is one draw). Then the results are replayed from the
// test's first offset (and the baseline model rebuilt from nothing): the same baselines, and not
// one alert re-opened.
//
// Its workers read the shared results and events topics from their ends, so they see every other
// test's records too, which changes none of its assertions. But any OTHER baseline worker or event
// detector running meanwhile (baseline, baselines-store, event-detector and alerta-forwarder tests,
// and the stack's own, which `primoart test` stops) judges the fleet's runs as well, without its
// maintenance window, and its events reach the test's synth-store and forwarder (seen: an extra
// open/clear at Frankfurt, an alert for the transaction overall). And every other test's own
// synth-store (metrics-store, logs-store) reads the results topic from its end too, so it stores
// the fleet's 38,880 runs before the test's own records: beside this test, on a loaded machine,
// dead-letters and artifact-store once missed their 30 and 60 s waits. So it runs beside unit tests
// only (`scripts/test-schedule.ts`).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { toAvroResult } from '../../schemas/index.ts';
import type { TransactionResultPayload, TransactionResultRecord } from '../../schemas/record-types.ts';
import { validateTransactionResult } from '../../schemas/transaction-result.ts';
import { defaultSeasonality, type FleetPlan, fleetTransactions } from '../../scripts/fleet/fleet-plan.ts';
import { generateFleetResults } from '../../scripts/fleet/generator.ts';
import { runsWithBands, workerResultsOf } from '../../scripts/fleet/hourly-bands.ts';
import { seededRandom, streamSeed } from '../../scripts/fleet/random.ts';
import { delaySummary, judgeSlowdowns } from '../../scripts/fleet/slowdowns.ts';
import { topics } from '../../topics/catalog.ts';
import { createTopicCodec, type ValueCodec } from '../../topics/codec.ts';
import type { Producer } from '../../topics/port.ts';
import { alertResourceOf } from '../../workers/alerta-forwarder/alert-body.ts';
import { defaultAlertSettings } from '../../workers/event-detector/alerting-config.ts';
import { detectorOptions } from '../../workers/event-detector/detector-options.ts';
import { type AlertaAlert, alerta, alertaKey, alertaUrl } from './alerta.ts';
import {
  detectorReadyTimeoutMs,
  freePort,
  kafkaConnection,
  type RunningProcess,
  scratchDatabase,
  stack,
  startReady,
  startSynthStoreGroupAtEnd,
  type TestSetup,
  testConfig,
  waitCaughtUp,
  withAdmin,
} from './stack.ts';

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;
const dayMs = 24 * hourMs;

/** Every alert of one resource (optionally one event), with its history. */
async function alertsOf(resource: string, event?: string): Promise<AlertaAlert[]> {
  const query = new URLSearchParams({ resource, environment: 'test' });
  if (event !== undefined) query.set('event', event);
  const { alerts } = await alerta<{ alerts: AlertaAlert[] }>('GET', `/alerts?${query}`);
  return Promise.all(
    alerts.map(async (a) => (await alerta<{ alert: AlertaAlert }>('GET', `/alert/${a.id}`)).alert),
  );
}

// --- the fleet ----------------------------------------------------------------------------------

const frankfurt = 'robot-frankfurt-01';
const singapore = 'robot-singapore-01';
const locationOf: Record<string, string> = {
  [frankfurt]: 'DE/Hesse/Frankfurt am Main',
  [singapore]: 'SG/Singapore/Singapore',
  'robot-newyork-01': 'US/New York/New York',
};

// The end of the simulated range: the last full hour, so the scenarios sit at whole hours.
const to = new Date(Math.floor(Date.now() / hourMs) * hourMs);
const from = new Date(to.getTime() - 15 * dayMs);
const at = (hoursBeforeEnd: number) => new Date(to.getTime() - hoursBeforeEnd * hourMs);
const scenarioTimes = {
  outage: { from: at(10), to: new Date(at(10).getTime() + 45 * minuteMs) },
  // Weekly, so it also falls twice into the history.
  maintenance: { from: at(30), to: at(29) },
  // A step: the generator's growth over one minute, then held (× 1.25 from the first run after it).
  regression: { from: at(48), to: new Date(at(48).getTime() + minuteMs) },
  flapping: { from: at(6), to: at(4) },
};
const maintenanceWindowId = `it-maintenance-${randomUUID().slice(0, 8)}`;

// Fresh transaction ids per run (the generator's random streams follow the plan's ids, so the
// durations are the same every time; the ids on the bus are not shared with any earlier run).
const [planOutage, planRegression, planFlapping] = fleetTransactions(3, 5);
assert.ok(planOutage && planRegression && planFlapping);
const ids = {
  outage: randomUUID(),
  regression: randomUUID(),
  flapping: randomUUID(),
};
const idOf = new Map([
  [planOutage.id, ids.outage],
  [planRegression.id, ids.regression],
  [planFlapping.id, ids.flapping],
]);

const plan: FleetPlan = {
  seed: 2026,
  from,
  to,
  transactions: [planOutage, planRegression, planFlapping],
  seasonality: defaultSeasonality,
  environment: 'test',
  scenarios: [
    { kind: 'outage', transactionId: planOutage.id, robotName: frankfurt, ...scenarioTimes.outage },
    {
      kind: 'maintenance',
      transactionId: planOutage.id,
      ...scenarioTimes.maintenance,
      repeatEveryDays: 7,
    },
    {
      kind: 'slow-regression',
      transactionId: planRegression.id,
      ...scenarioTimes.regression,
      growthPerDay: 0.25 * 24 * 60,
    },
    { kind: 'flapping', transactionId: planFlapping.id, robotName: singapore, ...scenarioTimes.flapping },
  ],
};

function fleetRuns(): TransactionResultPayload[] {
  return [...generateFleetResults(plan)].map((payload) => ({
    ...payload,
    transaction_id: idOf.get(payload.transaction_id) ?? assert.fail(`unplanned ${payload.transaction_id}`),
    result_id: randomUUID(),
  }));
}

const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const hhmm = (time: Date) =>
  `${String(time.getUTCHours()).padStart(2, '0')}:${String(time.getUTCMinutes()).padStart(2, '0')}`;

// --- the pipeline -------------------------------------------------------------------------------

const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

type WorkerName = keyof typeof cliName;

interface Workers {
  database: Awaited<ReturnType<typeof scratchDatabase>>;
  setup: TestSetup;
  configFile: string;
  stateDir: string;
  groups: Record<WorkerName, string>;
  urls: Record<WorkerName, string>;
  running: Partial<Record<WorkerName, RunningProcess>>;
  resultsStart: Array<{ partition: number; offset: string }>;
}

let w: Workers;
/** Where the fleet's runs are published: the results topic, as the gateway writes it. */
let bus: { producer: Producer; resultCodec: ValueCodec<TransactionResultRecord> };

const cliName = {
  store: 'synth-store',
  baseline: 'baseline',
  detector: 'event-detector',
  forwarder: 'alerta-forwarder',
} as const;

const readyTimeoutMs: Partial<Record<WorkerName, number>> = { detector: detectorReadyTimeoutMs };

/** Start workers side by side (each start is mostly waiting for its dependencies and its group). */
async function startWorkers(...which: WorkerName[]): Promise<void> {
  const started = await Promise.allSettled(
    which.map(async (name) => {
      w.running[name] = await startReady(
        ['worker', cliName[name], '--config.file', w.configFile],
        w.urls[name],
        readyTimeoutMs[name],
      );
    }),
  );
  for (const result of started) if (result.status === 'rejected') throw result.reason;
}

async function stopWorker(which: WorkerName): Promise<void> {
  await w.running[which]?.stop();
  w.running[which] = undefined;
}

/**
 * The baseline worker and the detector take a slice of the fleet as one batch per partition (a
 * transaction's runs share one; a two-day slice is 5,184 runs, even if all three transactions
 * landed on one partition): the baseline worker publishes the 168 hour bands of every series a
 * batch touched, which costs more than ingesting the batch, so fewer batches are much of the
 * test's speed. The detector reads the bands once per batch, before judging it.
 */
const fleetBatch = { max_records: 6000 };

before(async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'primoart-alerting-'));
  cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
  // A database and a synth-store of the test's own (its group at the ends of the topics it reads).
  const database = await scratchDatabase();
  cleanups.push(() => database.drop());
  const setup = await testConfig(database.url);
  await startSynthStoreGroupAtEnd(setup.groupId);
  const prefix = setup.groupId;
  const groups = {
    store: setup.groupId,
    baseline: `${prefix}.baseline`,
    detector: `${prefix}.detector`,
    forwarder: `${prefix}.forwarder`,
  };
  const ports = { baseline: await freePort(), detector: await freePort(), forwarder: await freePort() };
  const urls = {
    store: setup.workerUrl,
    baseline: `http://127.0.0.1:${ports.baseline}`,
    detector: `http://127.0.0.1:${ports.detector}`,
    forwarder: `http://127.0.0.1:${ports.forwarder}`,
  };
  const retry = { initial_ms: 100, max_ms: 1000 };
  const config = parse(readFileSync(setup.configFile, 'utf8'));
  const start = scenarioTimes.maintenance.from;
  config.alerta = { url: alertaUrl(), api_key: alertaKey() };
  Object.assign(config.workers, {
    baseline: {
      listen: `127.0.0.1:${ports.baseline}`,
      group_id: groups.baseline,
      state_file: join(stateDir, 'baseline.sqlite'),
      retry,
      batch: fleetBatch,
    },
    'event-detector': {
      listen: `127.0.0.1:${ports.detector}`,
      group_id: groups.detector,
      state_file: join(stateDir, 'detector.sqlite'),
      retry,
      batch: fleetBatch,
      maintenance_windows: [
        {
          id: maintenanceWindowId,
          transaction_id: ids.outage,
          weekly: {
            days: [weekdays[start.getUTCDay()]],
            start: hhmm(start),
            end: hhmm(scenarioTimes.maintenance.to),
          },
        },
      ],
    },
    'alerta-forwarder': {
      listen: `127.0.0.1:${ports.forwarder}`,
      group_id: groups.forwarder,
      state_file: join(stateDir, 'forwarder.sqlite'),
      retry,
      // The simulated history is compressed into minutes: its last days must still reach Alerta.
      forwarding: { max_event_age_ms: 4 * dayMs },
    },
  });
  writeFileSync(setup.configFile, stringify(config), { mode: 0o600 });

  // Every worker of the test starts at the current ends: it sees only what the test sends.
  await withAdmin(async (admin) => {
    const { resetGroupOffsets } = await import('../../topics/admin.ts');
    for (const group of [groups.baseline, groups.detector])
      await resetGroupOffsets(admin, group, topics.synthResults.name, { kind: 'latest' });
    await resetGroupOffsets(admin, groups.forwarder, topics.events.name, { kind: 'latest' });
  });
  const resultsStart = await withAdmin(async (admin) =>
    (await admin.topicOffsets(topics.synthResults.name)).map((p) => ({
      partition: p.partition,
      offset: p.high,
    })),
  );
  w = { database, setup, configFile: setup.configFile, stateDir, groups, urls, running: {}, resultsStart };
  cleanups.push(async () => {
    await Promise.all((Object.keys(cliName) as WorkerName[]).map(stopWorker));
    await forgetTestTraces(Object.values(urls));
  });
  const producer = await kafkaConnection().producer();
  cleanups.push(() => producer.disconnect());
  const resultCodec = await createTopicCodec(stack.registryUrl(), topics.synthResults);
  bus = { producer, resultCodec };
  await startWorkers(...(Object.keys(cliName) as WorkerName[]));
});

/**
 * Runs as the gateway publishes accepted uploads: each validated (every run must pass, as it would
 * be accepted), mapped to its Avro record, keyed by transaction_id.
 */
function encodeRuns(runs: TransactionResultPayload[]) {
  const receivedAt = new Date();
  return Promise.all(
    runs.map(async (run) => {
      const validation = validateTransactionResult(run, { now: receivedAt, defaultEnvironment: 'test' });
      assert.ok(validation.ok, JSON.stringify(validation).slice(0, 2000));
      return {
        key: run.transaction_id,
        value: await bus.resultCodec.encode(toAvroResult(validation.value, { receivedAt }).result),
      };
    }),
  );
}

/**
 * Publish in the runs' order, so one transaction's runs reach its partition in order, as its robots
 * send them: the detector ignores runs that finished more than its ordering grace before a run it
 * already judged.
 */
async function publish(messages: Awaited<ReturnType<typeof encodeRuns>>): Promise<void> {
  for (let i = 0; i < messages.length; i += 500) {
    await bus.producer.send([{ topic: topics.synthResults.name, messages: messages.slice(i, i + 500) }]);
  }
}

const pipelineGroups = (): Array<[string, string]> => [
  [w.groups.baseline, topics.synthResults.name],
  [w.groups.detector, topics.synthResults.name],
];

/**
 * The fleet in time order, in slices, each judged before the next is sent: the first week a day at
 * a time, then two days at a time, the last two days (every scenario but the history's
 * maintenance) being the last slice. So a run is judged against the baselines of the runs before
 * it, as it would be live (a robot does not upload days at once): the detector reads the bands once
 * per batch, before judging it, and a run's band is that of its hour of week, which only runs of
 * that hour in earlier weeks fill, i.e. runs before its slice, as no slice is longer than a week.
 * Only in the first week do bands still learn from every hour (a bucket holds too few runs before
 * its hour has passed once), hence day slices there. Finer slices would change no judgement (the
 * availability rules and the maintenance window follow the runs' order on their partitions and
 * their own times, not the slices) but each costs a round of baselines: 74 slices (half days, then
 * hours for the last two days) took three quarters of this test's time. Longer ones would judge
 * the same, but every test running beside this one has workers of its own reading the results
 * topic too: two days (5,184 runs) is the most they get at once.
 */
function fleetSlices(runs: TransactionResultPayload[]): TransactionResultPayload[][] {
  const learnedFrom = from.getTime() + 7 * dayMs;
  let sliceEnd = from.getTime();
  let index = 0;
  const slices: TransactionResultPayload[][] = [];
  while (index < runs.length) {
    sliceEnd += sliceEnd < learnedFrom ? dayMs : 2 * dayMs;
    const slice: TransactionResultPayload[] = [];
    while (index < runs.length && Date.parse(runs[index]?.started_at ?? '') < sliceEnd) {
      slice.push(runs[index] as TransactionResultPayload);
      index += 1;
    }
    if (slice.length > 0) slices.push(slice);
  }
  return slices;
}

/** Publish the fleet slice by slice (`fleetSlices`); returns the number of slices. */
async function publishFleet(runs: TransactionResultPayload[]): Promise<number> {
  const slices = fleetSlices(runs);
  let next = encodeRuns(slices[0] ?? []);
  for (let i = 0; i < slices.length; i += 1) {
    await publish(await next);
    // The next slice is validated and encoded while the workers judge this one (its failure is
    // thrown when it is awaited, in the next round).
    next = encodeRuns(slices[i + 1] ?? []);
    next.catch(() => undefined);
    await waitCaughtUp(pipelineGroups());
  }
  return slices.length;
}

/** The PostgreSQL events of one transaction in the order they occurred. */
async function eventsOf(transactionId: string) {
  const { rows } = await w.database.pool.query(
    `SELECT event_id, action, kind, severity, location, locations, locations_total, occurred_at, suppressed,
       maintenance_window_id
       FROM synth_events WHERE transaction_id = $1 ORDER BY occurred_at, action DESC`,
    [transactionId],
  );
  return rows as Array<{
    event_id: string;
    action: 'open' | 'clear';
    kind: string;
    severity: string;
    location: string | null;
    locations: string[];
    locations_total: number;
    occurred_at: Date;
    suppressed: boolean;
    maintenance_window_id: string | null;
  }>;
}

const nameOf = new Map<string, string>([
  [ids.outage, planOutage.name],
  [ids.regression, planRegression.name],
  [ids.flapping, planFlapping.name],
]);
/** The Alerta resource of a transaction's problems: its name and id (alert-body.ts). */
const resourceOf = (transactionId: string) =>
  alertResourceOf({
    transaction_id: transactionId,
    transaction_name: nameOf.get(transactionId) ?? '',
    location: null,
  });

test('a simulated fleet raises and clears the right alerts in Alerta, and a replay re-opens none', async () => {
  const runs = fleetRuns();
  const started = Date.now();
  const slices = await publishFleet(runs);
  const uploadSeconds = (Date.now() - started) / 1000;
  await waitCaughtUp([
    ...pipelineGroups(),
    [w.groups.store, topics.synthResults.name],
    [w.groups.store, topics.events.name],
    [w.groups.store, topics.baselines.name],
    [w.groups.forwarder, topics.events.name],
  ]);
  process.stderr.write(
    `# ${runs.length} runs published and judged in ${slices} slices in ${uploadSeconds.toFixed(0)} s\n`,
  );

  // The outage at Frankfurt: exactly one alert for the transaction, major (1 of its 3 locations),
  // naming Frankfurt, closed on recovery.
  const outage = await alertsOf(resourceOf(ids.outage), 'TransactionUnavailable');
  assert.equal(outage.length, 1, JSON.stringify(outage));
  const [outageAlert] = outage;
  assert.equal(outageAlert?.status, 'closed');
  assert.equal(outageAlert?.severity, 'normal');
  assert.deepEqual(outageAlert?.service, [planOutage.service]);
  assert.ok(
    outageAlert?.history?.some((h) => h.severity === 'major'),
    'the alert was major',
  );
  const outageEvents = (await eventsOf(ids.outage)).filter((e) => e.kind === 'availability' && !e.suppressed);
  assert.deepEqual(
    outageEvents.map((e) => [e.action, e.severity, e.location, e.locations, e.locations_total]),
    [
      ['open', 'major', null, [locationOf[frankfurt]], 3],
      ['clear', 'normal', null, [], 3],
    ],
    `the outage's events (the simulated outage at Frankfurt ran ${scenarioTimes.outage.from.toISOString()} – ` +
      `${scenarioTimes.outage.to.toISOString()}): ${JSON.stringify(outageEvents)}`,
  );
  const opened = outageEvents[0]?.occurred_at.getTime() ?? 0;
  assert.ok(opened > scenarioTimes.outage.from.getTime() && opened < scenarioTimes.outage.to.getTime());

  // The weekly maintenance: every location failed, the events are recorded, suppressed (the one
  // alert above is the outage's: its only unsuppressed events are the outage's open and clear).
  const maintenanceEvents = (await eventsOf(ids.outage)).filter((e) => e.maintenance_window_id !== null);
  assert.ok(maintenanceEvents.length > 0, 'events inside the window are recorded');
  assert.ok(maintenanceEvents.every((e) => e.suppressed && e.maintenance_window_id === maintenanceWindowId));
  assert.ok(
    maintenanceEvents.some(
      (e) => e.action === 'open' && e.locations.length === 3 && e.severity === 'critical',
    ),
    'inside the window every location failed: one problem, critical, 3 of 3 (recorded, not sent)',
  );

  // The regression (× 1.25 at every location) opens one performance warning for the transaction.
  const performanceOpens = async (id: string) =>
    (await eventsOf(id)).filter((e) => e.kind === 'performance' && e.action === 'open');
  const regression = (await performanceOpens(ids.regression)).filter(
    (e) => e.occurred_at.getTime() >= scenarioTimes.regression.from.getTime(),
  );
  assert.ok(regression.length > 0, 'the regression opened a performance problem');
  assert.equal(regression[0]?.severity, 'warning');
  assert.equal(regression[0]?.location, null);
  assert.equal((await alertsOf(resourceOf(ids.regression), 'TransactionSlow')).length, 1);
  // How soon, against how soon the rule before issue 13 would have opened it. One regression is
  // one draw (the fleet's hours move with the clock; the rule before opened this fleet's in 15 min
  // once, by luck of a too narrow band), so the same × 1.25 step is also injected at 40 random
  // times into the transaction's undisturbed runs and judged in process by the real model and
  // detector, both ways (scripts/fleet/slowdowns.ts): the medians are compared.
  const sinceRegression = (at: number | undefined) =>
    at === undefined ? Number.POSITIVE_INFINITY : (at - scenarioTimes.regression.from.getTime()) / minuteMs;
  const pipelineMinutes = sinceRegression(regression[0]?.occurred_at.getTime());
  const draws = regressionDraws(runs.filter((run) => run.transaction_id === ids.regression));
  process.stderr.write(
    `# the regression (× 1.25 from ${scenarioTimes.regression.from.toISOString()}) opened after ` +
      `${pipelineMinutes.toFixed(0)} min (${(pipelineMinutes / 5).toFixed(0)} rounds) at ` +
      `${regression[0]?.locations.join(', ')}; over ${draws.now.count} such steps judged in process, ` +
      `median (p90) rounds to the open: now ${draws.now.median} (${draws.now.p90}), before (5 of 5 ` +
      `above the published p90) ${draws.before.median} (${draws.before.p90})\n`,
  );
  assert.ok(
    (draws.now.median ?? Number.POSITIVE_INFINITY) < (draws.before.median ?? Number.POSITIVE_INFINITY),
    `a × 1.25 regression opens sooner than before: ${JSON.stringify(draws)}`,
  );
  // Not asserted (chance, not a rule), reported for the issue note: performance problems opened
  // where no regression was simulated.
  const spurious = [
    ...(await performanceOpens(ids.outage)),
    ...(await performanceOpens(ids.flapping)),
    ...(await performanceOpens(ids.regression)).filter(
      (e) => e.occurred_at.getTime() < scenarioTimes.regression.from.getTime(),
    ),
  ];
  process.stderr.write(
    `# performance opens without a regression: ${spurious.length} (${spurious.map((e) => `${e.locations.join('+') || '*'} ${e.occurred_at.toISOString()}`).join(', ')})\n`,
  );

  // Flapping at Singapore: one alert for the whole episode, not one per run.
  const flapping = (await eventsOf(ids.flapping)).filter((e) => e.kind === 'availability' && !e.suppressed);
  assert.deepEqual(
    flapping.map((e) => [e.action, e.locations]),
    [
      ['open', [locationOf[singapore]]],
      ['clear', []],
    ],
    'alternating FAIL/OK opens once and clears once',
  );
  const flappingAlerts = await alertsOf(resourceOf(ids.flapping), 'TransactionUnavailable');
  assert.equal(flappingAlerts.length, 1);
  assert.equal(flappingAlerts[0]?.status, 'closed');

  // --- replay ---
  const alertsBefore = await allAlerts();
  const baselinesBefore = await storedBaselines();
  const eventsBefore = await eventCount();
  await stopWorker('baseline');
  await stopWorker('detector');
  rmSync(join(w.stateDir, 'baseline.sqlite'), { force: true });
  await withAdmin(async (admin) => {
    for (const group of [w.groups.baseline, w.groups.detector])
      await admin.setGroupOffsets(group, topics.synthResults.name, w.resultsStart);
  });
  const replayStarted = Date.now();
  await startWorkers('baseline', 'detector');
  await waitCaughtUp(pipelineGroups());
  await waitCaughtUp([
    [w.groups.store, topics.baselines.name],
    [w.groups.store, topics.events.name],
    [w.groups.forwarder, topics.events.name],
  ]);
  process.stderr.write(`# replayed and caught up in ${((Date.now() - replayStarted) / 1000).toFixed(0)} s\n`);
  assert.deepEqual(
    await storedBaselines(),
    baselinesBefore,
    'the rebuilt model publishes the same baselines',
  );
  assert.equal(await eventCount(), eventsBefore, 'the replay judged nothing twice');
  assert.deepEqual(await allAlerts(), alertsBefore, 'no alert changed in Alerta');
});

/**
 * A × 1.25 step of every location, injected at 40 random times (seeded) from the second week of
 * the transaction's undisturbed runs (before the regression, leaving room for 48 rounds), judged
 * by the detector now (sequential, its locations also judged together, steadied bands) and by the
 * rule before issue 13 (5 of the last 5 runs above the published p90): rounds from the step to the
 * open, median and p90 (`>48` counted as later than any).
 */
function regressionDraws(payloads: TransactionResultPayload[]) {
  const maxRuns = 48;
  const rule = (options: ReturnType<typeof detectorOptions>, publishedBands: boolean) => ({
    name: publishedBands ? 'before' : 'now',
    context: { options, maintenance: [], alerts: defaultAlertSettings() },
    publishedBands,
  });
  const rules = [
    rule(detectorOptions(), false),
    rule(detectorOptions({ performance: { method: 'count', open: 5, window: 5 } }), true),
  ];
  const results = workerResultsOf(payloads).sort((a, b) => a.started_at.getTime() - b.started_at.getTime());
  const first = from.getTime() + 7 * dayMs;
  const last = scenarioTimes.regression.from.getTime() - (maxRuns + 1) * 5 * minuteMs;
  const random = seededRandom(streamSeed(4242, 'alerting regression draws'));
  const slowdowns = Array.from({ length: 40 }, () => ({
    scope: 'transaction' as const,
    transactionId: ids.regression,
    atMs: first + Math.floor(random.next() * (last - first)),
  })).sort((a, b) => a.atMs - b.atMs);
  const forks = judgeSlowdowns(
    runsWithBands(
      results.filter((result) => result.started_at.getTime() < scenarioTimes.regression.from.getTime()),
      from.getTime(),
    ),
    { rules, slowdowns, magnitudes: [1.25], maxRuns, locationsOf: () => 3 },
  );
  return {
    now: delaySummary(forks, 0, 'transaction', 1.25),
    before: delaySummary(forks, 1, 'transaction', 1.25),
  };
}

/** Every alert of the test's transactions: what a replay must leave alone. */
async function allAlerts() {
  const found = [];
  for (const resource of Object.values(ids).map(resourceOf)) {
    const { alerts } = await alerta<{ alerts: AlertaAlert[] }>(
      'GET',
      `/alerts?${new URLSearchParams({ resource, environment: 'test' })}`,
    );
    found.push(
      ...alerts.map((a) => ({
        id: a.id,
        resource: a.resource,
        event: a.event,
        status: a.status,
        severity: a.severity,
        duplicateCount: a.duplicateCount,
        lastReceiveTime: a.lastReceiveTime,
      })),
    );
  }
  return found.sort((a, b) => a.id.localeCompare(b.id));
}

async function storedBaselines() {
  const { rows } = await w.database.pool.query(
    `SELECT series_key, state, window_runs, newest_run_at, hours FROM synth_baselines
      WHERE transaction_id = ANY($1) ORDER BY series_key`,
    [Object.values(ids)],
  );
  return rows;
}

async function eventCount(): Promise<number> {
  const { rows } = await w.database.pool.query(
    'SELECT count(*) AS n FROM synth_events WHERE transaction_id = ANY($1)',
    [Object.values(ids)],
  );
  return Number(rows[0].n);
}

/** Remove the test's alerts and its processes' heartbeats (origins end with their ports) from Alerta. */
async function forgetTestTraces(processUrls: string[]): Promise<void> {
  for (const alert of await allAlerts()) await alerta('DELETE', `/alert/${alert.id}`);
  const ports = processUrls.map((url) => `-${new URL(url).port}`);
  const { heartbeats } = await alerta<{ heartbeats: Array<{ id: string; origin: string }> }>(
    'GET',
    '/heartbeats?page-size=1000',
  );
  for (const heartbeat of heartbeats)
    if (ports.some((port) => heartbeat.origin.endsWith(port)))
      await alerta('DELETE', `/heartbeat/${heartbeat.id}`);
}
