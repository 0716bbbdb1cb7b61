import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../../core/logging.ts';
import { createKeyUsageRecorder } from '../../../ingest-gateway/key-usage.ts';

const logger = createLogger({ component: 'test', level: 'error' });
const tick = () => new Promise((resolve) => setImmediate(resolve));

function setup(intervalMs: number, failFirst = false) {
  let now = 1_000_000;
  const published: Array<{ keyId: string; lastUsedAt: number }> = [];
  let failures = failFirst ? 1 : 0;
  const recorder = createKeyUsageRecorder({
    logger,
    intervalMs,
    now: () => now,
    async publish(keyId, lastUsedAt) {
      if (failures-- > 0) throw new Error('kafka away');
      published.push({ keyId, lastUsedAt });
    },
  });
  return { recorder, published, advance: (ms: number) => (now += ms), at: () => now };
}

test('the first use is published at once; uses inside the interval are folded into one later record', async () => {
  const { recorder, published, advance } = setup(40);
  recorder.record('k1');
  await tick();
  assert.deepEqual(published, [{ keyId: 'k1', lastUsedAt: 1_000_000 }]);
  advance(5);
  recorder.record('k1');
  advance(5);
  recorder.record('k1');
  await tick();
  assert.equal(published.length, 1, 'nothing more within the interval');
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.deepEqual(published, [
    { keyId: 'k1', lastUsedAt: 1_000_000 },
    { keyId: 'k1', lastUsedAt: 1_000_010 },
  ]);
});

test('keys are throttled separately', async () => {
  const { recorder, published } = setup(60_000);
  recorder.record('a');
  recorder.record('b');
  recorder.record('a');
  await tick();
  assert.deepEqual(
    published.map((p) => p.keyId),
    ['a', 'b'],
  );
  await recorder.flush();
});

test('flush publishes the uses not yet published, and only those', async () => {
  const { recorder, published, advance } = setup(60_000);
  recorder.record('a');
  recorder.record('b');
  await tick();
  advance(1000);
  recorder.record('a');
  await recorder.flush();
  assert.deepEqual(published, [
    { keyId: 'a', lastUsedAt: 1_000_000 },
    { keyId: 'b', lastUsedAt: 1_000_000 },
    { keyId: 'a', lastUsedAt: 1_001_000 },
  ]);
});

test('a failed publish is not lost: the final flush sends it', async () => {
  const { recorder, published } = setup(60_000, true);
  recorder.record('a');
  await tick();
  assert.deepEqual(published, []);
  await recorder.flush();
  assert.deepEqual(published, [{ keyId: 'a', lastUsedAt: 1_000_000 }]);
});
