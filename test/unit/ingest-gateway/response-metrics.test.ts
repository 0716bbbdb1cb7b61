// The gateway counts its answers by status code: the pipeline-health 5xx rule reads this counter.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import express from 'express';
import { Registry } from 'prom-client';
import { closeServer, listen } from '../../../core/http-server.ts';
import { countResponses } from '../../../ingest-gateway/response-metrics.ts';

test('every answer is counted under its status code, errors included', async () => {
  const registry = new Registry();
  const app = express();
  app.use(countResponses(registry));
  app.get('/ok', (_req, res) => {
    res.send('ok');
  });
  app.get('/unavailable', (_req, res) => {
    res.status(503).send('later');
  });
  app.get('/broken', () => {
    throw new Error('boom');
  });
  const server = await listen(app, '127.0.0.1:0');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    for (const path of ['/ok', '/ok', '/unavailable', '/broken', '/missing'])
      await (await fetch(base + path)).text();
  } finally {
    await closeServer(server);
  }
  const counted = await registry.getSingleMetric('primoart_gateway_http_responses_total')?.get();
  const byCode = Object.fromEntries(counted?.values.map(({ labels, value }) => [labels.code, value]) ?? []);
  assert.deepEqual(byCode, { '200': 2, '503': 1, '500': 1, '404': 1 });
});
