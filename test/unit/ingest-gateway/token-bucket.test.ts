import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRateLimiter } from '../../../ingest-gateway/token-bucket.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test('a key may send its burst at once, then is refused with the seconds until the next token', () => {
  const time = clock();
  const limiter = createRateLimiter({ requestsPerSecond: 0.5, burst: 3, now: time.now });
  for (let i = 0; i < 3; i++) assert.deepEqual(limiter.take('k'), { allowed: true }, `request ${i}`);
  assert.deepEqual(limiter.take('k'), { allowed: false, retryAfterSeconds: 2 });
  time.advance(1000);
  assert.deepEqual(limiter.take('k'), { allowed: false, retryAfterSeconds: 1 });
  time.advance(1000);
  assert.deepEqual(limiter.take('k'), { allowed: true });
  assert.equal(limiter.take('k').allowed, false);
});

test('Retry-After is never below one second and rounds up', () => {
  const time = clock();
  const limiter = createRateLimiter({ requestsPerSecond: 10, burst: 1, now: time.now });
  assert.equal(limiter.take('k').allowed, true);
  assert.deepEqual(limiter.take('k'), { allowed: false, retryAfterSeconds: 1 });
  const slow = createRateLimiter({ requestsPerSecond: 0.3, burst: 1, now: time.now });
  slow.take('k');
  assert.deepEqual(slow.take('k'), { allowed: false, retryAfterSeconds: 4 });
});

test('keys have buckets of their own', () => {
  const time = clock();
  const limiter = createRateLimiter({ requestsPerSecond: 1, burst: 1, now: time.now });
  assert.equal(limiter.take('a').allowed, true);
  assert.equal(limiter.take('a').allowed, false);
  assert.equal(limiter.take('b').allowed, true);
});

test('an idle bucket refills only up to the burst', () => {
  const time = clock();
  const limiter = createRateLimiter({ requestsPerSecond: 100, burst: 2, now: time.now });
  limiter.take('k');
  time.advance(60_000);
  assert.equal(limiter.take('k').allowed, true);
  assert.equal(limiter.take('k').allowed, true);
  assert.equal(limiter.take('k').allowed, false);
});

test('buckets of idle keys are dropped, so memory does not grow with every key ever seen', () => {
  const time = clock();
  const limiter = createRateLimiter({ requestsPerSecond: 1, burst: 5, now: time.now });
  for (let i = 0; i < 999; i++) limiter.take(`key-${i}`);
  assert.equal(limiter.trackedKeys(), 999);
  time.advance(10_000);
  limiter.take('busy');
  assert.equal(limiter.trackedKeys(), 1);
});
