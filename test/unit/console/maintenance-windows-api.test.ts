// The maintenance windows API in the console's own frame, over a fake publisher that feeds the view
// as Kafka would: admin creates and deletes (201 with Location, the record published under its id,
// a tombstone for a delete), every bad field a 400 naming it, a read key 403, a config window
// read-only (409), an unknown id 404, Kafka down a 503; the list has both kinds, and a transaction's
// shading includes the API's windows. Every answer as the OpenAPI document says.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import express from 'express';
import pino from 'pino';
import { Registry } from 'prom-client';
import { maintenanceWindowEndpoints } from '../../../console/api/maintenance-windows.ts';
import { NotPublishedError } from '../../../console/bus-publisher.ts';
import { type AuthenticatedKey, endpointRouter, openApiDocument } from '../../../console/endpoint.ts';
import { createMaintenanceWindowIndex } from '../../../console/maintenance-window-view.ts';
import type { ConsoleStores } from '../../../console/stores.ts';
import { maintenanceWindowsSchema } from '../../../schemas/maintenance-window.ts';
import {
  type MaintenanceWindowRecord,
  maintenanceWindowOfRecord,
} from '../../../schemas/maintenance-window-record.ts';

const keys: Record<string, AuthenticatedKey> = {
  reader: { id: 'config:reader', name: 'reader', scopes: ['read'], robotId: undefined },
  admin: { id: '0123456789abcdef', name: 'ops', scopes: ['admin'], robotId: undefined },
};

/**
 * The endpoints over a config with two windows, an index the fake publisher feeds as the view would
 * (a moment after Kafka acknowledged), and a PostgreSQL that knows every transaction as webshop's.
 */
