import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type TestContext, test } from 'node:test';
import { probit } from 'simple-statistics';
import { hoursPerWeek } from '../../../../schemas/hour-of-week.ts';
import { locationKey, seriesKey } from '../../../../schemas/series-key.ts';
import { trueDurationQuantiles, z90 } from '../../../../scripts/fleet/duration-model.ts';
import {
  defaultSeasonality,
  fleetLocations,
  fleetTransactions,
} from '../../../../scripts/fleet/fleet-plan.ts';
import { seededRandom } from '../../../../scripts/fleet/random.ts';
import { BaselineStore, type HourBaseline } from '../../../../workers/baseline/baseline-store.ts';
import { dayMs, fleetPlan, handRobot, handRun, validatedRuns } from './fleet-runs.ts';

function temporaryDirectory(t: TestContext): string {
  const directory = mkdtempSync(join(tmpdir(), 'baseline-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

function openStore(
  t: TestContext,
  settings: ConstructorParameters<typeof BaselineStore>[1] = {},
  file = 'state.sqlite',
) {
  const store = new BaselineStore(join(temporaryDirectory(t), file), settings);
  t.after(() => store.close());
  return store;
}

const handSeries = seriesKey({
  transactionId: '00000000-0000-4000-8000-000000000001',
  stepIndex: null,
  location: 'DE/Hesse/Frankfurt am Main',
});

// Standard normal density at the quantile's z: the sample quantile's standard error in log space is
// sigma × sqrt(p(1 − p) / n) / φ(z_p) (asymptotic order-statistic variance).
const normalDensity = (z: number) => Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
const logStandardError = (sigma: number, p: number, z: number, n: number) =>
  (sigma * Math.sqrt((p * (1 - p)) / n)) / normalDensity(z);

test('learned p10/p50/p90 of every hour-of-week bucket match the generator’s true quantiles', (t) => {
  const checkout = fleetTransactions(1)[0];
  const [frankfurt, singapore] = fleetLocations;
  assert.ok(checkout !== undefined && frankfurt !== undefined && singapore !== undefined);
  const transaction = { ...checkout, locations: [frankfurt, singapore] };
  const store = openStore(t);
  store.ingest(validatedRuns(fleetPlan([transaction], 28)));

  // 4 weeks × 12 runs an hour: 48 runs per bucket (fewer the ~0.5 % background failures).
  const n = 48;
  const quantiles = [
    { name: 'p10', p: 0.1, z: -z90 },
    { name: 'p50', p: 0.5, z: 0 },
    { name: 'p90', p: 0.9, z: z90 },
  ] as const;
  const baselines = new Map(store.listBaselines().map((baseline) => [baseline.series.key, baseline]));
  for (const { name, p, z } of quantiles) {
    const standardError = logStandardError(transaction.sigma, p, z, n);
    const errors: number[] = [];
    for (const location of [frankfurt, singapore]) {
      for (const stepIndex of [undefined, 0, 1, 2]) {
        const key = seriesKey({
          transactionId: transaction.id,
          stepIndex: stepIndex ?? null,
          location: locationKey({ ...location, latitude: null, longitude: null }),
        });
        const series = baselines.get(key);
        assert.ok(series !== undefined, `no baselines for ${key}`);
        assert.equal(series.state, 'ready');
        for (let hour = 0; hour < hoursPerWeek; hour++) {
          const learned: HourBaseline | undefined = series.hours[hour];
          assert.ok(learned !== undefined);
          assert.equal(learned.source, 'hour-of-week');
          assert.equal(store.baselineFor(key, hour).duration?.[name], learned.duration?.[name]);
          const truth = trueDurationQuantiles(transaction, location, hour, defaultSeasonality, stepIndex);
          const error = Math.log((learned.duration?.[name] ?? Number.NaN) / truth[name]);
          // Each bucket: within 4.5 standard errors (336 independent buckets per quantile — the steps
          // are proportional to their run — so the largest |error| is expected near 3 SE).
          assert.ok(Math.abs(error) < 4.5 * standardError, `${key} hour ${hour} ${name}: log error ${error}`);
          errors.push(error);
        }
      }
    }
    const meanAbsolute = errors.reduce((a, b) => a + Math.abs(b), 0) / errors.length;
    const bias = errors.reduce((a, b) => a + b, 0) / errors.length;
    const largest = Math.max(...errors.map(Math.abs));
    t.diagnostic(
      `${name}: SE ${(100 * standardError).toFixed(1)} %, mean |error| ${(100 * meanAbsolute).toFixed(2)} %, ` +
        `bias ${(100 * bias).toFixed(2)} %, largest ${(100 * largest).toFixed(1)} %`,
    );
    // On average the error must look like sampling noise: E|N(0, SE)| = 0.8 SE, allowed 1.25× that.
    assert.ok(
      meanAbsolute < 1.25 * Math.sqrt(2 / Math.PI) * standardError,
      `${name} mean |error| ${meanAbsolute}`,
    );
    // The type-7 quantile of n samples sits near the order position (1 + (n − 1)p) / (n + 1) — for
    // p10 and n = 48 that is 0.116, not 0.1 — so it leans toward the median by a known amount
    // (≈ +1.8 % for p10, −1.8 % for p90, 0 for p50). Beyond that, no bias over 1 % is allowed (the
    // bias's own noise is SE / √336 ≈ 0.3 %).
    const expectedBias = transaction.sigma * (probit((1 + (n - 1) * p) / (n + 1)) - z);
    t.diagnostic(`${name}: type-7 small-sample bias expected ${(100 * expectedBias).toFixed(2)} %`);
    assert.ok(Math.abs(bias - expectedBias) < 0.01, `${name} bias ${bias}, expected ${expectedBias}`);
  }
});

test('a series is learning until its window holds the minimum number of runs, FAILs included', (t) => {
  const store = openStore(t, { learningMinSamples: 30 });
  const start = Date.parse('2026-11-02T09:00:00.000Z');
  const runs = Array.from({ length: 30 }, (_, i) =>
    handRun(
      `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      new Date(start + i * 60_000),
      1000 + i,
      i === 3 ? 'FAIL' : 'OK',
    ),
  );
  store.ingest(runs.slice(0, 29));
  const learning = store.baselineFor(handSeries, 9);
  assert.equal(learning.state, 'learning');
  assert.equal(learning.windowRuns, 29);
  assert.ok(learning.duration !== null, 'a learning baseline still shows its provisional band');
  store.ingest(runs.slice(29));
  assert.equal(store.baselineFor(handSeries, 9).state, 'ready');

  const unknown = store.baselineFor('never-seen|run|*', 9);
  assert.deepEqual(
    {
      state: unknown.state,
      windowRuns: unknown.windowRuns,
      duration: unknown.duration,
      availability: unknown.availability,
    },
    { state: 'learning', windowRuns: 0, duration: null, availability: null },
  );
});

test('a bucket with too few runs falls back to all hours, and uses its own runs once it has enough', (t) => {
  const store = openStore(t, { bucketMinSamples: 10 });
  const monday10 = Date.parse('2026-11-02T10:00:00.000Z');
  const tuesday10 = monday10 + dayMs;
  const mondayRuns = Array.from({ length: 40 }, (_, i) =>
    handRun(
      `00000000-0000-4000-8000-1000000000${String(i).padStart(2, '0')}`,
      new Date(monday10 + i * 60_000),
      1000 + i,
    ),
  );
  const tuesdayRuns = Array.from({ length: 10 }, (_, i) =>
    handRun(
      `00000000-0000-4000-8000-2000000000${String(i).padStart(2, '0')}`,
      new Date(tuesday10 + i * 60_000),
      5000,
    ),
  );
  store.ingest([...mondayRuns, ...tuesdayRuns.slice(0, 9)]);
  const mondayHour = 10;
  const tuesdayHour = 24 + 10;
  const [series] = store.listBaselines().filter((baseline) => baseline.series.key === handSeries);
  assert.ok(series !== undefined);

  const thin = store.baselineFor(handSeries, tuesdayHour);
  assert.equal(thin.source, 'all-hours');
  assert.deepEqual(thin.duration, series.allHours.duration);
  assert.equal(series.hours[tuesdayHour]?.source, 'all-hours');
  const empty = store.baselineFor(handSeries, 100);
  assert.equal(empty.source, 'all-hours');
  assert.deepEqual(empty.duration, series.allHours.duration);
  const own = store.baselineFor(handSeries, mondayHour);
  assert.equal(own.source, 'hour-of-week');
  assert.deepEqual(own.duration, { p10: 1003.9, p50: 1019.5, p90: 1035.1 });

  store.ingest(tuesdayRuns.slice(9));
  const filled = store.baselineFor(handSeries, tuesdayHour);
  assert.equal(filled.source, 'hour-of-week');
  assert.deepEqual(filled.duration, { p10: 5000, p50: 5000, p90: 5000 });
});

test('FAIL runs lower availability and stay out of the duration band', (t) => {
  const store = openStore(t);
  const start = Date.parse('2026-11-02T10:00:00.000Z');
  const runs = Array.from({ length: 20 }, (_, i) =>
    handRun(
      `00000000-0000-4000-8000-3000000000${String(i).padStart(2, '0')}`,
      new Date(start + i * 60_000),
      i % 4 === 0 ? 60_000 : 1000,
      i % 4 === 0 ? 'FAIL' : 'OK',
    ),
  );
  store.ingest(runs);
  const baseline = store.baselineFor(handSeries, 10);
  assert.equal(baseline.availability, 0.75);
  assert.equal(baseline.durationSamples, 15);
  assert.equal(baseline.duration?.p90, 1000);
});

test('every run feeds its transaction and each step, overall and at its location', (t) => {
  const store = openStore(t);
  const transaction = fleetTransactions(1)[0];
  const frankfurt = fleetLocations[0];
  assert.ok(transaction !== undefined && frankfurt !== undefined);
  store.ingest(validatedRuns(fleetPlan([{ ...transaction, locations: [frankfurt] }], 1 / 24)));
  assert.deepEqual(
    store.listSeries().map((series) => [series.key, series.stepName]),
    [
      [`${transaction.id}|run|*`, null],
      [`${transaction.id}|run|DE/Hesse/Frankfurt am Main`, null],
      [`${transaction.id}|step-0|*`, 'Open start page'],
      [`${transaction.id}|step-0|DE/Hesse/Frankfurt am Main`, 'Open start page'],
      [`${transaction.id}|step-1|*`, 'Log in'],
      [`${transaction.id}|step-1|DE/Hesse/Frankfurt am Main`, 'Log in'],
      [`${transaction.id}|step-2|*`, 'Pay with saved card'],
      [`${transaction.id}|step-2|DE/Hesse/Frankfurt am Main`, 'Pay with saved card'],
    ],
  );
});

function troubledFleetRuns() {
  const transactions = fleetTransactions(2);
  const first = transactions[0];
  assert.ok(first !== undefined);
  const plan = fleetPlan(transactions, 10, {
    scenarios: [
      {
        kind: 'outage',
        transactionId: first.id,
        from: new Date(Date.parse('2026-11-01T10:00:00.000Z')),
        to: new Date(Date.parse('2026-11-01T12:00:00.000Z')),
      },
    ],
  });
  return validatedRuns(plan);
}

test('ingesting every run twice changes nothing', (t) => {
  const runs = troubledFleetRuns();
  const store = openStore(t);
  assert.deepEqual(store.ingest(runs), { newRuns: runs.length, ignoredRuns: 0 });
  const once = store.listBaselines();
  assert.deepEqual(store.ingest(runs), { newRuns: 0, ignoredRuns: runs.length });
  assert.deepEqual(store.listBaselines(), once);
  assert.ok(
    once.some((series) => (series.allHours.availability ?? 1) < 1),
    'the outage shows in availability',
  );
});

test('a new file fed the same runs in another order rebuilds identical baselines; a reopened file keeps them', (t) => {
  const runs = troubledFleetRuns();
  const directory = temporaryDirectory(t);
  const original = new BaselineStore(join(directory, 'original.sqlite'), { windowDays: 7 });
  original.ingest(runs);
  const baselines = original.listBaselines();
  original.close();

  const random = seededRandom(99);
  const shuffled = [...runs];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j] as (typeof runs)[number], shuffled[i] as (typeof runs)[number]];
  }
  const rebuilt = new BaselineStore(join(directory, 'rebuilt.sqlite'), { windowDays: 7 });
  for (let i = 0; i < shuffled.length; i += 500) rebuilt.ingest(shuffled.slice(i, i + 500));
  assert.deepEqual(rebuilt.listBaselines(), baselines);
  rebuilt.close();

  const reopened = new BaselineStore(join(directory, 'original.sqlite'), { windowDays: 7 });
  assert.deepEqual(reopened.listBaselines(), baselines);
  reopened.close();
});

test('the window keeps the runs of the last windowDays before the series’ newest run, not before now', (t) => {
  const store = openStore(t, { windowDays: 28, learningMinSamples: 5 });
  // Forty daily runs in 2020: long before the wall clock's "now", so only run time can count.
  const day0 = Date.parse('2020-03-02T12:00:00.000Z');
  const daily = (day: number, prefix = '4') =>
    handRun(
      `00000000-0000-4000-8000-${prefix}000000000${String(day).padStart(2, '0')}`,
      new Date(day0 + day * dayMs),
      1000 + day,
    );
  store.ingest(Array.from({ length: 11 }, (_, day) => daily(day)));
  assert.equal(store.baselineFor(handSeries, 12).windowRuns, 11);

  store.ingest(Array.from({ length: 29 }, (_, i) => daily(i + 11)));
  // Newest run on day 39: days 11 … 39 remain (day 11 lies exactly 28 days before).
  const baseline = store.baselineFor(handSeries, 12);
  assert.equal(baseline.windowRuns, 29);
  // Type-7 quantile of 1011 … 1039: position 28 × 0.1 = 2.8 → 1013 + 0.8.
  assert.equal(baseline.duration?.p10, 1013.8);

  assert.deepEqual(
    store.ingest([daily(5, '5')]),
    { newRuns: 0, ignoredRuns: 1 },
    'a run older than the window',
  );
  assert.equal(store.baselineFor(handSeries, 12).windowRuns, 29);
});

const otherRobot = '00000000-0000-4000-8000-0000000000c3';

test('two robots sending the same result_id in one series are two runs of the band', (t) => {
  const store = openStore(t);
  const start = Date.parse('2026-11-02T10:00:00.000Z');
  const resultId = '00000000-0000-4000-8000-600000000001';
  const robotA = handRun(resultId, new Date(start), 1000, 'OK', handRobot);
  // Robot C reuses A's result_id with a failing run: it must neither hide A's run nor be hidden by it.
  const robotC = handRun(resultId, new Date(start + 60_000), 30_000, 'FAIL', otherRobot);
  assert.deepEqual(store.ingest([robotA]), { newRuns: 1, ignoredRuns: 0 });
  assert.deepEqual(store.ingest([robotC]), { newRuns: 1, ignoredRuns: 0 });
  const baseline = store.baselineFor(handSeries, 10);
  assert.equal(baseline.windowRuns, 2);
  assert.equal(baseline.durationSamples, 1);
  assert.equal(baseline.availability, 0.5);
  // Each robot's redelivery is still one run.
  assert.deepEqual(store.ingest([robotC, robotA]), { newRuns: 0, ignoredRuns: 2 });
  assert.equal(store.baselineFor(handSeries, 10).windowRuns, 2);
});

/** Rewrite a current state file the way the code before robot ids stored it (version 0). */
function downgradeToVersion0(file: string): void {
  const database = new DatabaseSync(file);
  database.exec(`
    BEGIN;
    CREATE TABLE samples_old (
      series_id INTEGER NOT NULL, result_id TEXT NOT NULL, at_ms INTEGER NOT NULL,
      hour_of_week INTEGER NOT NULL, duration_ms REAL, failed INTEGER NOT NULL,
      PRIMARY KEY (series_id, result_id)
    ) WITHOUT ROWID;
    INSERT INTO samples_old SELECT series_id, result_id, at_ms, hour_of_week, duration_ms, failed FROM samples;
    DROP TABLE samples;
    ALTER TABLE samples_old RENAME TO samples;
    CREATE INDEX samples_by_time ON samples (series_id, at_ms);
    PRAGMA user_version = 0;
    COMMIT;`);
  database.close();
}

test('a state file from before robot ids keeps its samples; a replay after the upgrade counts each run once', (t) => {
  const runs = troubledFleetRuns().slice(0, 3000);
  const directory = temporaryDirectory(t);
  const file = join(directory, 'old.sqlite');
  const original = new BaselineStore(file, { windowDays: 7 });
  original.ingest(runs);
  const baselines = original.listBaselines();
  original.close();
  downgradeToVersion0(file);

  const upgraded = new BaselineStore(file, { windowDays: 7 });
  t.after(() => upgraded.close());
  assert.deepEqual(upgraded.listBaselines(), baselines, 'the upgrade keeps every sample');
  const version = new DatabaseSync(file);
  assert.equal((version.prepare('PRAGMA user_version').get() as { user_version: number }).user_version, 1);
  version.close();

  // The replay a rebuild or a redelivery brings: the old samples are these runs, not new ones.
  assert.deepEqual(upgraded.ingest(runs), { newRuns: 0, ignoredRuns: runs.length });
  assert.deepEqual(upgraded.listBaselines(), baselines);

  // Another robot with a stored run's result_id but its own figures is a run of its own.
  const [first] = runs;
  assert.ok(first !== undefined);
  const impostor = {
    ...first,
    robot_id: otherRobot,
    finished_at: new Date(first.finished_at.getTime() + 1000),
  };
  assert.deepEqual(upgraded.ingest([impostor]), { newRuns: 1, ignoredRuns: 0 });
  const overall = seriesKey({ transactionId: first.transaction_id, stepIndex: null, location: null });
  const before = baselines.find((series) => series.series.key === overall);
  const after = upgraded.listBaselines([overall])[0];
  assert.equal(after?.windowRuns, (before?.windowRuns ?? 0) + 1);
});

test('a state file of a newer version is refused rather than misread', (t) => {
  const file = join(temporaryDirectory(t), 'future.sqlite');
  const database = new DatabaseSync(file);
  database.exec('PRAGMA user_version = 2');
  database.close();
  assert.throws(() => new BaselineStore(file), /version 2/);
});
