// The definitions API over HTTP with a view and publisher in memory: what an admin sees when Kafka
// does not acknowledge (503 with Retry-After, and the view unchanged), and that a write answers only
// once this instance's view shows it.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import { Registry } from 'prom-client';
import { createLogger } from '../../../core/logging.ts';
import { sha256Hex } from '../../../core/sha256.ts';
import { createKeyStore } from '../../../ingest-gateway/api-keys.ts';
import type { DefinitionPublisher } from '../../../ingest-gateway/definition-publisher.ts';
import { definitionsApi } from '../../../ingest-gateway/definitions-api.ts';
import type { DefinitionsView } from '../../../ingest-gateway/definitions-view.ts';
import { KafkaUnavailableError } from '../../../ingest-gateway/publisher.ts';
import {
  type StoredTransactionDefinition,
  type TransactionDefinitionRecord,
  toStoredDefinition,
} from '../../../schemas/index.ts';

const adminKey = 'unit-admin-key';
const stored = new Map<string, StoredTransactionDefinition>();
const listeners = new Set<() => void>();
let kafkaUp = true;
/** Records reach the view this long after Kafka acknowledged them, as with a real consumer. */
const viewDelayMs = 30;

const view: DefinitionsView = {
  get: (uuid) => stored.get(uuid),
  listing: () => ({ body: JSON.stringify([...stored.values()]), etag: `"${stored.size}"` }),
  waitUntil: (applied, timeoutMs) =>
    new Promise((resolve) => {
      const finish = (result: boolean) => {
        clearTimeout(timer);
        listeners.delete(check);
        resolve(result);
      };
      const check = () => {
        if (applied()) finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      listeners.add(check);
      check();
    }),
  caughtUp: async () => {},
  stop: async () => {},
};

const applyLater = (change: () => void) =>
  setTimeout(() => {
    change();
    for (const listener of listeners) listener();
  }, viewDelayMs);

const publisher: DefinitionPublisher = {
  async upsert(records: TransactionDefinitionRecord[]) {
    if (!kafkaUp) throw new KafkaUnavailableError('no acknowledgement within 10 ms');
    applyLater(() => {
      for (const record of records) stored.set(record.uuid, toStoredDefinition(record));
    });
  },
  async remove(uuid: string) {
    if (!kafkaUp) throw new KafkaUnavailableError('no acknowledgement within 10 ms');
    applyLater(() => stored.delete(uuid));
  },
};

let baseUrl = '';
let server: ReturnType<ReturnType<typeof express>['listen']>;

before(async () => {
  const app = express();
  app.use(
    definitionsApi({
      keys: createKeyStore([{ name: 'admin', sha256: sha256Hex(adminKey), scopes: ['admin'] }]),
      view,
      publisher,
      bodyLimitBytes: 1024 * 1024,
      logger: createLogger({ component: 'test', level: 'error' }),
      metrics: new Registry(),
      retryAfterSeconds: 7,
    }),
  );
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server?.close();
});

const definition = (uuid: string) => ({
  uuid,
  name: 'Login',
  cron: '* * * * *',
  code: 'run()',
  target_duration: 5,
});

const post = (body: unknown) =>
  fetch(`${baseUrl}/api/v1/transactions/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const remove = (uuid: string) =>
  fetch(`${baseUrl}/api/v1/transactions/${uuid}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${adminKey}` },
  });

test('an upsert answers 200 only once the view shows it; a delete 204 only once it is gone', async () => {
  const uuid = '11111111-1111-4111-8111-111111111111';
  const answer = await post([definition(uuid)]);
  assert.equal(answer.status, 200);
  const body = (await answer.json()) as { upserted: string[]; updated_at: string };
  assert.deepEqual(body.upserted, [uuid]);
  assert.equal(stored.get(uuid)?.updated_at, body.updated_at, 'visible when the answer came');

  assert.equal((await remove(uuid)).status, 204);
  assert.equal(stored.has(uuid), false, 'gone when the answer came');
});

test('while Kafka does not acknowledge: 503 with Retry-After, and nothing changes', async () => {
  const uuid = '22222222-2222-4222-8222-222222222222';
  assert.equal((await post([definition(uuid)])).status, 200);
  kafkaUp = false;
  try {
    const refused = await post([{ ...definition(uuid), name: 'Renamed' }]);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '7');
    assert.equal(((await refused.json()) as { error: string }).error, 'unavailable');
    const refusedDelete = await remove(uuid);
    assert.equal(refusedDelete.status, 503);
    assert.equal(refusedDelete.headers.get('retry-after'), '7');
    await new Promise((resolve) => setTimeout(resolve, viewDelayMs * 2));
    assert.equal(stored.get(uuid)?.name, 'Login');
  } finally {
    kafkaUp = true;
  }
});

test('a body that is not JSON is 415 without the JSON content type, 400 when malformed', async () => {
  const plain = await fetch(`${baseUrl}/api/v1/transactions/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'text/plain' },
    body: '[]',
  });
  assert.equal(plain.status, 415);
  const malformed = await fetch(`${baseUrl}/api/v1/transactions/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: '[{',
  });
  assert.equal(malformed.status, 400);
  assert.equal(((await malformed.json()) as { error: string }).error, 'malformed_json');
});

test('a body over the limit is refused with 413 and publishes nothing', async () => {
  const before = stored.size;
  const answer = await post([
    { ...definition('33333333-3333-4333-8333-333333333333'), code: 'x'.repeat(1_100_000) },
  ]);
  assert.equal(answer.status, 413);
  await new Promise((resolve) => setTimeout(resolve, viewDelayMs * 2));
  assert.equal(stored.size, before);
});

test('the collection answers with and without the trailing slash', async () => {
  for (const path of ['/api/v1/transactions/', '/api/v1/transactions']) {
    const answer = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${adminKey}` } });
    assert.equal(answer.status, 200, path);
    assert.ok(Array.isArray(await answer.json()), path);
  }
});
