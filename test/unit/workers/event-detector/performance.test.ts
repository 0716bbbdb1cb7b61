// Performance: the sequential rule (a CUSUM of standardised log durations against the band, the
// default) and the count rule (above p90 in N of the last M judged runs), judged per series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BaselineBand, DetectedEvent } from '../../../../schemas/record-types.ts';
import { seededRandom } from '../../../../scripts/fleet/random.ts';
import {
  type DetectorOptionsOverrides,
  detectorOptions,
} from '../../../../workers/event-detector/detector-options.ts';
import {
  emptyDetectorState,
  parseDetectorState,
  type SeriesState,
  serialiseDetectorState,
} from '../../../../workers/event-detector/detector-state.ts';
import type { ObservedRun } from '../../../../workers/event-detector/observed-run.ts';
import { judgeRun } from '../../../../workers/event-detector/run-judgement.ts';
import { learningBaseline, readyBaseline, runAt, timeline } from './run-fixtures.ts';

/** A band of the simulated fleet's shape: log-normal, σ = 0.2 in log space, p50 1 s. */
const fleetBand: BaselineBand = {
  state: 'ready',
  p10_ms: 1000 * Math.exp(-0.2 * 1.2815515655446004),
  p50_ms: 1000,
  p90_ms: 1000 * Math.exp(0.2 * 1.2815515655446004),
  samples: 48,
};

/** Feeds runs to one series (`judgeRun`, as the detector does per location); every event and the state. */
function judge(
  runs: ObservedRun[],
  options: { baseline?: BaselineBand | null; rule?: DetectorOptionsOverrides; state?: SeriesState } = {},
): { state: SeriesState | undefined; events: DetectedEvent[] } {
  const context = { options: detectorOptions(options.rule), maintenance: [] };
  const baseline = options.baseline === undefined ? fleetBand : options.baseline;
  let state = options.state;
  const events: DetectedEvent[] = [];
  for (const run of runs) {
    const judged = judgeRun(state, run, run.location, baseline, context);
    state = judged.state;
    events.push(...judged.events);
  }
  return { state, events };
}

function runsWithDurations(durations: number[], from = 0): ObservedRun[] {
  return durations.map((duration_ms, i) => runAt(from + i, { duration_ms }));
}

const repeat = (duration: number, times: number) => new Array<number>(times).fill(duration);

/** Index (0-based) of the run whose judgement emitted the event. */
const runIndexOf = (event: DetectedEvent | undefined) => Number(event?.result_id?.slice('run-'.length));

test('sequential: a × 1.5 step opens within a few runs, as major, with the band it was judged against', () => {
  const { events } = judge(runsWithDurations([...repeat(1000, 30), ...repeat(1500, 20)]));
  assert.deepEqual(timeline(events), ['open performance major']);
  const open = events[0];
  // Each run at × 1.5 adds ln 1.5 / 0.2 − 0.5 ≈ 1.5 to the evidence: the threshold 9.5 at the 7th.
  assert.equal(runIndexOf(open) - 30 + 1, 7);
  assert.deepEqual(open?.baseline, fleetBand);
  assert.equal(open?.value, '1.5 s (1.50× usual)');
  assert.equal(
    open?.text,
    'Checkout at DE/Bavaria/Munich took 1.50× its usual time over the last 7 runs (p50 1.0 s, latest 1.5 s)',
  );
});

test('sequential: a × 1.25 step opens as a warning, later than a larger one', () => {
  const { events } = judge(runsWithDurations([...repeat(1000, 30), ...repeat(1250, 40)]));
  assert.deepEqual(timeline(events), ['open performance warning']);
  // ln 1.25 / 0.2 − 0.5 ≈ 0.62 a run: 16 runs to reach 9.5.
  assert.equal(runIndexOf(events[0]) - 30 + 1, 16);
});

test('sequential: a flat series at its band does not open over 20,000 runs of a seeded generator', () => {
  const random = seededRandom(7);
  const durations = Array.from({ length: 20_000 }, () => 1000 * Math.exp(0.2 * random.normal()));
  const { events, state } = judge(runsWithDurations(durations));
  assert.deepEqual(timeline(events), []);
  assert.ok((state?.performance_cusum?.value ?? 0) < 9.5);
  // The same series × 1.5 from run 10,000 on opens within a few runs.
  const slowed = durations.map((d, i) => (i >= 10_000 ? d * 1.5 : d));
  const opened = judge(runsWithDurations(slowed)).events;
  assert.equal(opened[0]?.action, 'open');
  assert.ok(runIndexOf(opened[0]) - 10_000 < 12, `opened at run ${runIndexOf(opened[0]) - 10_000 + 1}`);
});

test('sequential: one very slow run alone never opens (a run counts at most 4 σ)', () => {
  const { events } = judge(runsWithDurations([...repeat(1000, 10), 100_000, 60_000, ...repeat(1000, 10)]));
  assert.deepEqual(timeline(events), []);
});

