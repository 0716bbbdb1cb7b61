import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createAuthFailureGuard } from '../../../auth/auth-failures.ts';

function setup(overrides: { maxSources?: number; maxSourcesLoggedPerInterval?: number } = {}) {
  let now = 1_000_000;
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const metrics = new Registry();
  const guard = createAuthFailureGuard({
    limit: { perSecond: 10 / 60, burst: 20 },
    logger,
    metrics,
    now: () => now,
    logIntervalMs: 60_000,
    ...overrides,
  });
  return { guard, lines, metrics, advance: (ms: number) => (now += ms) };
}

const fail = (source: string, keyId?: string) =>
  ({ source, reason: keyId === undefined ? 'unknown_key' : 'wrong_secret', keyId }) as const;

test('a source may fail its burst, then waits for the bucket to refill; other sources go on', () => {
  const { guard, advance } = setup();
  for (let i = 0; i < 20; i++) {
    assert.equal(guard.check('10.0.0.1').allowed, true, `attempt ${i}`);
    guard.record(fail('10.0.0.1'));
  }
  // 10 failures a minute: one is back after 6 s.
  assert.deepEqual(guard.check('10.0.0.1'), { allowed: false, retryAfterSeconds: 6 });
  assert.equal(guard.check('10.0.0.2').allowed, true);
  advance(6_000);
  assert.equal(guard.check('10.0.0.1').allowed, true);
  guard.stop();
});

test('failures and throttled requests are counted in /metrics by reason', async () => {
  const { guard, metrics } = setup();
  for (let i = 0; i < 21; i++) {
    if (guard.check('10.0.0.1').allowed) guard.record(fail('10.0.0.1', 'abcdef0123456789'));
  }
  guard.record({ source: '10.0.0.3', reason: 'missing_key', keyId: undefined });
  const text = await metrics.metrics();
  assert.match(text, /primoart_gateway_auth_failures_total\{reason="wrong_secret"\} 20/);
  assert.match(text, /primoart_gateway_auth_failures_total\{reason="missing_key"\} 1/);
  assert.match(text, /primoart_gateway_auth_failures_total\{reason="revoked_key"\} 0/);
  assert.match(text, /primoart_gateway_auth_throttled_total 1/);
  guard.stop();
});

test('the first failure of a source is logged at once, the rest folded into one line per interval', () => {
  const { guard, lines, advance } = setup();
  for (let i = 0; i < 50; i++) {
    if (guard.check('10.0.0.1').allowed) guard.record(fail('10.0.0.1', 'abcdef0123456789'));
  }
  assert.equal(lines.length, 1);
  assert.deepEqual(
    { level: lines[0]?.level, source: lines[0]?.source, reason: lines[0]?.reason, key_id: lines[0]?.key_id },
    { level: 40, source: '10.0.0.1', reason: 'wrong_secret', key_id: 'abcdef0123456789' },
  );
  advance(60_000);
  guard.record(fail('10.0.0.9'));
  const summary = lines.find((line) => line.msg === 'repeated failed authentication from one source');
  assert.deepEqual(
    { failures: summary?.failures, throttled: summary?.throttled, key_ids: summary?.key_ids },
    { failures: 19, throttled: 30, key_ids: ['abcdef0123456789'] },
  );
  assert.equal(lines.at(-1)?.source, '10.0.0.9', 'a new interval logs a new source at once again');
  guard.stop();
});

test('a storm from many sources logs a bounded number of lines and keeps a bounded number of buckets', () => {
  const { guard, lines } = setup({ maxSources: 100, maxSourcesLoggedPerInterval: 10 });
  for (let i = 0; i < 5000; i++) {
    const source = `10.1.${i >> 8}.${i & 255}`;
    if (guard.check(source).allowed) guard.record(fail(source));
  }
  assert.equal(lines.length, 10);
  assert.ok(guard.trackedSources() <= 100, `${guard.trackedSources()} buckets`);
  guard.stop();
  const summary = lines.at(-1);
  assert.equal(summary?.msg, 'failed authentication from more sources than are logged one by one');
  assert.equal(summary?.failures, 4990);
});
