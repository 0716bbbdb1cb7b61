// Availability: FAIL in N of the last M runs opens a critical problem; K clean runs in a row clear it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectorOptions } from '../../../../workers/event-detector/detector-options.ts';
import { contextWith, feed, runsWithStatuses, timeline } from './run-fixtures.ts';

test('an outage opens one critical availability problem at the third failure and clears after three clean runs', () => {
  const { events } = feed(runsWithStatuses('O O F F F F F F O O O O'));
  assert.deepEqual(timeline(events), ['open availability critical', 'clear availability normal']);
  const [open, clear] = events;
  assert.equal(open?.result_id, 'run-4');
  assert.equal(open?.robot_id, 'robot-munich');
  assert.equal(open?.value, '1/1 locations');
  assert.deepEqual(
    [open?.location, open?.locations, open?.locations_total],
    [null, ['DE/Bavaria/Munich'], 1],
  );
  assert.match(
    open?.text ?? '',
    /^Checkout: failing at Munich — 1 of 1 location \(Checkout at DE\/Bavaria\/Munich failed 3 of its last 5 runs\)$/,
  );
  assert.equal(clear?.result_id, 'run-10');
  assert.equal(clear?.suppressed, false);
});

test('a flapping transaction (FAIL, OK, FAIL, OK …) opens once and does not clear on every OK', () => {
  const { events } = feed(runsWithStatuses('F O F O F O F O F O F O F O F O F O F O'));
  assert.deepEqual(timeline(events), ['open availability critical']);
});

test('occasional failures below N of M never open a problem', () => {
  const { events } = feed(runsWithStatuses('F O O F O O F O O F O O F O O'));
  assert.deepEqual(timeline(events), []);
});

test('a flapping transaction that recovers clears once after K clean runs in a row', () => {
  const { events } = feed(runsWithStatuses('F O F O F O F O O O O O'));
  assert.deepEqual(timeline(events), ['open availability critical', 'clear availability normal']);
});

test('the thresholds are configurable: 1 of 1 opens at once, 1 clean run clears', () => {
  const context = {
    ...contextWith(),
    options: detectorOptions({ availability: { open: 1, window: 1, clearAfter: 1 } }),
  };
  const { events } = feed(runsWithStatuses('F O F'), { context });
  assert.deepEqual(timeline(events), [
    'open availability critical',
    'clear availability normal',
    'open availability critical',
  ]);
});

test('thresholds that make no sense are refused naming the threshold', () => {
  assert.throws(() => detectorOptions({ availability: { open: 6, window: 5 } }), /availability\.open/);
  assert.throws(() => detectorOptions({ performance: { majorFactor: 1 } }), /performance\.majorFactor/);
});
