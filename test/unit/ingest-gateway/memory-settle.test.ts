import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemorySettler } from '../../../ingest-gateway/memory-settle.ts';

test('a burst of large requests is followed by one collection, once they stopped for the quiet time', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let collected = 0;
  const settler = createMemorySettler({ quietMs: 5_000, collect: () => collected++ });
  for (let i = 0; i < 10; i++) {
    settler.noteLargeRequest();
    t.mock.timers.tick(1_000);
  }
  assert.equal(collected, 0, 'no collection while large requests keep coming');
  t.mock.timers.tick(4_000);
  assert.equal(collected, 1);
  assert.equal(settler.collections, 1);
  t.mock.timers.tick(60_000);
  assert.equal(collected, 1, 'nothing more without new large requests');
  settler.noteLargeRequest();
  t.mock.timers.tick(5_000);
  assert.equal(collected, 2, 'the next storm gets its own collection');
  settler.close();
});

test('closing the gateway cancels a pending collection', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let collected = 0;
  const settler = createMemorySettler({ quietMs: 5_000, collect: () => collected++ });
  settler.noteLargeRequest();
  settler.close();
  t.mock.timers.tick(10_000);
  assert.equal(collected, 0);
});

test('without a collector (Node not started with --expose-gc) nothing is scheduled', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const exposed = globalThis.gc;
  globalThis.gc = undefined;
  try {
    const settler = createMemorySettler({ quietMs: 5_000 });
    settler.noteLargeRequest();
    t.mock.timers.tick(10_000);
    assert.equal(settler.collections, 0);
    settler.close();
  } finally {
    globalThis.gc = exposed;
  }
});
