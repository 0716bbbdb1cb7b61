// WARNING runs as their own event; duplicates and older runs change nothing; the state survives JSON.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type DetectorState,
  parseDetectorState,
  serialiseDetectorState,
} from '../../../../workers/event-detector/detector-state.ts';
import { judgeRun } from '../../../../workers/event-detector/run-judgement.ts';
import { contextWith, feed, readyBaseline, runAt, runsWithStatuses, timeline } from './run-fixtures.ts';

test('WARNING runs open a degraded warning of their own, and three OK runs clear it', () => {
  const { events } = feed(runsWithStatuses('O W W W O O O'));
  assert.deepEqual(timeline(events), ['open degraded warning', 'clear degraded normal']);
  assert.match(
    events[0]?.text ?? '',
    /^Checkout: degraded at Munich — 1 of 1 location \(.*3 of its last 5 runs\)$/,
  );
});

test('the same run delivered twice produces no second event', () => {
  const runs = runsWithStatuses('F F F');
  const once = feed(runs);
  const twice = feed([...runs, runs[2], runs[1]].filter((r) => r !== undefined));
  assert.deepEqual(twice.events, once.events);
  assert.deepEqual(twice.state, once.state);
});

test('a replay of older runs after recovery does not re-open the problem', () => {
  const history = runsWithStatuses('F F F O O O');
  const live = feed(history);
  assert.deepEqual(timeline(live.events), ['open availability critical', 'clear availability normal']);
  const replayed = feed(
    history.map((run) => ({ ...run, result_id: `${run.result_id}-copy` })),
    { state: live.state },
  );
  assert.deepEqual(replayed.events, []);
});

test('event ids are deterministic: judging the same history again gives the same ids', () => {
  const first = feed(runsWithStatuses('F F F O O O'));
  const again = feed(runsWithStatuses('F F F O O O'));
  assert.deepEqual(
    first.events.map((e) => e.event_id),
    again.events.map((e) => e.event_id),
  );
  assert.equal(new Set(first.events.map((e) => e.event_id)).size, first.events.length);
});

test('the state survives a JSON round trip, and a restart from it continues where it stopped', () => {
  const runs = runsWithStatuses('F F F F O O O');
  const uninterrupted = feed(runs);
  const beforeRestart = feed(runs.slice(0, 4));
  const restored = parseDetectorState(serialiseDetectorState(beforeRestart.state));
  assert.deepEqual(restored, beforeRestart.state);
  const afterRestart = feed(runs.slice(4), { state: restored });
  assert.deepEqual([...beforeRestart.events, ...afterRestart.events], uninterrupted.events);
  assert.deepEqual(afterRestart.state, uninterrupted.state);
});

test('a stored state of another shape is refused rather than taken as an empty memory', () => {
  assert.throws(() => parseDetectorState('{"version":3,"series":{}}'), /unknown version 3/);
  assert.throws(() => parseDetectorState('{"version":2,"series":{}}'), /transactions must be an object/);
  assert.throws(
    () => parseDetectorState('{"version":1,"series":{"x":{"recent":[]}}}'),
    /series x is malformed/,
  );
});

test('runs without a location have a series of their own', () => {
  const { events } = feed([0, 1, 2].map((i) => runAt(i, { status: 'FAIL', location: null })));
  assert.deepEqual(
    events.map((e) => `${e.location} ${e.action} ${e.kind}`),
    ['null open availability'],
  );
});

test('runs of several locations reported out of finish order: one location failing is one problem', () => {
  // Per slot: Munich reports first but finished 30 s after the slot; Berlin finished at 10 s.
  const munich = 'FFOF';
  const runs = [...munich].flatMap((status, slot) => [
    runAt(slot * 5 + 0.5, { result_id: `munich-${slot}`, status: status === 'F' ? 'FAIL' : 'OK' }),
    runAt(slot * 5 + 10 / 60, { result_id: `berlin-${slot}`, location: 'DE/Berlin/Berlin' }),
  ]);
  const { events, state } = feed(runs);
  // Munich alone failed 3 of its 4 runs: the transaction's one problem names Munich, 1 of 2 locations.
  assert.deepEqual(
    events.map(
      (e) => `${e.location ?? 'transaction'} ${e.action} ${e.kind} ${e.severity} ${e.locations.join()}`,
    ),
    ['transaction open availability major DE/Bavaria/Munich'],
  );
  assert.deepEqual(state.transactions['tx-checkout']?.locations, ['DE/Bavaria/Munich', 'DE/Berlin/Berlin']);
});

test('another robot’s failing run with an already judged result_id is judged, and alerts', () => {
  const [first, second] = runsWithStatuses('F F');
  assert.ok(first !== undefined && second !== undefined);
  // Robot C reuses the result_id robot A just sent: it is a run of its own, the third FAIL of five.
  const impostor = runAt(2, { status: 'FAIL', robot_id: 'robot-frankfurt', result_id: second.result_id });
  const { state, events } = feed([first, second, impostor]);
  assert.deepEqual(timeline(events), ['open availability critical']);
  assert.match(events[0]?.text ?? '', /failed 3 of its last 5 runs/);
  // Each robot's redelivery is still a duplicate.
  const again = feed([impostor, second], { state });
  assert.deepEqual(again.events, []);
  assert.deepEqual(again.state, state);
});

/** The state as saved before runs were told apart by robot: no robot_id anywhere. */
function withoutRobots(state: DetectorState): DetectorState {
  const legacy = JSON.parse(serialiseDetectorState(state), (key, value) =>
    key === 'robot_id' || key === 'last_robot_id' ? undefined : value,
  );
  return parseDetectorState(JSON.stringify(legacy));
}

test('state saved before robot ids: a redelivered run is still a duplicate, another robot’s run with its id is judged', () => {
  const runs = runsWithStatuses('F F');
  const legacy = withoutRobots(feed(runs).state);
  assert.ok(
    Object.values(legacy.series).every((series) => series.recent.every((r) => r.robot_id === undefined)),
  );
  const [, second] = runs;
  assert.ok(second !== undefined);
  const key = Object.keys(legacy.series).find((k) => legacy.series[k]?.location !== null);
  assert.ok(key !== undefined);
  const redelivered = judgeRun(legacy.series[key], second, second.location, readyBaseline, contextWith());
  assert.equal(redelivered.ignored, 'duplicate');

  const impostor = runAt(2, { status: 'FAIL', robot_id: 'robot-frankfurt', result_id: second.result_id });
  const judged = feed([impostor], { state: legacy });
  assert.deepEqual(timeline(judged.events), ['open availability critical']);
});
