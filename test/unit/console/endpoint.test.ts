// The console's endpoint frame with a fake endpoint: keys and scopes, every bad parameter named,
// 503 only for the endpoints whose store is down, JSON and CSV of the same rows, a streamed CSV,
// and the OpenAPI document built from the declarations validating what is answered.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import express from 'express';
import pino from 'pino';
import { Registry } from 'prom-client';
import { z } from 'zod';
import {
  type AnyEndpoint,
  type AuthenticatedKey,
  DependencyUnavailableError,
  defineEndpoint,
  type ErrorBody,
  endpointRouter,
  NotFoundError,
  openApiDocument,
  openApiRouter,
} from '../../../console/endpoint.ts';
import type { ConsoleStores, StoreHealth, StoreName } from '../../../console/stores.ts';

const keys: Record<string, AuthenticatedKey> = {
  reader: { id: 'config:reader', name: 'reader', scopes: ['read'], robotId: undefined },
  admin: { id: 'config:admin', name: 'admin', scopes: ['admin'], robotId: undefined },
  robot: { id: 'config:robot', name: 'robot', scopes: ['results:write'], robotId: undefined },
};

interface Thing {
  name: string;
  seen_at: string;
  count: number;
  note: string | null;
}
// Strings that need quoting in CSV (comma, quote, newline) and one a spreadsheet would read as a formula.
const things: Thing[] = [
  { name: 'plain', seen_at: '2026-10-25T00:00:00.000Z', count: 3, note: null },
  { name: 'with, comma', seen_at: '2026-10-25T01:00:00.000Z', count: 0, note: 'say "hi"\nbye' },
];

const thingsEndpoint = defineEndpoint({
  operationId: 'listThings',
  method: 'get',
  path: '/api/v1/things/{kind}',
  summary: 'Things of a kind',
  scope: 'read',
  stores: ['postgres'],
  params: z.strictObject({ kind: z.enum(['big', 'small']) }),
  query: z.strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(10),
    since: z.iso.datetime().optional(),
    ...Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`p${i}`, z.literal('ok').optional()])),
  }),
  response: z.strictObject({
    kind: z.string(),
    limit: z.number().int(),
    things: z.array(
      z.strictObject({
        name: z.string(),
        seen_at: z.iso.datetime(),
        count: z.number().int(),
        note: z.string().nullable(),
      }),
    ),
  }),
  csv: (body) => ({
    columns: ['name', 'seen_at', 'count', 'note'],
    rows: body.things.map((thing) => [thing.name, thing.seen_at, thing.count, thing.note]),
  }),
  async handle({ params, query }) {
    return { kind: params.kind, limit: query.limit, things: things.slice(0, query.limit) };
  },
});

const streamEndpoint = defineEndpoint({
  operationId: 'streamNumbers',
  method: 'get',
  path: '/api/v1/numbers',
  summary: 'Many numbers',
  scope: 'read',
  stores: ['postgres'],
  query: z.strictObject({ n: z.coerce.number().int().min(0) }),
  response: z.strictObject({ numbers: z.array(z.number()) }),
  csvStream: ({ query }) => ({
    columns: ['number'],
    rows: (async function* () {
      for (let i = 0; i < query.n; i++) yield [i];
    })(),
  }),
  async handle({ query }) {
    return { numbers: Array.from({ length: query.n }, (_, i) => i) };
  },
});

const metricsEndpoint = defineEndpoint({
  operationId: 'getSeries',
  method: 'get',
  path: '/api/v1/series',
  summary: 'A series from VictoriaMetrics',
  scope: 'read',
  stores: ['victoria-metrics'],
  query: z.strictObject({}),
  response: z.strictObject({ ok: z.boolean() }),
  async handle() {
    return { ok: true };
  },
});

