import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgress, formatDuration, formatEta, rateMeter } from '../../../core/progress.ts';

const sink = (isTTY: boolean) => {
  const written: string[] = [];
  return { written, stream: { isTTY, columns: 40, write: (text: string) => written.push(text) > 0 } };
};

test('on a terminal the live line is redrawn in place, at most every interval, and cleared at the end', () => {
  const live = sink(true);
  const out = sink(false);
  let clock = 0;
  const progress = createProgress({ live: live.stream, out: out.stream, now: () => clock });
  progress.update('10 left');
  clock = 100;
  progress.update('9 left'); // within 250 ms: skipped
  clock = 300;
  progress.update('8 left');
  progress.done('replayed 10 records');
  assert.deepEqual(live.written, ['\r10 left\x1b[K', '\r8 left\x1b[K', '\r\x1b[K']);
  assert.deepEqual(out.written, ['replayed 10 records\n']);
});

test('a terminal of unknown width (0 columns) does not cut the live line to nothing', () => {
  const written: string[] = [];
  const live = { isTTY: true, columns: 0, write: (text: string) => written.push(text) > 0 };
  createProgress({ live, out: sink(false).stream }).update('fleet upload: sent 1200/6048 (19 %)');
  assert.deepEqual(written, ['\rfleet upload: sent 1200/6048 (19 %)\x1b[K']);
});

test('when the output is not a terminal only the summary line is written', () => {
  const live = sink(false);
  const out = sink(false);
  const progress = createProgress({ live: live.stream, out: out.stream });
  progress.update('10 left');
  progress.done('replayed 10 records');
  assert.deepEqual(live.written, []);
  assert.deepEqual(out.written, ['replayed 10 records\n']);
});

test('durations, rates over a window and ETAs read as a person would say them', () => {
  assert.equal(formatDuration(4_400), '4 s');
  assert.equal(formatDuration(125_000), '2 min 5 s');
  assert.equal(formatDuration(3_840_000), '1 h 4 min');
  let clock = 0;
  const meter = rateMeter(5_000, () => clock);
  assert.equal(meter.sample(0), 0);
  clock = 1_000;
  assert.equal(meter.sample(500), 500);
  clock = 2_000;
  assert.equal(meter.sample(1_500), 750);
  assert.equal(formatEta(1_500, 750), 'ETA 2 s');
  assert.equal(formatEta(10, 0), 'ETA —');
  assert.equal(formatEta(0, 0), 'ETA 0 s');
});