function maintenanceWindowsFixture() {
  const configuredUuid = '3f2b8c1e-6a4d-4f0e-9b7c-1d2e3f4a5b6c';
  const configured = maintenanceWindowsSchema.parse([
    { id: 'nightly', service: 'webshop', weekly: { days: ['wed'], start: '02:00', end: '03:00' } },
    {
      id: configuredUuid,
      service: 'intranet',
      once: { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' },
    },
  ]);
  let index = createMaintenanceWindowIndex();
  const state = {
    now: new Date('2026-11-23T09:15:00.000Z'),
    configuredUuid,
    published: [] as Array<{ key: string; value: MaintenanceWindowRecord | null; keyId: string }>,
    kafkaDown: false,
    viewLags: false,
    postgres: {
      query: async () => ({ rows: [{ service: 'webshop' }] }),
    },
    reset() {
      state.published.length = 0;
      state.kafkaDown = false;
      state.viewLags = false;
      index = createMaintenanceWindowIndex();
    },
    endpoints: [] as ReturnType<typeof maintenanceWindowEndpoints>,
  };
  const send = async (key: string, value: MaintenanceWindowRecord | null, keyId: string) => {
    if (state.kafkaDown) throw new NotPublishedError('no acknowledgement within 5000 ms');
    state.published.push({ key, value, keyId });
    if (!state.viewLags)
      setImmediate(() =>
        index.apply(
          key,
          value === null ? undefined : { record: value, window: maintenanceWindowOfRecord(value, key) },
        ),
      );
    return { partition: 0, offset: String(state.published.length - 1) };
  };
  state.endpoints = maintenanceWindowEndpoints(
    { maxPeriodDays: 92 },
    {
      configured,
      // The index is replaced by reset(): the endpoints read whichever is current.
      windows: {
        get: (id) => index.get(id),
        list: () => index.list(),
        settled: (id, present, timeoutMs) => index.settled(id, present, timeoutMs),
      },
      publisher: {
        publish: (record) => send(record.id, record, record.created_by_key_id),
        remove: (id, keyId) => send(id, null, keyId),
      },
      visibleWithinMs: 50,
      now: () => state.now,
    },
  );
  return state;
}

const fixture = maintenanceWindowsFixture();
const document = openApiDocument(fixture.endpoints, { title: 'test', version: '1' });

let base = '';
let server: ReturnType<express.Application['listen']>;
before(async () => {
  const app = express();
  app.use(
    endpointRouter({
      endpoints: fixture.endpoints,
      keys: {
        lookup: (presented) => keys[presented],
        explain: () => ({ reason: 'unknown_key', keyId: undefined }),
      },
      stores: { postgres: fixture.postgres } as unknown as ConsoleStores,
      health: { down: () => undefined, recheck: async () => undefined },
      logger: pino({ level: 'silent' }),
      metrics: new Registry(),
    }),
  );
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());
beforeEach(() => fixture.reset());

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(document, 'openapi.json');
function assertDocumented(operationId: string, status: number, body: unknown): void {
  const operation = Object.values(
    document.paths as Record<
      string,
      Record<string, { operationId: string; responses: Record<string, unknown> }>
    >,
  )
    .flatMap((item) => Object.values(item))
    .find((candidate) => candidate.operationId === operationId);
  assert.ok(operation?.responses[String(status)] !== undefined, `${operationId} documents ${status}`);
  const schema = status < 300 ? `${operationId}Response` : 'Error';
  const validate = ajv.compile({ $ref: `openapi.json#/components/schemas/${schema}` });
  assert.ok(validate(body), `${operationId} ${status}: ${JSON.stringify(validate.errors)}`);
}

async function call(
  method: string,
  path: string,
  key: string | null,
  body?: unknown,
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : JSON.parse(text),
    headers: response.headers,
  };
}

const transactionId = '2f0c9a8e-3b7d-4c15-a6e2-00000000000a';
const release = {
  transaction_id: transactionId,
  once: { from: '2026-11-24T22:00:00+01:00', to: '2026-11-24T23:30:00Z' },
  description: 'checkout release',
};

test('admin creates a window: 201 with Location, the record published under its id with who and when', async () => {
  const created = await call('POST', '/api/v1/maintenance-windows', 'admin', release);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assertDocumented('createMaintenanceWindow', 201, created.body);
  const { window } = created.body;
  assert.match(window.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(created.headers.get('location'), `/api/v1/maintenance-windows/${window.id}`);
  assert.deepEqual(window, {
    id: window.id,
    source: 'api',
    read_only: false,
    transaction_id: transactionId,
    service: null,
    once: { from: '2026-11-24T21:00:00.000Z', to: '2026-11-24T23:30:00.000Z' },
    weekly: null,
    description: 'checkout release',
    created_by_key_id: '0123456789abcdef',
    created_at: fixture.now.toISOString(),
  });
  assert.deepEqual(
    fixture.published.map((message) => [message.key, message.value?.id ?? null, message.keyId]),
    [[window.id, window.id, '0123456789abcdef']],
  );

  const fetched = await call('GET', created.headers.get('location') ?? '', 'reader');
  assert.equal(fetched.status, 200);
  assertDocumented('getMaintenanceWindow', 200, fetched.body);
  assert.deepEqual(fetched.body.window, window);
  const upper = await call('GET', `/api/v1/maintenance-windows/${window.id.toUpperCase()}`, 'reader');
  assert.deepEqual(upper.body.window, window, 'a UUID in either case names the window');
  const configured = await call('GET', '/api/v1/maintenance-windows/nightly', 'reader');
  assert.equal(configured.body.window.source, 'config');
  assert.equal(configured.body.window.read_only, true);
});

test('the list: the config file’s windows (read-only) first, then the API’s; CSV has the same rows', async () => {
  const weekly = {
    service: 'webshop',
    weekly: { days: ['sat'], start: '23:00', end: '01:00', time_zone: 'Europe/Berlin' },
  };
  const created = await call('POST', '/api/v1/maintenance-windows', 'admin', weekly);
  assert.equal(created.status, 201);
  const listed = await call('GET', '/api/v1/maintenance-windows', 'reader');
  assert.equal(listed.status, 200);
  assertDocumented('listMaintenanceWindows', 200, listed.body);
  assert.deepEqual(
    listed.body.windows.map((w: any) => [
      w.id,
      w.source,
      w.read_only,
      w.service,
      w.weekly?.time_zone ?? null,
    ]),
    [
      ['nightly', 'config', true, 'webshop', 'UTC'],
      [fixture.configuredUuid, 'config', true, 'intranet', null],
      [created.body.window.id, 'api', false, 'webshop', 'Europe/Berlin'],
    ],
  );
  const csv = await fetch(`${base}/api/v1/maintenance-windows?format=csv`, {
    headers: { authorization: 'Bearer reader' },
  });
  const lines = (await csv.text()).trim().split('\r\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0] ?? '', /^id,source,read_only,transaction_id,service,once_from,once_to,weekly_days,/);
  assert.match(
    lines[3] ?? '',
    new RegExp(`^${created.body.window.id},api,false,,webshop,,,sat,23:00,01:00,Europe/Berlin,`),
  );
});

test('every bad field of a create is a 400 naming it', async () => {
  const answer = await call('POST', '/api/v1/maintenance-windows', 'admin', {
    transaction_id: 'checkout',
    once: { from: '2026-11-24T22:00:00', to: '2026-11-24T23:00:00Z' },
    weekly: { days: ['funday'], start: '25:00', end: '01:00', time_zone: 'Mars/Olympus' },
    colour: 'red',
  });
  assert.equal(answer.status, 400);
  assertDocumented('createMaintenanceWindow', 400, answer.body);
  assert.deepEqual(answer.body.error.fields.map((field: any) => field.path).sort(), [
    'body.colour',
    'body.once.from',
    'body.transaction_id',
    'body.weekly.days.0',
    'body.weekly.start',
    'body.weekly.time_zone',
  ]);
  const neither = await call('POST', '/api/v1/maintenance-windows', 'admin', { service: 'webshop' });
  assert.equal(neither.status, 400);
  assert.deepEqual(neither.body.error.fields, [
    { path: 'body', problem: 'needs exactly one of once or weekly' },
  ]);
  const backwards = await call('POST', '/api/v1/maintenance-windows', 'admin', {
    once: { from: '2026-11-24T23:00:00Z', to: '2026-11-24T22:00:00Z' },
  });
  assert.deepEqual(backwards.body.error.fields, [{ path: 'body.once.to', problem: 'must be after from' }]);
  const notJson = await fetch(`${base}/api/v1/maintenance-windows`, {
    method: 'POST',
    headers: { authorization: 'Bearer admin', 'content-type': 'application/json' },
    body: '{"once":',
  });
  assert.equal(notJson.status, 400);
  assert.equal(((await notJson.json()) as any).error.fields[0].path, 'body');
  assert.deepEqual(fixture.published, [], 'nothing published for a refused create');
});

test('a key without admin may read but not create or delete: 403; no key 401', async () => {
  const created = await call('POST', '/api/v1/maintenance-windows', 'admin', release);
  for (const [method, path, body] of [
    ['POST', '/api/v1/maintenance-windows', release],
    ['DELETE', `/api/v1/maintenance-windows/${created.body.window.id}`, undefined],
  ] as const) {
    const forbidden = await call(method, path, 'reader', body);
    assert.equal(forbidden.status, 403, `${method} with a read key`);
    assert.match(forbidden.body.error.message, /lacks the 'admin' scope/);
    assertDocumented(
      method === 'POST' ? 'createMaintenanceWindow' : 'deleteMaintenanceWindow',
      403,
      forbidden.body,
    );
    assert.equal((await call(method, path, null, body)).status, 401);
  }
  assert.equal(fixture.published.length, 1, 'only the admin’s create was published');
  assert.equal((await call('GET', '/api/v1/maintenance-windows', 'reader')).status, 200);
});

test('a delete publishes a tombstone, answers the window, and then it is gone (404)', async () => {
  const created = await call('POST', '/api/v1/maintenance-windows', 'admin', release);
  const { id } = created.body.window;
  const deleted = await call('DELETE', `/api/v1/maintenance-windows/${id}`, 'admin');
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  assertDocumented('deleteMaintenanceWindow', 200, deleted.body);
  assert.equal(deleted.body.window.id, id);
  assert.deepEqual(fixture.published.at(-1), { key: id, value: null, keyId: '0123456789abcdef' });
  const listed = await call('GET', '/api/v1/maintenance-windows', 'reader');
  assert.deepEqual(
    listed.body.windows.map((w: any) => w.id),
    ['nightly', fixture.configuredUuid],
  );
  const again = await call('DELETE', `/api/v1/maintenance-windows/${id}`, 'admin');
  assert.equal(again.status, 404);
  assertDocumented('deleteMaintenanceWindow', 404, again.body);
  assert.equal((await call('GET', `/api/v1/maintenance-windows/${id}`, 'reader')).status, 404);
});

test('a config window cannot be deleted, nor its id (or one in use) created: 409', async () => {
  const configured = await call('DELETE', '/api/v1/maintenance-windows/nightly', 'admin');
  assert.equal(configured.status, 409);
  assertDocumented('deleteMaintenanceWindow', 409, configured.body);
  assert.match(configured.body.error.message, /config file's/);
  const configUuid = await call('POST', '/api/v1/maintenance-windows', 'admin', {
    ...release,
    id: fixture.configuredUuid.toUpperCase(),
  });
  assert.equal(configUuid.status, 409);
  assertDocumented('createMaintenanceWindow', 409, configUuid.body);
  const chosen = '6f1c2b3a-0000-4000-8000-000000000042';
  assert.equal(
    (await call('POST', '/api/v1/maintenance-windows', 'admin', { ...release, id: chosen })).status,
    201,
  );
  assert.equal(
    (await call('POST', '/api/v1/maintenance-windows', 'admin', { ...release, id: chosen })).status,
    409,
  );
  assert.equal(fixture.published.length, 1);
});

test('Kafka not acknowledging is a 503 naming kafka; a view slow to show a create still answers 201', async () => {
  fixture.kafkaDown = true;
  const down = await call('POST', '/api/v1/maintenance-windows', 'admin', release);
  assert.equal(down.status, 503);
  assert.equal(down.body.error.store, 'kafka');
  fixture.kafkaDown = false;
  fixture.viewLags = true;
  const slow = await call('POST', '/api/v1/maintenance-windows', 'admin', release);
  assert.equal(slow.status, 201);
  assert.equal(slow.body.window.transaction_id, transactionId);
});

test('a transaction’s shading has the API’s windows beside the config file’s', async () => {
  const created = await call('POST', '/api/v1/maintenance-windows', 'admin', release);
  const answer = await call(
    'GET',
    `/api/v1/maintenance-windows?transaction=${transactionId}&from=2026-11-24T00:00:00Z&to=2026-11-26T00:00:00Z`,
    'reader',
  );
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assertDocumented('listMaintenanceWindows', 200, answer.body);
  assert.deepEqual(answer.body.windows, [
    {
      id: created.body.window.id,
      source: 'api',
      description: 'checkout release',
      from: '2026-11-24T21:00:00.000Z',
      to: '2026-11-24T23:30:00.000Z',
    },
    {
      id: 'nightly',
      source: 'config',
      description: null,
      from: '2026-11-25T02:00:00.000Z',
      to: '2026-11-25T03:00:00.000Z',
    },
  ]);
  const deleted = await call('DELETE', `/api/v1/maintenance-windows/${created.body.window.id}`, 'admin');
  assert.equal(deleted.status, 200);
  const after = await call(
    'GET',
    `/api/v1/maintenance-windows?transaction=${transactionId}&from=2026-11-24T00:00:00Z&to=2026-11-26T00:00:00Z`,
    'reader',
  );
  assert.deepEqual(
    after.body.windows.map((w: any) => w.id),
    ['nightly'],
  );
  const periodAlone = await call('GET', '/api/v1/maintenance-windows?from=2026-11-24T00:00:00Z', 'reader');
  assert.equal(periodAlone.status, 400);
  assert.deepEqual(periodAlone.body.error.fields, [{ path: 'from', problem: 'only with transaction' }]);
});