const failingEndpoint = defineEndpoint({
  operationId: 'getFailing',
  method: 'get',
  path: '/api/v1/failing/{what}',
  summary: 'Fails as told',
  scope: 'read',
  stores: ['minio'],
  params: z.strictObject({ what: z.enum(['missing', 'store', 'kafka', 'bug', 'zone']) }),
  query: z.strictObject({}),
  response: z.strictObject({}),
  async handle({ params }) {
    if (params.what === 'missing') throw new NotFoundError('no such thing');
    if (params.what === 'kafka') throw new DependencyUnavailableError('kafka', 'no acknowledgement');
    // What pg throws for a zone its tzdata lacks (SQLSTATE 22023), whatever Intl thought of it.
    if (params.what === 'zone')
      throw Object.assign(new Error('time zone "Mars/Olympus" not recognized'), { code: '22023' });
    if (params.what === 'store') minioUp = false;
    throw new Error('boom');
  },
});

const settingEndpoint = defineEndpoint({
  operationId: 'putSetting',
  method: 'put',
  path: '/api/v1/settings/{name}',
  summary: 'Change a setting',
  scope: 'admin',
  stores: ['postgres'],
  params: z.strictObject({ name: z.string().min(1) }),
  query: z.strictObject({}),
  body: z.strictObject({ value: z.number().min(0).max(100) }),
  response: z.strictObject({ name: z.string(), value: z.number(), by: z.string() }),
  // A value of 50 stands for a change taken but not yet visible: 202 with where to watch it.
  accepted: (body) => (body.value === 50 ? { location: `/api/v1/settings/${body.name}/changes` } : undefined),
  async handle({ params, body, key }) {
    return { name: params.name, value: (body as { value: number }).value, by: key.name };
  },
});

const endpoints: AnyEndpoint[] = [
  thingsEndpoint,
  streamEndpoint,
  metricsEndpoint,
  failingEndpoint,
  settingEndpoint,
];
const document = openApiDocument(endpoints, { title: 'test', version: '1' });

let minioUp = true;
const down = new Set<StoreName>(['victoria-metrics']);
const health: StoreHealth = {
  down: (stores) => stores.find((store) => down.has(store) || (store === 'minio' && !minioUp)),
  recheck: async (stores) => stores.find((store) => down.has(store) || (store === 'minio' && !minioUp)),
};

let base = '';
let server: ReturnType<express.Application['listen']>;
before(async () => {
  const app = express();
  app.use(openApiRouter(document));
  app.use(
    endpointRouter({
      endpoints,
      keys: {
        lookup: (presented) => keys[presented],
        explain: () => ({ reason: 'unknown_key', keyId: undefined }),
      },
      stores: {} as ConsoleStores,
      health,
      logger: pino({ level: 'silent' }),
      metrics: new Registry(),
    }),
  );
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const get = (path: string, key: string | null = 'reader', headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...headers },
  });

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(document, 'openapi.json');
/** Validates a JSON answer against the document's schema for that operation and status. */
function assertDocumented(operationId: string, status: number, body: unknown): void {
  const ref =
    status === 200 || status === 202
      ? `openapi.json#/components/schemas/${operationId}Response`
      : 'openapi.json#/components/schemas/Error';
  const validate = ajv.compile({ $ref: ref });
  assert.ok(validate(body), `${operationId} ${status}: ${JSON.stringify(validate.errors)}`);
  const operation = Object.values(
    document.paths as Record<
      string,
      Record<string, { operationId: string; responses: Record<string, unknown> }>
    >,
  )
    .flatMap((item) => Object.values(item))
    .find((candidate) => candidate.operationId === operationId);
  assert.ok(operation?.responses[String(status)] !== undefined, `${operationId} documents ${status}`);
}

