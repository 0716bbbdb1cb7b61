// The OTLP/HTTP endpoints with publishers of the test's own: the answer waits for Kafka's
// acknowledgement, Kafka trouble is a 503 with Retry-After, refused records are partial success,
// and the body limit counts inflated bytes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import express from 'express';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createKeyStore, sha256Hex } from '../../../ingest-gateway/api-keys.ts';
import { createTopicPublisher, type TopicPublisher } from '../../../ingest-gateway/otlp/otel-publisher.ts';
import type { OtelLogRecord, OtelSpanRecord } from '../../../ingest-gateway/otlp/otel-records.ts';
import { otlpApi } from '../../../ingest-gateway/otlp/otlp-api.ts';
import { otlpTypes } from '../../../ingest-gateway/otlp/protobuf-types.ts';
import { KafkaUnavailableError } from '../../../ingest-gateway/publisher.ts';
import { topics } from '../../../topics/catalog.ts';
import type { ValueCodec } from '../../../topics/codec.ts';
import type { OutgoingMessage, Producer } from '../../../topics/port.ts';

/** What the fake span publisher does with the next request. */
let nextPublish: (
  records: Array<{ key: string; record: OtelSpanRecord }>,
) => ReturnType<TopicPublisher<OtelSpanRecord>['publish']> = async (records) => ({
  published: records.length,
  refused: [],
});
const sentToKafka: OutgoingMessage[][] = [];

const otlpKey = 'otlp-secret';
const robotKey = 'robot-secret';
const bodyLimitBytes = 64 * 1024;
let server: Server;
let baseUrl = '';

/** A log publisher over a fake producer and a codec that makes one record too large for the topic. */
const logCodec: ValueCodec<OtelLogRecord> = {
  schemaId: 1,
  encode: async (record) =>
    Buffer.alloc(record.severity_text === 'HUGE' ? topics.otelLogs.maxMessageBytes : 10, 1),
  decode: async () => {
    throw new Error('not used');
  },
};
const fakeProducer: Producer = {
  async send(batches) {
    sentToKafka.push(batches.flatMap((batch) => batch.messages));
    return [];
  },
  disconnect: async () => {},
};

