import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRateLimiter } from '../../../auth/token-bucket.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

test('a key may spend its burst of records at once, then is refused with the seconds until they are back', () => {
  const time = clock();
  const limiter = createRateLimiter({ now: time.now });
  const limit = { perSecond: 1000, burst: 3000 };
  assert.deepEqual(limiter.take('k', 2000, limit), { allowed: true });
  assert.deepEqual(limiter.take('k', 1000, limit), { allowed: true });
  // 2,500 records need 2.5 s of refill: Retry-After rounds up.
  assert.deepEqual(limiter.take('k', 2500, limit), { allowed: false, retryAfterSeconds: 3 });
  time.advance(1000);
  assert.deepEqual(limiter.take('k', 2500, limit), { allowed: false, retryAfterSeconds: 2 });
  time.advance(1500);
  assert.deepEqual(limiter.take('k', 2500, limit), { allowed: true });
});

test('a refused take takes nothing: a smaller request still fits', () => {
  const time = clock();
  const limiter = createRateLimiter({ now: time.now });
  const limit = { perSecond: 10, burst: 100 };
  assert.equal(limiter.take('k', 60, limit).allowed, true);
  assert.equal(limiter.take('k', 50, limit).allowed, false);
  assert.equal(limiter.take('k', 40, limit).allowed, true);
  assert.equal(limiter.take('k', 1, limit).allowed, false);
});

test('a request larger than the whole burst passes on a full bucket and leaves it in debt', () => {
  const time = clock();
  const limiter = createRateLimiter({ now: time.now });
  const limit = { perSecond: 100, burst: 200 };
  assert.deepEqual(limiter.take('k', 1000, limit), { allowed: true });
  // 800 records of debt: admission waits until one token is back (8.01 s → 9 s).
  assert.deepEqual(limiter.admit('k', limit), { allowed: false, retryAfterSeconds: 9 });
  time.advance(8_000);
  assert.equal(limiter.admit('k', limit).allowed, false);
  time.advance(1_000);
  assert.deepEqual(limiter.admit('k', limit), { allowed: true });
  // 100 tokens back, not full: another request over the burst waits for a full bucket (200).
  assert.deepEqual(limiter.take('k', 1000, limit), { allowed: false, retryAfterSeconds: 1 });
});

test('admit takes nothing; charge takes even into debt', () => {
  const time = clock();
  const limiter = createRateLimiter({ now: time.now });
  const limit = { perSecond: 1, burst: 2 };
  for (let i = 0; i < 5; i++) assert.equal(limiter.admit('k', limit).allowed, true);
  limiter.charge('k', 1, limit);
  limiter.charge('k', 1, limit);
  assert.deepEqual(limiter.admit('k', limit), { allowed: false, retryAfterSeconds: 1 });
  limiter.charge('k', 3, limit);
  assert.deepEqual(limiter.admit('k', limit), { allowed: false, retryAfterSeconds: 4 });
});

test('Retry-After is never below one second and rounds up', () => {
  const time = clock();
  const limiter = createRateLimiter({ now: time.now });
  const fast = { perSecond: 10, burst: 1 };
  assert.equal(limiter.take('k', 1, fast).allowed, true);
  assert.deepEqual(limiter.take('k', 1, fast), { allowed: false, retryAfterSeconds: 1 });
  const slow = { perSecond: 0.3, burst: 1 };
  limiter.take('s', 1, slow);
  assert.deepEqual(limiter.take('s', 1, slow), { allowed: false, retryAfterSeconds: 4 });
});

test('keys have buckets of their own, each with its own limit', () => {
  const time = clock();
  const limiter = createRateLimiter({ now: time.now });
  const low = { perSecond: 10, burst: 20 };
  const high = { perSecond: 100_000, burst: 200_000 };
  assert.equal(limiter.take('low', 20, low).allowed, true);
  assert.equal(limiter.take('low', 8000, low).allowed, false);
  assert.equal(limiter.take('high', 8000, high).allowed, true);
  assert.equal(limiter.take('high', 8000, high).allowed, true);
});

test('an idle bucket refills only up to the burst', () => {
  const time = clock();
  const limiter = createRateLimiter({ now: time.now });
  const limit = { perSecond: 100, burst: 2 };
  limiter.take('k', 1, limit);
  time.advance(60_000);
  assert.equal(limiter.take('k', 2, limit).allowed, true);
  assert.equal(limiter.take('k', 1, limit).allowed, false);
});

test('buckets of idle keys are dropped, so memory does not grow with every key ever seen', () => {
  const time = clock();
  const limiter = createRateLimiter({ now: time.now });
  const limit = { perSecond: 1, burst: 5 };
  for (let i = 0; i < 999; i++) limiter.take(`key-${i}`, 1, limit);
  assert.equal(limiter.trackedKeys(), 999);
  time.advance(10_000);
  limiter.take('busy', 1, limit);
  assert.equal(limiter.trackedKeys(), 1);
});

test('with maxKeys, the least recently used bucket is dropped beyond it', () => {
  const time = clock();
  const limiter = createRateLimiter({ now: time.now, maxKeys: 3 });
  const limit = { perSecond: 1, burst: 1 };
  for (const key of ['a', 'b', 'c']) limiter.take(key, 1, limit);
  assert.equal(limiter.admit('a', limit).allowed, false, 'a is used again: the most recent');
  limiter.take('d', 1, limit);
  assert.equal(limiter.trackedKeys(), 3);
  assert.equal(limiter.admit('a', limit).allowed, false, 'a is kept');
  assert.equal(limiter.admit('b', limit).allowed, true, 'b was the least recently used: dropped');
});
