// The VictoriaLogs writer against a stand-in server: what it sends, and how each answer is taken.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { classifyFailure } from '../../../../workers/failures.ts';
import type { LogEntry } from '../../../../workers/logs-store/log-entries.ts';
import { createVictoriaLogsWriter } from '../../../../workers/logs-store/victoria-logs-writer.ts';

const received: Array<{ url: string; contentType: string; body: string }> = [];
let answer = { status: 200, body: '' };
const server = createServer((request: IncomingMessage, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => {
    body += chunk.toString('utf8');
  });
  request.on('end', () => {
    received.push({ url: request.url ?? '', contentType: request.headers['content-type'] ?? '', body });
    response.writeHead(answer.status).end(answer.body);
  });
});
let baseUrl = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received.length = 0;
  answer = { status: 200, body: '' };
});

const entries: LogEntry[] = [
  { _time: '2026-11-23T04:00:00Z', _msg: 'first', entry_id: 'a', kind: 'robot.log', service: 'webshop' },
  { _time: '2026-11-23T04:00:01Z', _msg: 'second\nline', entry_id: 'b', kind: 'robot.log' },
];

test('entries are sent as NDJSON with a content type VictoriaLogs stores, and the field roles named', async () => {
  const writer = createVictoriaLogsWriter({ url: baseUrl });
  await writer.write(entries);
  await writer.close();
  assert.equal(received.length, 1);
  const [request] = received;
  assert.equal(request?.contentType, 'application/stream+json');
  const url = new URL(request?.url ?? '', baseUrl);
  assert.equal(url.pathname, '/insert/jsonline');
  assert.equal(url.searchParams.get('_stream_fields'), 'kind,service,environment,robot,transaction');
  assert.equal(url.searchParams.get('_msg_field'), '_msg');
  assert.equal(url.searchParams.get('_time_field'), '_time');
  const lines = request?.body.split('\n') ?? [];
  assert.equal(lines.at(-1), '', 'the body ends with a newline');
  assert.deepEqual(
    lines.slice(0, -1).map((line) => JSON.parse(line)),
    entries,
  );
});

test('nothing is sent for an empty batch', async () => {
  const writer = createVictoriaLogsWriter({ url: baseUrl });
  await writer.write([]);
  await writer.close();
  assert.equal(received.length, 0);
});

test('a 5xx answer fails the write as transient (retried, never dropped)', async () => {
  answer = { status: 503, body: 'storage is read-only' };
  const writer = createVictoriaLogsWriter({ url: baseUrl });
  const error = await writer.write(entries).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  await writer.close();
  assert.ok(error instanceof Error);
  assert.match(error.message, /503.*read-only/);
  assert.equal(classifyFailure(error), 'transient');
});

test('a 400 answer is about the data: poison, so the harness can find the record', async () => {
  answer = { status: 400, body: 'cannot parse JSON line' };
  const writer = createVictoriaLogsWriter({ url: baseUrl });
  const error = await writer.write(entries).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  await writer.close();
  assert.equal(classifyFailure(error), 'poison');
});

test('an unreachable VictoriaLogs fails the write as transient', async () => {
  const writer = createVictoriaLogsWriter({ url: 'http://127.0.0.1:9' });
  const error = await writer.write(entries).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  await writer.close();
  assert.ok(error !== undefined);
  assert.equal(classifyFailure(error), 'transient');
});