test('sequential: the problem clears once runs back at the usual time have used up the evidence', () => {
  const { events } = judge(
    runsWithDurations([...repeat(1000, 10), ...repeat(2000, 10), ...repeat(1000, 30)]),
  );
  assert.deepEqual(timeline(events), ['open performance major', 'clear performance normal']);
  const clear = events[1];
  // Held at h = 9.5 while open, it drains by k = 0.5 a run at the p50: 19 runs after the last slow one.
  assert.equal(runIndexOf(clear) - 20 + 1, 19);
  assert.match(
    clear?.text ?? '',
    /is back to its usual time: 1\.00× over the last 5 runs \(p50 1\.0 s, latest 1\.0 s\)/,
  );
});

test('sequential: a warning escalates to major when the runs get slower', () => {
  const { events } = judge(
    runsWithDurations([...repeat(1000, 10), ...repeat(1300, 20), ...repeat(2000, 20)]),
  );
  assert.deepEqual(timeline(events), ['open performance warning', 'open performance major']);
});

test('no performance judgement while the baseline is learning, however slow the runs', () => {
  const { events, state } = judge(runsWithDurations(repeat(9000, 30)), { baseline: learningBaseline });
  assert.deepEqual(timeline(events), []);
  assert.deepEqual(new Set(state?.recent.map((r) => r.performance)), new Set(['unjudged']));
  assert.equal(
    state?.recent.some((r) => r.log_ratio !== undefined),
    false,
  );
  assert.equal(state?.performance_cusum, undefined);
});

test('no performance judgement without a baseline, nor of FAIL runs (availability covers those)', () => {
  assert.deepEqual(timeline(judge(runsWithDurations(repeat(9000, 30)), { baseline: null }).events), []);
  const failing = [0, 1, 2].map((i) => runAt(i, { status: 'FAIL', duration_ms: 9000 }));
  assert.deepEqual(timeline(judge(failing).events), ['open availability critical']);
});

test('state saved before the sequential rule loads: an open problem drains, a quiet series starts at 0', () => {
  // Opened by the count rule; then saved as before (no evidence, no per-run ratios).
  const opened = judge(runsWithDurations(repeat(2000, 5)), { rule: { performance: { method: 'count' } } });
  assert.deepEqual(timeline(opened.events), ['open performance major']);
  const old = structuredClone(opened.state) as SeriesState;
  delete old.performance_cusum;
  for (const run of old.recent) delete run.log_ratio;
  const saved = { ...emptyDetectorState(), series: { 'tx-checkout|DE/Bavaria/Munich': old } };
  const loaded = parseDetectorState(serialiseDetectorState(saved)).series['tx-checkout|DE/Bavaria/Munich'];
  assert.ok(loaded !== undefined);

  const back = judge(runsWithDurations(repeat(1000, 30), 5), { state: loaded });
  assert.deepEqual(timeline(back.events), ['clear performance normal']);
  assert.equal(runIndexOf(back.events[0]), 5 + 18, 'not cleared at once: from h, 19 runs at the p50');

  const quiet = structuredClone(back.state) as SeriesState;
  delete quiet.performance_cusum;
  const again = judge(runsWithDurations(repeat(1500, 10), 40), { state: quiet });
  assert.equal(runIndexOf(again.events[0]), 40 + 6, 'a quiet series opens as if new');
});

// The count rule (method: count), the rule before. Its mechanics with a looser N than 5 of 5.
const count = (open = 5) => ({
  baseline: readyBaseline,
  rule: { performance: { method: 'count' as const, open } },
});

test('count: above p90 in 3 of 5 runs opens a warning with the baseline it was judged against', () => {
  const { events } = judge(runsWithDurations([1000, 1600, 1000, 1700, 1600, 1600]), count(3));
  assert.deepEqual(timeline(events), ['open performance warning']);
  assert.equal(events[0]?.result_id, 'run-4');
  assert.equal(events[0]?.value, '1600 ms');
  assert.deepEqual(events[0]?.baseline, readyBaseline);
  assert.match(events[0]?.text ?? '', /p90 baseline \(1500 ms\) in 3 of its last 5 judged runs/);
});

test('count: runs above p90 × factor open a major problem, and a warning escalates', () => {
  assert.deepEqual(timeline(judge(runsWithDurations([2300, 2400, 2500]), count(3)).events), [
    'open performance major',
  ]);
  assert.deepEqual(
    timeline(judge(runsWithDurations([1600, 1600, 1600, 2400, 2400, 2400]), count(3)).events),
    ['open performance warning', 'open performance major'],
  );
});

test('count: the problem clears only when the last 5 judged runs are all within the band', () => {
  const { events } = judge(
    runsWithDurations([1600, 1600, 1600, 1000, 1000, 1000, 1000, 1600, 1000, 1000, 1000, 1000, 1000]),
    count(3),
  );
  assert.deepEqual(timeline(events), ['open performance warning', 'clear performance normal']);
  assert.equal(events[1]?.result_id, 'run-12');
});

test('count: by default 5 of the last 5 judged runs above p90', () => {
  assert.deepEqual(
    timeline(judge(runsWithDurations([1600, 1600, 1600, 1600, 1000, 1600]), count()).events),
    [],
  );
  assert.deepEqual(timeline(judge(runsWithDurations([1600, 1600, 1600, 1600, 1600]), count()).events), [
    'open performance warning',
  ]);
});