test('a key is needed, unknown keys are 401, a key without the scope 403; admin implies read', async () => {
  for (const [key, status] of [
    [null, 401],
    ['nope', 401],
    ['robot', 403],
    ['reader', 200],
    ['admin', 200],
  ] as const) {
    const response = await get('/api/v1/things/big', key);
    assert.equal(response.status, status, `key ${key}`);
    assertDocumented('listThings', status, await response.json());
  }
  const put = (key: string) =>
    fetch(`${base}/api/v1/settings/x`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ value: 99.5 }),
    });
  assert.equal((await put('reader')).status, 403, 'read does not imply admin');
  const accepted = await put('admin');
  assert.equal(accepted.status, 200);
  const body = await accepted.json();
  assert.deepEqual(body, { name: 'x', value: 99.5, by: 'admin' });
  assertDocumented('putSetting', 200, body);
  const missing = await get('/api/v1/things/big', null);
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
});

test('a change taken but not yet visible is a 202 with a Location, the same body, documented', async () => {
  const response = await fetch(`${base}/api/v1/settings/x`, {
    method: 'PUT',
    headers: { authorization: 'Bearer admin', 'content-type': 'application/json' },
    body: JSON.stringify({ value: 50 }),
  });
  assert.equal(response.status, 202);
  assert.equal(response.headers.get('location'), '/api/v1/settings/x/changes');
  const body = await response.json();
  assert.deepEqual(body, { name: 'x', value: 50, by: 'admin' });
  assertDocumented('putSetting', 202, body);
  assert.equal((document.paths as any)['/api/v1/things/{kind}'].get.responses['202'], undefined);
});

test('every bad or unknown parameter is named, the list capped at 20', async () => {
  const response = await get('/api/v1/things/huge?limit=0&since=yesterday&colour=red&format=xml');
  assert.equal(response.status, 400);
  const body = (await response.json()) as ErrorBody;
  assertDocumented('listThings', 400, body);
  assert.equal(body.error.code, 'invalid_parameters');
  assert.deepEqual((body.error.fields ?? []).map((field) => field.path).sort(), [
    'colour',
    'format',
    'kind',
    'limit',
    'since',
  ]);
  const colour = body.error.fields?.find((field) => field.path === 'colour');
  assert.equal(colour?.problem, 'unknown parameter');

  const many = Array.from({ length: 30 }, (_, i) => `p${i}=bad`).join('&');
  const capped = (await (await get(`/api/v1/things/big?${many}`)).json()) as ErrorBody;
  assert.equal(capped.error.fields?.length, 20);
  assert.match(capped.error.message, /^30 invalid parameters \(the first 20 of 30 shown\)/);

  const badBody = await fetch(`${base}/api/v1/settings/x`, {
    method: 'PUT',
    headers: { authorization: 'Bearer admin', 'content-type': 'application/json' },
    body: JSON.stringify({ value: 101, extra: 1 }),
  });
  assert.equal(badBody.status, 400);
  const badBodyAnswer = (await badBody.json()) as ErrorBody;
  assertDocumented('putSetting', 400, badBodyAnswer);
  assert.deepEqual((badBodyAnswer.error.fields ?? []).map((field) => field.path).sort(), [
    'body.extra',
    'body.value',
  ]);
  const notJson = await fetch(`${base}/api/v1/settings/x`, {
    method: 'PUT',
    headers: { authorization: 'Bearer admin', 'content-type': 'application/json' },
    body: '{"value": ',
  });
  assert.equal(notJson.status, 400);
  assert.equal(((await notJson.json()) as ErrorBody).error.fields?.[0]?.path, 'body');
});