before(async () => {
  const app = express();
  app.use(
    otlpApi({
      keys: createKeyStore([
        { name: 'otlp', sha256: sha256Hex(otlpKey), scopes: ['otlp:write'] },
        { name: 'robot', sha256: sha256Hex(robotKey), scopes: ['results:write'] },
      ]),
      publishers: {
        spans: { publish: (records) => nextPublish(records) },
        metrics: { publish: async (records) => ({ published: records.length, refused: [] }) },
        logs: createTopicPublisher({
          producer: fakeProducer,
          topic: topics.otelLogs,
          codec: logCodec,
          timeoutMs: 1000,
        }),
      },
      bodyLimitBytes,
      logger: pino({ level: 'silent' }),
      metrics: new Registry(),
      retryAfterSeconds: 7,
    }),
  );
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function protoSpans(count: number): Buffer {
  const traceId = randomBytes(16);
  const spans = Array.from({ length: count }, () => ({ traceId, spanId: randomBytes(8), name: 's' }));
  const request = otlpTypes.traceRequest.fromObject({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
  return Buffer.from(otlpTypes.traceRequest.encode(request).finish());
}

async function post(path: string, body: Buffer | string, headers: Record<string, string> = {}) {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${otlpKey}`, 'content-type': 'application/x-protobuf', ...headers },
    body,
  });
  return {
    status: response.status,
    headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}

const decodeStatus = (body: Buffer) =>
  otlpTypes.status.toObject(otlpTypes.status.decode(body)) as { code: number; message: string };

test('the answer comes only after the publisher resolved (Kafka acknowledged)', async () => {
  const events: string[] = [];
  let acknowledge: () => void = () => {};
  let published: () => void = () => {};
  const publishCalled = new Promise<void>((resolve) => {
    published = resolve;
  });
  nextPublish = (records) =>
    new Promise((resolve) => {
      acknowledge = () => {
        events.push('acknowledged');
        resolve({ published: records.length, refused: [] });
      };
      published();
    });
  const response = post('/v1/traces', protoSpans(2)).then((result) => {
    events.push('answered');
    return result;
  });
  await publishCalled;
  // Give a premature answer every chance to arrive first.
  await new Promise((resolve) => setTimeout(resolve, 200));
  acknowledge();
  const { status, body } = await response;
  assert.deepEqual(events, ['acknowledged', 'answered']);
  assert.equal(status, 200);
  assert.equal(body.length, 0, 'full success: an empty ExportTraceServiceResponse');
});

test('Kafka not acknowledging is a 503 with Retry-After and an UNAVAILABLE Status', async () => {
  nextPublish = async () => {
    throw new KafkaUnavailableError('no acknowledgement within 10000 ms');
  };
  const { status, headers, body } = await post('/v1/traces', protoSpans(1));
  assert.equal(status, 503);
  assert.equal(headers.get('retry-after'), '7');
  assert.equal(headers.get('content-type'), 'application/x-protobuf');
  assert.deepEqual(decodeStatus(body).code, 14);
});

test('a JSON request gets its errors as JSON', async () => {
  nextPublish = async () => {
    throw new KafkaUnavailableError('down');
  };
  const body = JSON.stringify({
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) }] }] }],
  });
  const response = await post('/v1/traces', body, { 'content-type': 'application/json' });
  assert.equal(response.status, 503);
  assert.equal(JSON.parse(response.body.toString()).code, 14);
});

test('records the publisher refuses (too large for the topic) are counted in partialSuccess', async () => {
  sentToKafka.length = 0;
  const request = otlpTypes.logsRequest.fromObject({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeLogs: [{ logRecords: [{ severityText: 'HUGE' }, { severityText: 'INFO' }] }],
      },
    ],
  });
  const { status, body } = await post(
    '/v1/logs',
    Buffer.from(otlpTypes.logsRequest.encode(request).finish()),
  );
  assert.equal(status, 200);
  const answer = otlpTypes.logsResponse.toObject(otlpTypes.logsResponse.decode(body), { longs: String }) as {
    partialSuccess: { rejectedLogRecords: string; errorMessage: string };
  };
  assert.equal(answer.partialSuccess.rejectedLogRecords, '1');
  assert.match(answer.partialSuccess.errorMessage, /record 0: is \d+ bytes encoded, over/);
  assert.equal(sentToKafka.flat().length, 1, 'the other record was published');
  assert.equal(sentToKafka[0]?.[0]?.key, 'svc');
});

test('the body limit applies to the inflated size; within it gzip is accepted', async () => {
  const accepted = await post('/v1/metrics', gzipSync(Buffer.alloc(0)), { 'content-encoding': 'gzip' });
  assert.equal(accepted.status, 200);
  const bomb = gzipSync(Buffer.alloc(bodyLimitBytes + 1));
  assert.ok(bomb.length < bodyLimitBytes / 10);
  const refused = await post('/v1/metrics', bomb, { 'content-encoding': 'gzip' });
  assert.equal(refused.status, 413);
  assert.equal(decodeStatus(refused.body).code, 8);
  const plain = await post('/v1/metrics', Buffer.alloc(bodyLimitBytes + 1));
  assert.equal(plain.status, 413);
});

test('unsupported content types and encodings are 415; a key without otlp:write is 403', async () => {
  assert.equal((await post('/v1/logs', 'x', { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await post('/v1/logs', 'x', { 'content-encoding': 'compress' })).status, 415);
  assert.equal((await post('/v1/logs', protoSpans(1), { authorization: `Bearer ${robotKey}` })).status, 403);
  assert.equal((await post('/v1/logs', protoSpans(1), { authorization: 'Bearer nope' })).status, 401);
});
