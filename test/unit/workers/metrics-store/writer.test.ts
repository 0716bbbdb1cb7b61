import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { classifyFailure } from '../../../../workers/failures.ts';
import { victoriaMetricsWriter } from '../../../../workers/metrics-store/writer.ts';

interface Received {
  path: string;
  body: string;
}

/** A stand-in VictoriaMetrics answering every import with `status`. */
async function fakeVictoriaMetrics(status: number) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', body });
      res.statusCode = status;
      res.end(status === 204 ? undefined : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url, received };
}

const sample = { name: 'primoart_test_value', labels: { a: 'x' }, value: 2, timestampMs: 1_700_000_000_000 };

test('samples are posted as Prometheus text lines and the write resolves on 204', async () => {
  const vm = await fakeVictoriaMetrics(204);
  const writer = victoriaMetricsWriter({ url: vm.url });
  await writer.write([sample, { ...sample, value: Number.POSITIVE_INFINITY }]);
  await writer.close();
  assert.deepEqual(vm.received, [
    {
      path: '/api/v1/import/prometheus',
      body: 'primoart_test_value{a="x"} 2 1700000000000\nprimoart_test_value{a="x"} +Inf 1700000000000\n',
    },
  ]);
});

test('a 503 rejects as a transient failure (retried, never dead-lettered)', async () => {
  const vm = await fakeVictoriaMetrics(503);
  const writer = victoriaMetricsWriter({ url: vm.url });
  const error = await writer.write([sample]).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  await writer.close();
  assert.ok(error instanceof Error);
  assert.match(error.message, /503/);
  assert.equal(classifyFailure(error), 'transient');
});

test('a 400 rejects as poison: the data itself was refused', async () => {
  const vm = await fakeVictoriaMetrics(400);
  const writer = victoriaMetricsWriter({ url: vm.url });
  const error = await writer.write([sample]).catch((failure: unknown) => failure);
  await writer.close();
  assert.equal(classifyFailure(error), 'poison');
});

test('VictoriaMetrics unreachable rejects as transient', async () => {
  const vm = await fakeVictoriaMetrics(204);
  const writer = victoriaMetricsWriter({ url: `${vm.url.replace(/:\d+$/, ':1')}` });
  const error = await writer.write([sample]).catch((failure: unknown) => failure);
  await writer.close();
  assert.ok(error instanceof Error);
  assert.equal(classifyFailure(error), 'transient');
});

test('an empty batch sends nothing', async () => {
  const vm = await fakeVictoriaMetrics(204);
  const writer = victoriaMetricsWriter({ url: vm.url });
  await writer.write([]);
  await writer.close();
  assert.deepEqual(vm.received, []);
});