test('a store that is down is a 503 naming it for the endpoints that need it; the rest keep working', async () => {
  const series = await get('/api/v1/series');
  assert.equal(series.status, 503);
  const body = (await series.json()) as ErrorBody;
  assertDocumented('getSeries', 503, body);
  assert.equal(body.error.store, 'victoria-metrics');
  assert.ok(series.headers.get('retry-after') !== null);
  assert.equal((await get('/api/v1/things/small')).status, 200);

  // A handler failing while its store went down between two probes: 503 too, after a recheck.
  const failed = await get('/api/v1/failing/store');
  assert.equal(failed.status, 503);
  assert.equal(((await failed.json()) as ErrorBody).error.store, 'minio');
  minioUp = true;
  const bug = await get('/api/v1/failing/bug');
  assert.equal(bug.status, 500);
  assert.deepEqual(await bug.json(), { error: { code: 'internal', message: 'internal error' } });
  // Something besides the stores (Kafka, for a PUT that publishes) down: 503 naming it.
  const kafka = await get('/api/v1/failing/kafka');
  assert.equal(kafka.status, 503);
  assert.ok(kafka.headers.get('retry-after') !== null);
  const kafkaBody = (await kafka.json()) as ErrorBody;
  assertDocumented('getFailing', 503, kafkaBody);
  assert.equal(kafkaBody.error.store, 'kafka');
  const missing = await get('/api/v1/failing/missing');
  assert.equal(missing.status, 404);
  assertDocumented('getFailing', 404, await missing.json());
  const nowhere = await get('/api/v1/nowhere');
  assert.equal(nowhere.status, 404);
  assert.equal(((await nowhere.json()) as ErrorBody).error.code, 'not_found');
});

test('CSV (Accept or ?format=csv) holds the same rows as the JSON, RFC 4180 quoted', async () => {
  const json = (await (await get('/api/v1/things/big')).json()) as { things: Thing[] };
  const viaAccept = await get('/api/v1/things/big', 'reader', { accept: 'text/csv' });
  const viaFormat = await get('/api/v1/things/big?format=csv');
  assert.equal(viaAccept.status, 200);
  assert.match(viaAccept.headers.get('content-type') ?? '', /^text\/csv/);
  const text = await viaAccept.text();
  assert.equal(text, await viaFormat.text());
  assert.equal(
    text,
    'name,seen_at,count,note\r\n' +
      'plain,2026-10-25T00:00:00.000Z,3,\r\n' +
      '"with, comma",2026-10-25T01:00:00.000Z,0,"say ""hi""\nbye"\r\n',
  );
  assert.equal(json.things.length, 2);
  // A JSON-only endpoint refuses CSV by name.
  const refused = (await (await get('/api/v1/series?format=csv')).json()) as ErrorBody;
  assert.equal(refused.error.fields?.[0]?.path, 'format');
  // Accept: */* and JSON-first lists get JSON.
  const any = await get('/api/v1/things/big', 'reader', { accept: '*/*' });
  assert.match(any.headers.get('content-type') ?? '', /^application\/json/);
});

test('a streamed CSV writes every row without holding the answer', async () => {
  const response = await get('/api/v1/numbers?n=20000&format=csv');
  assert.equal(response.status, 200);
  const lines = (await response.text()).split('\r\n');
  assert.equal(lines[0], 'number');
  assert.equal(lines.length, 20_002, 'header, 20,000 rows, and the empty string after the last line end');
  assert.equal(lines[20_000], '19999');
  const json = await (await get('/api/v1/numbers?n=3')).json();
  assertDocumented('streamNumbers', 200, json);
  assert.deepEqual(json, { numbers: [0, 1, 2] });
});

test('the OpenAPI document is 3.1, served without a key, and names each parameter', async () => {
  const response = await get('/api/v1/openapi.json', null);
  assert.equal(response.status, 200);
  const served = (await response.json()) as any;
  assert.deepEqual(served as unknown, document);
  assert.equal(served.openapi, '3.1.0');
  const things = served.paths['/api/v1/things/{kind}'].get;
  assert.equal(things.operationId, 'listThings');
  const byName = Object.fromEntries(
    things.parameters.map((parameter: { name: string }) => [parameter.name, parameter]),
  );
  assert.deepEqual(byName.kind, {
    name: 'kind',
    in: 'path',
    required: true,
    schema: { type: 'string', enum: ['big', 'small'] },
  });
  assert.equal(byName.limit.in, 'query');
  assert.equal(byName.limit.required, false);
  assert.deepEqual(byName.format.schema.enum, ['json', 'csv']);
  assert.ok(things.responses['200'].content['text/csv'] !== undefined);
  assert.equal(served.paths['/api/v1/series'].get.responses['200'].content['text/csv'], undefined);
  assert.ok(served.paths['/api/v1/settings/{name}'].put.requestBody !== undefined);
});

