// How `primoart test` orders and places the test files (scripts/test-schedule.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testFiles } from '../../../scripts/test-command.ts';
import {
  checkPlacements,
  conflicts,
  isAlone,
  nextFile,
  placements,
  slowFirst,
} from '../../../scripts/test-schedule.ts';

test('every test file runs once; the slow ones start first and the alone ones last', () => {
  const files = testFiles(true);
  assert.equal(new Set(files).size, files.length);
  assert.ok(files.some((file) => file.startsWith('test/unit/')));
  assert.ok(files.some((file) => file.startsWith('test/integration/')));
  assert.deepEqual(
    files.slice(0, slowFirst.filter((file) => !isAlone(file)).length),
    slowFirst.filter((file) => !isAlone(file)),
  );
  const firstAlone = files.findIndex(isAlone);
  assert.ok(firstAlone > 0);
  assert.ok(files.slice(firstAlone).every(isAlone), 'nothing runs after the alone files');
  assert.deepEqual(checkPlacements(files), []);
});

test('with --unit-only there are unit tests only', () => {
  const files = testFiles(false);
  assert.ok(files.length > 0);
  assert.ok(files.every((file) => file.startsWith('test/unit/') && file.endsWith('.test.ts')));
});

test('a placement naming a file that is gone is an error, not a silent no-op', () => {
  const files = testFiles(true).filter((file) => file !== 'test/integration/kafka-outage.test.ts');
  assert.deepEqual(checkPlacements(files), [
    'placements names no such file: test/integration/kafka-outage.test.ts',
  ]);
});

/** Play a whole run with made-up durations; check every moment against the placements. */
function simulate(files: string[], concurrency: number, seconds: (file: string) => number) {
  const waiting = [...files];
  const running = new Map<string, number>();
  let now = 0;
  const started: string[] = [];
  while (waiting.length > 0 || running.size > 0) {
    for (let file = nextFile(waiting, [...running.keys()], concurrency); file !== undefined; ) {
      waiting.splice(waiting.indexOf(file), 1);
      running.set(file, now + seconds(file));
      started.push(file);
      const others = [...running.keys()].filter((other) => other !== file);
      assert.ok(running.size <= concurrency);
      if (isAlone(file)) assert.deepEqual(others, [], `${file} runs alone`);
      for (const other of others) {
        assert.ok(!isAlone(other), `${file} started beside ${other}, which runs alone`);
        assert.ok(!conflicts(file, other), `${file} started beside ${other}`);
      }
      file = nextFile(waiting, [...running.keys()], concurrency);
    }
    assert.ok(running.size > 0, `nothing can start, yet ${waiting.join(', ')} wait`);
    const [first] = [...running.entries()].sort((a, b) => a[1] - b[1]);
    if (first === undefined) break;
    now = first[1];
    running.delete(first[0]);
  }
  return { started, seconds: now };
}

test('the scheduler keeps every placement and runs every file, whatever the durations', () => {
  const files = testFiles(true);
  for (const concurrency of [1, 2, 3, 8]) {
    for (const seed of [1, 2, 3]) {
      const { started } = simulate(files, concurrency, (file) => ((file.length * 7919 * seed) % 97) + 1);
      assert.deepEqual([...started].sort(), [...files].sort());
    }
  }
});

test('a file kept apart waits while its opposite runs, and others go ahead of it', () => {
  const [apart] = Object.entries(placements).filter(([, placement]) => 'apartFrom' in placement);
  assert.ok(apart !== undefined);
  const [file, placement] = apart;
  assert.ok('apartFrom' in placement);
  const opposite = placement.apartFrom[0] ?? '';
  const bystander = 'test/unit/core/config.test.ts';
  assert.equal(nextFile([file, bystander], [opposite], 3), bystander);
  assert.equal(nextFile([file], [opposite], 3), undefined);
  assert.equal(nextFile([opposite], [file], 3), undefined);
  assert.equal(nextFile([file], [bystander], 3), file);
});

test('the fleet test runs beside unit tests only', () => {
  const fleet = 'test/integration/alerting.test.ts';
  const unit = 'test/unit/core/config.test.ts';
  const integration = 'test/integration/otlp.test.ts';
  assert.equal(nextFile([integration, unit], [fleet], 3), unit);
  assert.equal(nextFile([fleet], [integration], 3), undefined);
  assert.equal(nextFile([fleet], [unit], 3), fleet);
});
