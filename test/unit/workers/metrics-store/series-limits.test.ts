import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type SeriesAdjustment,
  seriesLimits,
  shortened,
  withinSeriesLimits,
} from '../../../../workers/metrics-store/series-limits.ts';

const now = Date.UTC(2026, 10, 23);

function fitted(labels: Record<string, string>, timestampMs = now, name = 'm') {
  const counted: Partial<Record<SeriesAdjustment, number>> = {};
  const sample = withinSeriesLimits(
    { name, labels, value: 1, timestampMs },
    (reason, count = 1) => {
      counted[reason] = (counted[reason] ?? 0) + count;
    },
    now,
  );
  return { sample, counted };
}

test('a sample within every limit is written as it is and nothing is counted', () => {
  const labels = { job: 'a', le: '1' };
  const { sample, counted } = fitted(labels);
  assert.deepEqual(sample?.labels, labels);
  assert.deepEqual(counted, {});
});

test('a label value over 4 KiB is shortened to a prefix and a hash: distinct values stay distinct', () => {
  const long = (tail: string) => `${'é'.repeat(3000)}${tail}`;
  const first = fitted({ robot: long('a') });
  const second = fitted({ robot: long('b') });
  const value = first.sample?.labels.robot ?? '';
  assert.ok(Buffer.byteLength(value) <= seriesLimits.maxLabelValueBytes);
  assert.ok(value.startsWith('éé'));
  assert.notEqual(value, second.sample?.labels.robot);
  assert.equal(fitted({ robot: long('a') }).sample?.labels.robot, value, 'the same on every replay');
  assert.deepEqual(first.counted, { label_value_shortened: 1 });
});

test('a label name over 256 bytes and a metric name over 4 KiB are shortened, keeping valid characters', () => {
  const { sample, counted } = fitted({ [`a${'x'.repeat(300)}`]: 'v' }, now, `n${'y'.repeat(5000)}`);
  const [label] = Object.keys(sample?.labels ?? {});
  assert.ok((label?.length ?? 0) <= seriesLimits.maxLabelNameBytes);
  assert.match(label ?? '', /^[a-zA-Z_][a-zA-Z0-9_]*$/);
  assert.match(sample?.name ?? '', /^[a-zA-Z_][a-zA-Z0-9_]*$/);
  assert.ok((sample?.name.length ?? 0) <= seriesLimits.maxLabelValueBytes);
  assert.deepEqual(counted, { label_name_shortened: 1, name_shortened: 1 });
});

test('a time before 1970 or more than two days ahead is left out and counted', () => {
  assert.equal(fitted({}, -1).sample, null);
  assert.equal(fitted({}, Number.NaN).sample, null);
  assert.equal(fitted({}, now + 3 * 24 * 3600 * 1000).sample, null);
  assert.deepEqual(fitted({}, -1).counted, { time_out_of_range_dropped: 1 });
  assert.notEqual(fitted({}, 0).sample, null);
  assert.notEqual(fitted({}, now + 3600 * 1000).sample, null);
});

test('shortening cuts at a character boundary', () => {
  const text = shortened('€'.repeat(100), 50);
  assert.ok(Buffer.byteLength(text) <= 50);
  assert.doesNotMatch(text, /\uFFFD/);
});

test('a NaN value, which VictoriaMetrics does not store, is left out and counted; ±Inf is kept', () => {
  const counted: string[] = [];
  const sample = (value: number) =>
    withinSeriesLimits(
      { name: 'm', labels: {}, value, timestampMs: now },
      (reason) => counted.push(reason),
      now,
    );
  assert.equal(sample(Number.NaN), null);
  assert.equal(sample(Number.POSITIVE_INFINITY)?.value, Number.POSITIVE_INFINITY);
  assert.deepEqual(counted, ['nan_value_dropped']);
});

test('points that differ only in labels left out stay two series: a hash of what was left out', () => {
  const wide = (last: string) =>
    Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`a${String(i).padStart(2, '0')}`, i === 49 ? last : 'v']),
    );
  const one = fitted(wide('x'));
  const other = fitted(wide('y'));
  assert.equal(Object.keys(one.sample?.labels ?? {}).length, seriesLimits.maxLabels - 1);
  assert.equal(one.sample?.labels.a49, undefined, 'a49 was left out');
  assert.notEqual(one.sample?.labels.dropped_labels_sha256, other.sample?.labels.dropped_labels_sha256);
  assert.deepEqual(fitted(wide('x')).sample, one.sample, 'the same on every replay');
  assert.equal(one.counted.label_over_limit_dropped, 50 - (seriesLimits.maxLabels - 2));
});
