// `primoart lag --watch` as its reader sees it: a row per group and topic, how fast the lag moves,
// when it will be gone, on a terminal and in a log.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PartitionLag } from '../../../topics/admin.ts';
import {
  lagRates,
  plainHeader,
  plainLines,
  redraw,
  screenLines,
  sumByGroupAndTopic,
} from '../../../topics/lag-view.ts';

const partition = (group: string, topic: string, p: number, lag: number): PartitionLag => ({
  group,
  topic,
  partition: p,
  committed: '0',
  end: String(lag),
  lag,
});

test('partitions add up to one row per group and topic, ordered by group then topic', () => {
  const rows = sumByGroupAndTopic([
    partition('primoart.synth-store', 'primoart.synth.results.v1', 0, 100),
    partition('primoart.baseline', 'primoart.synth.results.v1', 0, 7),
    partition('primoart.synth-store', 'primoart.synth.results.v1', 1, 250),
    partition('primoart.synth-store', 'primoart.otel.spans.v1', 0, 3),
  ]);
  assert.deepEqual(rows, [
    { group: 'primoart.baseline', topic: 'primoart.synth.results.v1', lag: 7 },
    { group: 'primoart.synth-store', topic: 'primoart.otel.spans.v1', lag: 3 },
    { group: 'primoart.synth-store', topic: 'primoart.synth.results.v1', lag: 350 },
  ]);
});

test('the rate follows the lag from sample to sample; a falling lag has an ETA, a growing one none', () => {
  let clock = 0;
  const rates = lagRates(5_000, () => clock);
  const draining = { group: 'g', topic: 't', lag: 10_000 };
  const growing = { group: 'h', topic: 't', lag: 0 };
  const [first] = rates.sample([draining, growing]);
  assert.equal(first?.ratePerSecond, undefined, 'no rate from a single sample');
  assert.equal(first?.etaMs, undefined);
  clock = 1_000;
  const [down, up] = rates.sample([
    { ...draining, lag: 8_000 },
    { ...growing, lag: 50 },
  ]);
  assert.equal(down?.ratePerSecond, -2_000);
  assert.equal(down?.etaMs, 4_000);
  assert.equal(up?.ratePerSecond, 50);
  assert.equal(up?.etaMs, undefined);
});

test('the rate is over the last 5 s: an old burst no longer counts', () => {
  let clock = 0;
  const rates = lagRates(5_000, () => clock);
  const row = (lag: number) => [{ group: 'g', topic: 't', lag }];
  rates.sample(row(100_000));
  for (let s = 1; s <= 10; s++) {
    clock = s * 1_000;
    // A drop of 90,000 in the first second, then 10 a second.
    rates.sample(row(s === 1 ? 10_000 : 10_000 - (s - 1) * 10));
  }
  clock = 11_000;
  const [now] = rates.sample(row(9_900));
  assert.equal(now?.ratePerSecond, -10);
});

test('a group that left the view and comes back starts without a rate', () => {
  let clock = 0;
  const rates = lagRates(5_000, () => clock);
  rates.sample([{ group: 'g', topic: 't', lag: 5 }]);
  clock = 1_000;
  rates.sample([]);
  clock = 2_000;
  const [back] = rates.sample([{ group: 'g', topic: 't', lag: 500 }]);
  assert.equal(back?.ratePerSecond, undefined);
});

test('on a terminal: a title, then an aligned table with rate and ETA, redrawn over the last one', () => {
  const lines = screenLines(
    [
      {
        group: 'primoart.synth-store',
        topic: 'primoart.synth.results.v1',
        lag: 12_400,
        ratePerSecond: -2_100,
        etaMs: 5_905,
      },
      {
        group: 'primoart.baseline',
        topic: 'primoart.synth.results.v1',
        lag: 3,
        ratePerSecond: 0.4,
        etaMs: undefined,
      },
      {
        group: 'primoart.new',
        topic: 'primoart.otel.spans.v1',
        lag: 0,
        ratePerSecond: undefined,
        etaMs: undefined,
      },
    ],
    { at: Date.parse('2025-03-01T12:00:03.250Z'), intervalMs: 1_000 },
  );
  assert.deepEqual(lines, [
    'every 1 s: primoart lag    12:00:03 UTC    (Ctrl-C to stop)',
    '',
    'GROUP                 TOPIC                         LAG      RATE  ETA',
    'primoart.synth-store  primoart.synth.results.v1  12,400  -2,100/s  6 s',
    'primoart.baseline     primoart.synth.results.v1       3    +0.4/s',
    'primoart.new          primoart.otel.spans.v1          0         —',
  ]);
  assert.equal(redraw(['a', 'bb']), '\x1b[Ha\x1b[K\nbb\x1b[K\n\x1b[J');
});

test('on a terminal the screen fits the window, and a failed read says why', () => {
  const rows = Array.from({ length: 30 }, (_, i) => ({
    group: `group-${String(i).padStart(2, '0')}`,
    topic: 'primoart.synth.results.v1',
    lag: i,
    ratePerSecond: undefined,
    etaMs: undefined,
  }));
  const lines = screenLines(rows, { at: 0, intervalMs: 2_000, size: { columns: 20, rows: 10 } });
  assert.equal(lines.length, 9, 'the last terminal row stays empty');
  assert.ok(lines.every((line) => line.length <= 20));
  assert.equal(
    screenLines(rows, { at: 0, intervalMs: 1_000, size: { columns: 0, rows: 0 } }).length,
    2 + 31,
    'a terminal of unknown size (0 × 0) gets every line whole',
  );
  assert.deepEqual(screenLines(rows, { at: 0, intervalMs: 1_000, error: 'Connection timeout' }).slice(2), [
    'could not read the lag: Connection timeout',
  ]);
  assert.match(screenLines([], { at: 0, intervalMs: 500 })[0] ?? '', /^every 0\.5 s: /);
  assert.deepEqual(screenLines([], { at: 0, intervalMs: 1_000 }).slice(2), [
    'no group has committed offsets on a topic of the catalog',
  ]);
});

test('into a file or a pipe: timestamped tab-separated lines, no escapes, the rate a plain number', () => {
  assert.equal(plainHeader, 'TIME\tGROUP\tTOPIC\tLAG\tRATE');
  const lines = plainLines(
    [
      { group: 'g', topic: 't', lag: 12_400, ratePerSecond: -2_100.26, etaMs: 5_904 },
      { group: 'h', topic: 't', lag: 3, ratePerSecond: undefined, etaMs: undefined },
    ],
    Date.parse('2025-03-01T12:00:03.250Z'),
  );
  assert.deepEqual(lines, ['2025-03-01T12:00:03Z\tg\tt\t12400\t-2100.3', '2025-03-01T12:00:03Z\th\tt\t3\t']);
});
