import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import {
  createKeyStore,
  createManagedKeyIndex,
  type KeyStore,
  requireScope,
  sha256Hex,
} from '../../../ingest-gateway/api-keys.ts';
import { generateApiKey, parseScopes } from '../../../ingest-gateway/key-records.ts';
import { createRateLimiter } from '../../../ingest-gateway/token-bucket.ts';

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

before(async () => {
  const limiter = createRateLimiter({ requestsPerSecond: 1, burst: 2, now: () => now });
  const store: KeyStore = createKeyStore(configKeys, {
    admit(key) {
      admitted.push(key.id);
      return limiter.take(key.id);
    },
  });
  const app = express();
  app.post('/results', requireScope(store, 'results:write'), (request, response) => {
    response.json({ key: request.apiKey?.id });
  });
  app.post('/otlp', requireScope(store, 'otlp:write'), (_request, response) => {
    response.json({ ok: true });
  });
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
  const missing = await call('/results');
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
  assert.equal((await call('/results', { authorization: 'Bearer wrong' })).status, 401);
  assert.deepEqual(admitted, []);
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

test('over its rate limit a key gets 429 with Retry-After and a JSON body; other keys go on', async () => {
  now += 100_000;
  const robot = { authorization: 'Bearer config-robot-secret' };
  assert.equal((await call('/results', robot)).status, 200);
  assert.equal((await call('/results', robot)).status, 200);
  const limited = await call('/results', robot);
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '1');
  assert.deepEqual(await limited.json(), {
    error: 'rate_limited',
    message: 'too many requests with this API key; retry after 1 s',
    retry_after_seconds: 1,
  });
  assert.equal((await call('/results', { authorization: 'Bearer config-admin-secret' })).status, 200);
  now += 1000;
  assert.equal((await call('/results', robot)).status, 200, 'a token is back after a second');
});
