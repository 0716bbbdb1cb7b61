// The OTLP/HTTP endpoints with the real decoder threads and publishers of the test's own: the
// answer waits for Kafka's acknowledgement, Kafka trouble is a 503 with Retry-After, refused
// records are partial success, every error answer (authentication and rate limits included) is a
// Status in the request's encoding, every Content-Encoding the Collector sends is read, and the
// body limit counts decoded bytes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync, zstdCompressSync } from 'node:zlib';
import express from 'express';
import pino from 'pino';
import { Registry } from 'prom-client';
import { compressSync as snappyCompress } from 'snappy';
import { sha256Hex } from '../../../core/sha256.ts';
import { createKeyStore } from '../../../ingest-gateway/api-keys.ts';
import { createDecodePool, type OtlpDecoder } from '../../../ingest-gateway/otlp/decode-pool.ts';
import { createTopicPublisher, type TopicPublisher } from '../../../ingest-gateway/otlp/otel-publisher.ts';
import { otlpApi } from '../../../ingest-gateway/otlp/otlp-api.ts';
import { otlpTypes } from '../../../ingest-gateway/otlp/protobuf-types.ts';
import { unpackRecords } from '../../../ingest-gateway/otlp/request-processing.ts';
import { apiKeyIdHeader } from '../../../ingest-gateway/provenance.ts';
import { KafkaUnavailableError } from '../../../ingest-gateway/publisher.ts';
import { topics } from '../../../topics/catalog.ts';
import type { OutgoingMessage, Producer } from '../../../topics/port.ts';

/** What the fake span publisher does with the next request. */
let nextPublish: TopicPublisher['publish'] = async () => {};
const sentToKafka: OutgoingMessage[][] = [];
const publishedMetrics: number[] = [];

const otlpKey = 'otlp-secret';
const robotKey = 'robot-secret';
const limitedKey = 'limited-secret';
const bodyLimitBytes = 64 * 1024;
const maxRecordsPerRequest = 500;
/** Log records above this many bytes encoded are refused (the topic's size, made small). */
const maxLogValueBytes = 2000;
let server: Server;
let decoder: OtlpDecoder;
let baseUrl = '';

const fakeProducer: Producer = {
  async send(batches) {
    sentToKafka.push(batches.flatMap((batch) => batch.messages));
    return [];
  },
  disconnect: async () => {},
};

