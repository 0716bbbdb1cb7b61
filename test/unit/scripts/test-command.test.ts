// How `primoart test` splits the test files into the side-by-side phase and the serial one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serialIntegrationTests, testPhases } from '../../../scripts/test-command.ts';

test('every test file runs once: the serial ones alone, every other one side by side', () => {
  const { concurrent, serial } = testPhases(true);
  assert.deepEqual(serial, serialIntegrationTests);
  for (const file of serial) assert.ok(!concurrent.includes(file), `${file} runs in both phases`);
  assert.ok(concurrent.some((file) => file.startsWith('test/unit/')));
  assert.ok(concurrent.some((file) => file.startsWith('test/integration/')));
  assert.equal(new Set([...concurrent, ...serial]).size, concurrent.length + serial.length);
});

test('with --unit-only there are unit tests only, and no serial phase', () => {
  const { concurrent, serial } = testPhases(false);
  assert.deepEqual(serial, []);
  assert.ok(concurrent.length > 0);
  assert.ok(concurrent.every((file) => file.startsWith('test/unit/') && file.endsWith('.test.ts')));
});
