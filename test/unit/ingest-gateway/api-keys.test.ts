import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import pino from 'pino';
import { type AuthFailure, createAuthFailureGuard } from '../../../auth/auth-failures.ts';
import { generateApiKey, parseRateLimit } from '../../../auth/key-records.ts';
import { type AuthenticatedKey, createManagedKeyIndex } from '../../../auth/key-store.ts';
import { parseScopes } from '../../../auth/scopes.ts';
import { createRateLimiter } from '../../../auth/token-bucket.ts';
import { sha256Hex } from '../../../core/sha256.ts';
import {
  chargeRecords,
  createKeyStore,
  type KeyStore,
  requireScope,
} from '../../../ingest-gateway/api-keys.ts';

const robotId = '0b7a3f4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const configKeys = [
  { name: 'admin', sha256: sha256Hex('config-admin-secret'), scopes: ['admin' as const] },
  {
    name: 'robot',
    sha256: sha256Hex('config-robot-secret'),
    scopes: ['results:write' as const],
    robot_id: robotId,
  },
];

test('managed keys look like pa_<16 hex id>_<43 base64url>, and the record holds only the hash', () => {
  const created = generateApiKey({ scopes: ['results:write'], robotId: robotId.toUpperCase(), now: 5 });
  assert.match(created.key, /^pa_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  assert.equal(created.key.slice(3, 19), created.record.id);
  assert.equal(created.record.sha256, sha256Hex(created.key));
  assert.equal(created.record.robot_id, robotId);
  assert.equal(created.record.name, `key-${created.record.id}`);
  assert.equal(created.record.revoked_at, null);
  assert.equal(created.record.records_per_second, null, 'no limit of its own: the gateway default');
  assert.equal(
    generateApiKey({ scopes: ['otlp:write'], recordsPerSecond: 50 }).record.records_per_second,
    50,
  );
  const secret = created.key.slice(20);
  assert.ok(!JSON.stringify(created.record).includes(secret), 'the secret is not in the record');
  assert.notEqual(generateApiKey({ scopes: ['admin'] }).key, created.key);
});

test('scopes are parsed from a comma list; unknown or empty lists are refused', () => {
  assert.deepEqual(parseScopes('results:write, definitions:read,results:write'), [
    'results:write',
    'definitions:read',
  ]);
  assert.throws(() => parseScopes('results:read'), /unknown scope 'results:read'/);
  assert.throws(() => parseScopes(' , '), /at least one/);
});

test('--rate-limit is a positive number of records per second', () => {
  assert.equal(parseRateLimit('100'), 100);
  assert.equal(parseRateLimit(' 0.5 '), 0.5);
  for (const bad of ['0', '-1', 'abc', '1e3', 'Infinity', '']) {
    assert.throws(() => parseRateLimit(bad), /--rate-limit/, bad);
  }
});

test('a failed lookup is explained for the log: unknown, revoked, or the wrong secret of a known id', () => {
  const managed = createManagedKeyIndex();
  const store = createKeyStore(configKeys, { managed });
  const active = generateApiKey({ scopes: ['otlp:write'] });
  const revoked = generateApiKey({ scopes: ['otlp:write'] });
  const key = { id: active.record.id, name: 'a', scopes: ['otlp:write' as const], robotId: undefined };
  managed.set(active.record.id, active.record.sha256, key);
  managed.set(revoked.record.id, revoked.record.sha256, { ...key, id: revoked.record.id });
  managed.set(revoked.record.id, undefined, undefined, true);
  const forged = `pa_${active.record.id}_${'x'.repeat(43)}`;
  assert.deepEqual(store.explain(forged), { reason: 'wrong_secret', keyId: active.record.id });
  assert.deepEqual(store.explain(revoked.key), { reason: 'revoked_key', keyId: revoked.record.id });
  assert.deepEqual(store.explain('hunter2'), { reason: 'unknown_key', keyId: undefined });
  assert.deepEqual(store.explain(`pa_${'0'.repeat(16)}_secret`), {
    reason: 'unknown_key',
    keyId: '0'.repeat(16),
  });
});

test('the store knows config keys and managed keys until they are revoked', () => {
  const managed = createManagedKeyIndex();
  const store = createKeyStore(configKeys, { managed });
  const created = generateApiKey({ scopes: ['otlp:write'], name: 'collector' });
  assert.equal(store.lookup(created.key), undefined);
  managed.set(created.record.id, created.record.sha256, {
    id: created.record.id,
    name: 'collector',
    scopes: ['otlp:write'],
    robotId: undefined,
  });
  assert.equal(store.lookup(created.key)?.name, 'collector');
  assert.deepEqual(store.lookup('config-robot-secret'), {
    id: 'config:robot',
    name: 'robot',
    scopes: ['results:write'],
    robotId,
  });
  managed.set(created.record.id, undefined, undefined);
  assert.equal(store.lookup(created.key), undefined);
  assert.equal(store.lookup('config-admin-secret')?.id, 'config:admin', 'config keys stay');
  assert.equal(store.lookup('nope'), undefined);
});

test('a managed key re-set under a new hash no longer answers to the old one', () => {
  const managed = createManagedKeyIndex();
  const key = { id: 'a', name: 'a', scopes: ['admin' as const], robotId: undefined };
  managed.set('a', sha256Hex('old'), key);
  managed.set('a', sha256Hex('new'), key);
  const store = createKeyStore([], { managed });
  assert.equal(store.lookup('old'), undefined);
  assert.equal(store.lookup('new')?.id, 'a');
  assert.equal(managed.size(), 1);
});

// requireScope over HTTP, as a robot sees it.
let baseUrl = '';
let server: ReturnType<ReturnType<typeof express>['listen']>;
let now = 0;
const admitted: string[] = [];
const failures: AuthFailure[] = [];
const logLines: string[] = [];
// Two records a second, a burst of four; the robot key has its own limit of 100.
const defaultLimit = { perSecond: 2, burst: 4 };
const limitOf = (key: AuthenticatedKey) =>
  key.recordsPerSecond === undefined
    ? defaultLimit
    : { perSecond: key.recordsPerSecond, burst: key.recordsPerSecond };

before(async () => {
  const limiter = createRateLimiter({ now: () => now });
  const logger = pino({ level: 'info' }, { write: (line: string) => logLines.push(line) });
  const guard = createAuthFailureGuard({ limit: { perSecond: 1 / 60, burst: 5 }, logger, now: () => now });
  const store: KeyStore = createKeyStore(
    [
      ...configKeys,
      {
        name: 'collector',
        sha256: sha256Hex('config-collector-secret'),
        scopes: ['otlp:write'],
        rate_limit: 100,
      },
    ],
    {
      limits: {
        admit(key) {
          admitted.push(key.id);
          return limiter.admit(key.id, limitOf(key));
        },
        take: (key, records) => limiter.take(key.id, records, limitOf(key)),
        charge: (key, records) => limiter.charge(key.id, records, limitOf(key)),
      },
      failures: {
        check: (source) => guard.check(source),
        record(failure) {
          failures.push(failure);
          guard.record(failure);
        },
      },
    },
  );
  const app = express();
  app.post('/results', requireScope(store, 'results:write'), (request, response) => {
    response.json({ key: request.apiKey?.id });
  });
  app.post('/otlp', requireScope(store, 'otlp:write'), (request, response) => {
    const records = Number(request.get('x-records') ?? '0');
    if (!chargeRecords(request, response, records)) return;
    response.json({ ok: true });
  });
  app.post(
    '/plain',
    requireScope(store, 'otlp:write', {
      writeError: (response, answer) =>
        response.status(answer.status).type('text/plain').send(answer.message),
    }),
    (request, response) => {
      if (!chargeRecords(request, response, Number(request.get('x-records') ?? '0'))) return;
      response.send('ok');
    },
  );
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server?.close();
});

const call = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${baseUrl}${path}`, { method: 'POST', headers });

test('401 without a key or with an unknown one, and neither counts against a rate limit', async () => {
  admitted.length = 0;
  failures.length = 0;
  const missing = await call('/results');
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
  assert.equal((await call('/results', { authorization: 'Bearer wrong' })).status, 401);
  assert.deepEqual(admitted, []);
  assert.deepEqual(
    failures.map(({ reason }) => reason),
    ['missing_key', 'unknown_key'],
  );
  now += 10 * 60_000; // the failure bucket is full again
});

test('403 without the scope; admin allows everything; X-API-Key works too', async () => {
  now += 100_000;
  const robot = await call('/otlp', { authorization: 'Bearer config-robot-secret' });
  assert.equal(robot.status, 403);
  assert.match(((await robot.json()) as { error: string }).error, /otlp:write/);
  const admin = await call('/otlp', { 'x-api-key': 'config-admin-secret' });
  assert.equal(admin.status, 200);
  const results = await call('/results', { authorization: 'Bearer config-robot-secret' });
  assert.deepEqual(await results.json(), { key: 'config:robot' });
});

test('a request that counts no records costs one; over the limit a key gets 429 with Retry-After and a JSON body', async () => {
  now += 100_000;
  const robot = { authorization: 'Bearer config-robot-secret' };
  for (let i = 0; i < 4; i++) assert.equal((await call('/results', robot)).status, 200, `request ${i}`);
  const limited = await call('/results', robot);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '1');
  assert.deepEqual(await limited.json(), {
    error: 'rate_limited',
    message: 'too many requests with this API key; retry after 1 s',
    retry_after_seconds: 1,
  });
  assert.equal((await call('/results', { authorization: 'Bearer config-admin-secret' })).status, 200);
  now += 500;
  assert.equal((await call('/results', robot)).status, 200, 'a record is back after half a second');
});

test('records are charged once counted: a request over what the bucket holds is refused and costs one', async () => {
  now += 100_000;
  const admin = { authorization: 'Bearer config-admin-secret' };
  assert.equal((await call('/otlp', { ...admin, 'x-records': '1' })).status, 200);
  const limited = await call('/otlp', { ...admin, 'x-records': '4' });
  assert.equal(limited.status, 429);
  // Three records left, four wanted: one record at two a second rounds up to a second.
  assert.equal(limited.headers.get('retry-after'), '1');
  assert.deepEqual(await limited.json(), {
    error: 'rate_limited',
    message: "this request's 4 records are over this API key's rate limit; retry after 1 s",
    retry_after_seconds: 1,
  });
  assert.equal(
    (await call('/otlp', { ...admin, 'x-records': '2' })).status,
    200,
    'the refusal cost one record',
  );
  assert.equal((await call('/otlp', { ...admin, 'x-records': '1' })).status, 429, 'and no more');
});

test('a key with a limit of its own (gateway.api_keys[].rate_limit) is limited by it', async () => {
  now += 100_000;
  const collector = { authorization: 'Bearer config-collector-secret' };
  assert.equal((await call('/otlp', { ...collector, 'x-records': '100' })).status, 200);
  assert.equal((await call('/otlp', { ...collector, 'x-records': '50' })).status, 429);
  now += 1000;
  assert.equal((await call('/otlp', { ...collector, 'x-records': '100' })).status, 200);
});

test('a route answers refusals with its own writer', async () => {
  now += 100_000;
  const unknown = await call('/plain', { authorization: 'Bearer nope' });
  assert.equal(unknown.status, 401);
  assert.equal(unknown.headers.get('www-authenticate'), 'Bearer');
  assert.equal(await unknown.text(), 'unknown or revoked API key');
  now += 10 * 60_000;
  const admin = { authorization: 'Bearer config-admin-secret' };
  const limited = await call('/plain', { ...admin, 'x-records': '1000' });
  assert.equal(limited.status, 200, 'over the burst, on a full bucket');
  const debt = await call('/plain', { ...admin, 'x-records': '1' });
  assert.equal(debt.status, 429);
  assert.ok(Number(debt.headers.get('retry-after')) > 1);
  assert.match(await debt.text(), /^too many requests with this API key; retry after \d+ s$/);
});

test('a source that keeps failing gets 429 for its failures, a right key from it still passes; warn lines never hold the secret', async () => {
  now += 100_000;
  logLines.length = 0;
  failures.length = 0;
  const secret = 'guess-number-SECRET';
  for (let i = 0; i < 5; i++) {
    assert.equal(
      (await call('/results', { authorization: `Bearer ${secret}-${i}` })).status,
      401,
      `attempt ${i}`,
    );
  }
  const throttled = await call('/results', { authorization: `Bearer ${secret}-5` });
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers.get('retry-after'), '60');
  assert.equal(((await throttled.json()) as { error: string }).error, 'too_many_failed_authentications');
  // A right key from the same address (a NAT, a proxy) is never locked out by someone else's guesses.
  assert.equal((await call('/results', { authorization: 'Bearer config-robot-secret' })).status, 200);
  assert.equal(failures.length, 5, 'throttled attempts are not counted again');
  const warnings = logLines.map(
    (line) => JSON.parse(line) as { level: number; msg: string; source?: string },
  );
  assert.equal(warnings.length, 1, 'the first failure of a source is logged; the rest are folded');
  assert.equal(warnings[0]?.level, 40);
  assert.equal(warnings[0]?.source, '127.0.0.1');
  assert.ok(!logLines.join('').includes('SECRET'), 'no secret in the log');
  now += 60_000;
  assert.equal((await call('/results', { authorization: 'Bearer config-robot-secret' })).status, 200);
});
