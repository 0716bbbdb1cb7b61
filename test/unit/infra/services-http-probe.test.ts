// Readiness over HTTP: only a real 2xx answer with the expected body counts as ready.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { probeHttpOk } from '../../../infra/stack/services/http-probe.ts';

let server: Server;
let base: string;

before(async () => {
  server = createServer((request, response) => {
    if (request.url === '/health') return void response.end('OK');
    if (request.url === '/starting') return void response.writeHead(503).end('FAILED');
    if (request.url === '/other') return void response.end('not yet');
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => server.close());

test('a 2xx answer is ready', async () => {
  assert.equal(await probeHttpOk(`${base}/health`), true);
  assert.equal(await probeHttpOk(`${base}/health`, { bodyContains: 'OK' }), true);
});

test('an error status is not ready', async () => {
  assert.equal(await probeHttpOk(`${base}/starting`), false);
});

test('a 2xx answer without the expected text is not ready', async () => {
  assert.equal(await probeHttpOk(`${base}/other`, { bodyContains: 'OK' }), false);
});

test('nothing listening is not ready, and does not throw', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  assert.equal(await probeHttpOk(`http://127.0.0.1:${port}/health`), false);
});
