// Performance: durations above the baseline's p90 in N of the last M judged runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectorOptions } from '../../../../workers/event-detector/detector-options.ts';
import type { ObservedRun } from '../../../../workers/event-detector/observed-run.ts';
import { feed, learningBaseline, readyBaseline, runAt, timeline } from './run-fixtures.ts';

// The rule's mechanics with a looser N than the default (5 of 5), to see each step.
const threeOfFive = { context: { options: detectorOptions({ performance: { open: 3 } }), maintenance: [] } };

function runsWithDurations(durations: number[], from = 0): ObservedRun[] {
  return durations.map((duration_ms, i) => runAt(from + i, { duration_ms }));
}

test('a slow regression above p90 in 3 of 5 runs opens a warning with the baseline it was judged against', () => {
  const { events } = feed(runsWithDurations([1000, 1600, 1000, 1700, 1600, 1600]), threeOfFive);
  assert.deepEqual(timeline(events), ['open performance warning']);
  const open = events.find((e) => e.location !== null);
  assert.equal(open?.result_id, 'run-4');
  assert.equal(open?.value, '1600 ms');
  assert.deepEqual(open?.baseline, readyBaseline);
  assert.match(open?.text ?? '', /p90 baseline \(1500 ms\) in 3 of its last 5 judged runs/);
});

test('runs above p90 × factor open a major problem', () => {
  const { events } = feed(runsWithDurations([2300, 2400, 2500]), threeOfFive);
  assert.deepEqual(timeline(events), ['open performance major']);
});

test('a warning escalates to major once enough runs exceed p90 × factor', () => {
  const { events } = feed(runsWithDurations([1600, 1600, 1600, 2400, 2400, 2400]), threeOfFive);
  assert.deepEqual(timeline(events), ['open performance warning', 'open performance major']);
});

test('the problem clears only when the last 5 judged runs are all within the band', () => {
  const { events } = feed(
    runsWithDurations([1600, 1600, 1600, 1000, 1000, 1000, 1000, 1600, 1000, 1000, 1000, 1000, 1000]),
    threeOfFive,
  );
  assert.deepEqual(timeline(events), ['open performance warning', 'clear performance normal']);
  const clear = events.filter((e) => e.location !== null)[1];
  assert.equal(clear?.result_id, 'run-12');
});

test('no performance judgement while the baseline is learning, however slow the runs', () => {
  const { events, state } = feed(runsWithDurations([9000, 9000, 9000, 9000, 9000]), {
    baseline: learningBaseline,
  });
  assert.deepEqual(timeline(events), []);
  const series = state.series['tx-checkout|DE/Bavaria/Munich'];
  assert.deepEqual(
    series?.recent.map((r) => r.performance),
    ['unjudged', 'unjudged', 'unjudged', 'unjudged', 'unjudged'],
  );
});

test('no performance judgement without a baseline, nor of FAIL runs (availability covers those)', () => {
  assert.deepEqual(timeline(feed(runsWithDurations([9000, 9000, 9000]), { baseline: null }).events), []);
  const failing = [0, 1, 2].map((i) => runAt(i, { status: 'FAIL', duration_ms: 9000 }));
  assert.deepEqual(timeline(feed(failing).events), ['open availability critical']);
});

test('by default a performance problem needs 5 of the last 5 judged runs above p90', () => {
  // One run in ten is above p90 by definition: 3 of 5 would open about once a day per series.
  assert.deepEqual(timeline(feed(runsWithDurations([1600, 1600, 1600, 1600, 1000, 1600])).events), []);
  assert.deepEqual(timeline(feed(runsWithDurations([1600, 1600, 1600, 1600, 1600])).events), [
    'open performance warning',
  ]);
});