before(async () => {
  decoder = await createDecodePool({
    threads: 1,
    maxQueue: 16,
    processor: {
      limits: { maxRecordsPerRequest, maxValuesPerRequest: 5000, maxRequestRecordBytes: 1024 * 1024 },
      encodings: {
        traces: { schema: topics.otelSpans.valueSchema.schema, schemaId: 11, maxValueBytes: 100_000 },
        metrics: { schema: topics.otelMetrics.valueSchema.schema, schemaId: 12, maxValueBytes: 100_000 },
        logs: { schema: topics.otelLogs.valueSchema.schema, schemaId: 13, maxValueBytes: maxLogValueBytes },
      },
    },
  });
  const app = express();
  app.use(
    otlpApi({
      keys: createKeyStore(
        [
          { name: 'otlp', sha256: sha256Hex(otlpKey), scopes: ['otlp:write'] },
          { name: 'robot', sha256: sha256Hex(robotKey), scopes: ['results:write'] },
          { name: 'limited', sha256: sha256Hex(limitedKey), scopes: ['otlp:write'] },
        ],
        {
          limits: {
            // The 'limited' key is always over its limit; the others have room for 100 records a request.
            admit: (key) =>
              key.name === 'limited' ? { allowed: false, retryAfterSeconds: 3 } : { allowed: true },
            take: (_key, records) =>
              records > 100 ? { allowed: false, retryAfterSeconds: 4 } : { allowed: true },
            charge: () => {},
          },
        },
      ),
      publishers: {
        traces: { publish: (packed, provenance) => nextPublish(packed, provenance) },
        metrics: {
          publish: async (packed) => {
            publishedMetrics.push([...unpackRecords(packed)].length);
          },
        },
        logs: createTopicPublisher({ producer: fakeProducer, topic: topics.otelLogs, timeoutMs: 1000 }),
      },
      decoder,
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
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await decoder.close();
});

function protoSpans(count: number): Buffer {
  const traceId = randomBytes(16);
  const spans = Array.from({ length: count }, () => ({ traceId, spanId: randomBytes(8), name: 's' }));
  const request = otlpTypes.traceRequest.fromObject({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
  return Buffer.from(otlpTypes.traceRequest.encode(request).finish());
}

function protoGauge(points: number): Buffer {
  const dataPoints = Array.from({ length: points }, (_, i) => ({ asDouble: i, timeUnixNano: '1' }));
  const request = otlpTypes.metricsRequest.fromObject({
    resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints } }] }] }],
  });
  return Buffer.from(otlpTypes.metricsRequest.encode(request).finish());
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
  let records = 0;
  nextPublish = (packed) =>
    new Promise((resolve) => {
      records = [...unpackRecords(packed)].length;
      acknowledge = () => {
        events.push('acknowledged');
        resolve();
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
  assert.equal(records, 2);
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

test('a record too large for its topic is counted in partialSuccess; the others are published', async () => {
  sentToKafka.length = 0;
  const request = otlpTypes.logsRequest.fromObject({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeLogs: [
          {
            logRecords: [
              { severityText: 'HUGE', body: { stringValue: 'x'.repeat(maxLogValueBytes) } },
              { severityText: 'INFO' },
            ],
          },
        ],
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
  assert.match(answer.partialSuccess.errorMessage, /record 0: is \d+ bytes encoded, over the 2000/);
  assert.equal(sentToKafka.flat().length, 1, 'the other record was published');
  assert.equal(String(sentToKafka[0]?.[0]?.key), 'svc');
  // The value is in the Confluent wire format with the schema id the decoder was given.
  assert.equal(sentToKafka[0]?.[0]?.value?.readInt32BE(1), 13);
  assert.deepEqual(
    sentToKafka[0]?.[0]?.headers,
    { [apiKeyIdHeader]: 'config:otlp' },
    'names the key that sent it',
  );
});

test('the key counts: a record whose service.name makes key and value too large together is refused', async () => {
  sentToKafka.length = 0;
  // The value holds the name twice (~1,800 bytes, under the 2,000 limit); with the key it is over.
  const service = 's'.repeat(900);
  const request = otlpTypes.logsRequest.fromObject({
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeLogs: [{ logRecords: [{ severityText: 'INFO', body: { stringValue: 'hello' } }] }],
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
  assert.match(answer.partialSuccess.errorMessage, /over the 2000 a record may be \(key included\)/);
  assert.equal(sentToKafka.flat().length, 0);
});

test('over the records- or values-per-request limit is 413 naming the limit, and nothing is published', async () => {
  publishedMetrics.length = 0;
  const refused = await post('/v1/metrics', protoGauge(maxRecordsPerRequest + 1));
  assert.equal(refused.status, 413);
  const status = decodeStatus(refused.body);
  assert.equal(status.code, 8);
  assert.match(status.message, /more than 500 .*max_records_per_request/);
  const json = JSON.stringify({
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              { name: 'g', gauge: { dataPoints: Array.from({ length: 501 }, () => ({ asDouble: 1 })) } },
            ],
          },
        ],
      },
    ],
  });
  const refusedJson = await post('/v1/metrics', json, { 'content-type': 'application/json' });
  assert.equal(refusedJson.status, 413);
  assert.match(JSON.parse(refusedJson.body.toString()).message, /max_records_per_request/);
  assert.deepEqual(publishedMetrics, []);
  // 3,000 attributes are 6,000 messages, over this gateway's 5,000.
  const attributes = Array.from({ length: 3000 }, (_, i) => ({ key: `k${i}`, value: { boolValue: true } }));
  const manyValues = otlpTypes.traceRequest.encode(
    otlpTypes.traceRequest.fromObject({
      resourceSpans: [
        { scopeSpans: [{ spans: [{ traceId: randomBytes(16), spanId: randomBytes(8), attributes }] }] },
      ],
    }),
  );
  const refusedValues = await post('/v1/traces', Buffer.from(manyValues.finish()));
  assert.equal(refusedValues.status, 413);
  assert.match(decodeStatus(refusedValues.body).message, /more than 5000 messages .*max_values_per_request/);
  // At the limit (and within the key's rate limit of this test) it goes through.
  assert.equal((await post('/v1/metrics', protoGauge(100))).status, 200);
  assert.deepEqual(publishedMetrics, [100]);
});

test('authentication and rate-limit refusals are Status messages in the request encoding', async () => {
  const missing = await post('/v1/traces', protoSpans(1), { authorization: '' });
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('content-type'), 'application/x-protobuf');
  assert.equal(decodeStatus(missing.body).code, 16);
  assert.match(decodeStatus(missing.body).message, /missing API key/);

  const unknown = await post('/v1/traces', '{}', {
    authorization: 'Bearer nope',
    'content-type': 'application/json',
  });
  assert.equal(unknown.status, 401);
  assert.deepEqual(JSON.parse(unknown.body.toString()), { code: 16, message: 'unknown or revoked API key' });

  const scope = await post('/v1/logs', protoSpans(1), { authorization: `Bearer ${robotKey}` });
  assert.equal(scope.status, 403);
  assert.equal(decodeStatus(scope.body).code, 7);

  const limited = await post('/v1/logs', protoSpans(1), { authorization: `Bearer ${limitedKey}` });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '3');
  assert.equal(decodeStatus(limited.body).code, 8);

  // Over the key's record budget once the body is counted: 429 in protobuf, nothing published.
  publishedMetrics.length = 0;
  const overBudget = await post('/v1/metrics', protoGauge(101));
  assert.equal(overBudget.status, 429);
  assert.equal(overBudget.headers.get('retry-after'), '4');
  assert.equal(decodeStatus(overBudget.body).code, 8);
  assert.deepEqual(publishedMetrics, []);
});

