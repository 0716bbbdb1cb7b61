// The Alerta client against a stand-in server: exact requests, and how each answer is classified.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { PoisonRecordError } from '../../../../topics/poison-record.ts';
import { alertOf } from '../../../../workers/alerta-forwarder/alert-body.ts';
import { AlertaStatusError, createAlertaClient } from '../../../../workers/alerta-forwarder/alerta-client.ts';
import { forwarderOptions } from '../../../../workers/alerta-forwarder/forwarder-options.ts';
import { classifyFailure } from '../../../../workers/failures.ts';
import { slowEvent } from './event-fixtures.ts';

const received: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> = [];
let answer: { status: number; body: string } | 'never' = { status: 201, body: '' };
const hanging: ServerResponse[] = [];
const server = createServer((incoming: IncomingMessage, response) => {
  let body = '';
  incoming.on('data', (chunk: Buffer) => {
    body += chunk.toString('utf8');
  });
  incoming.on('end', () => {
    received.push({
      method: incoming.method ?? '',
      url: incoming.url ?? '',
      headers: incoming.headers,
      body,
    });
    if (answer === 'never') hanging.push(response);
    else response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
});
let baseUrl = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
after(() => {
  for (const response of hanging) response.destroy();
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  received.length = 0;
  answer = { status: 201, body: '{"status":"ok","id":"a1b2"}' };
});

function client(overrides: { requestTimeoutMs?: number; url?: string } = {}) {
  return createAlertaClient(
    forwarderOptions({ url: overrides.url ?? baseUrl, apiKey: 's3cret', ...overrides }),
  );
}

test('an alert is POSTed to /alert as JSON with the API key, and the id Alerta gave is returned', async () => {
  const alerta = client();
  const alert = alertOf(slowEvent, forwarderOptions({ url: baseUrl, apiKey: 's3cret' }));
  assert.equal(await alerta.sendAlert(alert), 'a1b2');
  await alerta.close();
  assert.equal(received.length, 1);
  const [request] = received;
  assert.equal(request?.method, 'POST');
  assert.equal(request?.url, '/api/alert');
  assert.equal(request?.headers.authorization, 'Key s3cret');
  assert.equal(request?.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(request?.body ?? ''), alert);
});

test('a refusal (400, 403) is poison: the alert will never be accepted', async () => {
  const alerta = client();
  for (const status of [400, 403]) {
    answer = { status, body: '{"status":"error","message":"[POLICY] Alert environment does not match"}' };
    const error = await alerta
      .sendAlert(alertOf(slowEvent, forwarderOptions({ url: baseUrl, apiKey: 'k' })))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof PoisonRecordError, `status ${status}`);
    assert.match(error.message, /Alerta answered \d+: .*environment does not match/);
    assert.equal(classifyFailure(error), 'poison');
  }
  await alerta.close();
});

test('a server error and a rate limit (429) are transient', async () => {
  const alerta = client();
  for (const status of [500, 503, 429]) {
    answer = { status, body: 'busy' };
    const error = await alerta
      .sendAlert(alertOf(slowEvent, forwarderOptions({ url: baseUrl, apiKey: 'k' })))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof AlertaStatusError, `status ${status}`);
    assert.equal(error.status, status);
    assert.equal(classifyFailure(error), 'transient');
  }
  await alerta.close();
});

test('Alerta unreachable is transient', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const alerta = client({ url: `http://127.0.0.1:${port}/api` });
  const error = await alerta
    .sendAlert(alertOf(slowEvent, forwarderOptions({ url: baseUrl, apiKey: 'k' })))
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  await alerta.close();
  assert.notEqual(error, undefined);
  assert.equal(classifyFailure(error), 'transient');
});

test('Alerta that never answers fails after the request timeout, as transient', async () => {
  answer = 'never';
  const alerta = client({ requestTimeoutMs: 200 });
  const error = await alerta
    .sendAlert(alertOf(slowEvent, forwarderOptions({ url: baseUrl, apiKey: 'k' })))
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  await alerta.close();
  assert.notEqual(error, undefined);
  assert.equal(classifyFailure(error), 'transient');
  assert.equal(received.length, 1);
});