test('at most maxConcurrentExports streamed CSV exports at once; one more is a documented 503', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const slowExport = defineEndpoint({
    ...streamEndpoint,
    csvStream: () => ({
      columns: ['number'],
      rows: (async function* () {
        yield [1];
        await gate;
        yield [2];
      })(),
    }),
  });
  const app = express();
  app.use(
    endpointRouter({
      endpoints: [slowExport],
      keys: {
        lookup: (presented) => keys[presented],
        explain: () => ({ reason: 'unknown_key', keyId: undefined }),
      },
      stores: {} as ConsoleStores,
      health,
      logger: pino({ level: 'silent' }),
      metrics: new Registry(),
      maxConcurrentExports: 1,
    }),
  );
  const limited = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => limited.once('listening', resolve));
  const url = `http://127.0.0.1:${(limited.address() as AddressInfo).port}/api/v1/numbers?n=2&format=csv`;
  const headers = { authorization: 'Bearer reader' };
  try {
    const first = await fetch(url, { headers });
    assert.equal(first.status, 200);
    const refused = await fetch(url, { headers });
    const body = (await refused.json()) as ErrorBody;
    assert.equal(refused.status, 503);
    assert.equal(body.error.code, 'too_many_exports');
    assert.equal(refused.headers.get('retry-after'), '5');
    assertDocumented('streamNumbers', 503, body);
    // JSON answers of the same endpoint are not exports: not counted.
    assert.equal((await fetch(url.replace('format=csv', 'format=json'), { headers })).status, 200);
    release();
    assert.equal(await first.text(), 'number\r\n1\r\n2\r\n');
    // The finished export freed its place.
    const again = await fetch(url, { headers });
    assert.equal(again.status, 200);
    await again.text();
  } finally {
    release();
    limited.close();
  }
});

test('a CSV string cell a spreadsheet would run as a formula starts with a quote; numbers stay numbers', async () => {
  const { csvStringifier } = await import('../../../console/endpoint.ts');
  const { Readable } = await import('node:stream');
  const rows = [
    ['=HYPERLINK("http://x","y")', -2],
    ['+1', 1.5],
    ['-1', -0.5],
    ['@SUM(A1)', 0],
    ['\tTab', null],
    ['\rReturn', null],
    ['plain = fine', null],
    ['', null],
  ];
  let text = '';
  for await (const chunk of Readable.from(rows).pipe(csvStringifier(['name', 'value']))) text += chunk;
  assert.equal(
    text,
    'name,value\r\n' +
      `"'=HYPERLINK(""http://x"",""y"")",-2\r\n` +
      "'+1,1.5\r\n" +
      "'-1,-0.5\r\n" +
      "'@SUM(A1),0\r\n" +
      "'\tTab,\r\n" +
      `"'\rReturn",\r\n` +
      'plain = fine,\r\n' +
      ',\r\n',
  );
});

test('a time zone PostgreSQL does not know is a 400 naming tz, not a 500', async () => {
  const response = await get('/api/v1/failing/zone');
  const body = (await response.json()) as ErrorBody;
  assert.equal(response.status, 400);
  assert.deepEqual(body.error.fields, [{ path: 'tz', problem: 'a time zone PostgreSQL does not know' }]);
  assertDocumented('getFailing', 400, body);
  // Another invalid_parameter_value is not a time zone: a bug (500), as before.
  const { isUnknownTimeZone } = await import('../../../console/endpoint.ts');
  assert.equal(
    isUnknownTimeZone(Object.assign(new Error('invalid value for parameter'), { code: '22023' })),
    false,
  );
  assert.equal(
    isUnknownTimeZone(Object.assign(new Error('time zone "X/Y" not recognized'), { code: '22023' })),
    true,
  );
});