test('snappy (block format, as the Collector sends it), zstd, gzip, deflate and br bodies are read', async () => {
  for (const [encoding, compress] of [
    ['snappy', (body: Buffer) => snappyCompress(body)],
    ['zstd', (body: Buffer) => zstdCompressSync(body)],
    ['gzip', (body: Buffer) => gzipSync(body)],
    ['deflate', (body: Buffer) => deflateSync(body)],
    ['br', (body: Buffer) => brotliCompressSync(body)],
  ] as const) {
    publishedMetrics.length = 0;
    const answer = await post('/v1/metrics', compress(protoGauge(3)), { 'content-encoding': encoding });
    assert.equal(answer.status, 200, encoding);
    assert.deepEqual(publishedMetrics, [3], encoding);
  }
});

test('the body limit applies to the decoded size in every encoding (bombs stop at the limit)', async () => {
  const accepted = await post('/v1/metrics', gzipSync(Buffer.alloc(0)), { 'content-encoding': 'gzip' });
  assert.equal(accepted.status, 200);
  for (const [encoding, compress] of [
    ['gzip', (body: Buffer) => gzipSync(body)],
    ['zstd', (body: Buffer) => zstdCompressSync(body)],
    ['snappy', (body: Buffer) => snappyCompress(body)],
  ] as const) {
    const bomb = compress(Buffer.alloc(bodyLimitBytes + 1));
    assert.ok(bomb.length < bodyLimitBytes / 10);
    const refused = await post('/v1/metrics', bomb, { 'content-encoding': encoding });
    assert.equal(refused.status, 413, encoding);
    assert.equal(decodeStatus(refused.body).code, 8, encoding);
  }
  const plain = await post('/v1/metrics', Buffer.alloc(bodyLimitBytes + 1));
  assert.equal(plain.status, 413);
});

test('a snappy body that does not decode is 400; framed snappy and unknown encodings are 415', async () => {
  const corrupt = await post('/v1/metrics', Buffer.from([0x05, 0xff, 0xff]), {
    'content-encoding': 'snappy',
  });
  assert.equal(corrupt.status, 400);
  assert.match(decodeStatus(corrupt.body).message, /snappy/);
  const framed = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);
  assert.equal((await post('/v1/metrics', framed, { 'content-encoding': 'snappy' })).status, 415);
  assert.equal((await post('/v1/metrics', framed, { 'content-encoding': 'x-snappy-framed' })).status, 415);
  const unknown = await post('/v1/logs', 'x', { 'content-encoding': 'compress' });
  assert.equal(unknown.status, 415);
  assert.match(decodeStatus(unknown.body).message, /snappy/);
  assert.equal((await post('/v1/logs', 'x', { 'content-type': 'text/plain' })).status, 415);
});

test('malformed bodies are 400 with the reason: wrong wire type, too deep, truncated', async () => {
  const wrongWireType = await post('/v1/traces', Buffer.from([0x08, 0x05]));
  assert.equal(wrongWireType.status, 400);
  assert.match(decodeStatus(wrongWireType.body).message, /resourceSpans.*wire type varint/);
  const truncated = await post('/v1/traces', protoSpans(2).subarray(0, 20));
  assert.equal(truncated.status, 400);
  for (const depth of [33, 47]) {
    const deep = await post('/v1/traces', nestedAttributeRequest(depth));
    assert.equal(deep.status, 400, `depth ${depth}`);
    assert.match(decodeStatus(deep.body).message, /nest deeper than 32 levels/);
  }
  nextPublish = async () => {};
  assert.equal((await post('/v1/traces', nestedAttributeRequest(32))).status, 200);
});

/** A trace request whose resource attribute value nests `depth` AnyValues (arrays in arrays). */
function nestedAttributeRequest(depth: number): Buffer {
  let value: Record<string, unknown> = { stringValue: 'leaf' };
  for (let level = 1; level < depth; level++) value = { arrayValue: { values: [value] } };
  const request = otlpTypes.traceRequest.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'deep', value }] },
        scopeSpans: [{ spans: [{ traceId: randomBytes(16), spanId: randomBytes(8), name: 's' }] }],
      },
    ],
  });
  return Buffer.from(otlpTypes.traceRequest.encode(request).finish());
}
