// Decoding and mapping of OTLP requests: what the official exporters send in protobuf and in JSON
// maps to the same records, the OTLP/JSON rules are followed, and bad records are refused one by one.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, ValueType } from '@opentelemetry/api';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import {
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  decodeRequest,
  encodingOf,
  OtlpDecodeError,
  OtlpLimitError,
} from '../../../ingest-gateway/otlp/decode.ts';

/** No record limit: these tests are about mapping (the limits have tests of their own). */
const unlimited = {
  maxRecordsPerRequest: Number.MAX_SAFE_INTEGER,
  maxValuesPerRequest: Number.MAX_SAFE_INTEGER,
};

import { logRecordsFromRequest } from '../../../ingest-gateway/otlp/log-mapping.ts';
import { metricPointsFromRequest, seriesId } from '../../../ingest-gateway/otlp/metric-mapping.ts';
import { otlpTypes } from '../../../ingest-gateway/otlp/protobuf-types.ts';
import { spansFromRequest } from '../../../ingest-gateway/otlp/trace-mapping.ts';
import { otelLogRecordSchema, otelMetricPointSchema, otelSpanSchema } from '../../../schemas/index.ts';

/** Bodies the official exporters sent, by path and encoding (inflated). */
const captured: Array<{ path: string; contentType: string; body: Buffer }> = [];
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const raw = Buffer.concat(chunks);
    const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    const contentType = request.headers['content-type'] ?? '';
    captured.push({ path: request.url ?? '', contentType, body });
    response.writeHead(200, { 'content-type': contentType });
    response.end(contentType.startsWith('application/json') ? '{}' : '');
  });
});
let baseUrl = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const receivedAt = new Date('2026-11-23T04:00:00Z');
const resource = resourceFromAttributes({ 'service.name': 'checkout', 'host.cpu.count': 4 });

function bodiesOf(path: string) {
  const json = captured.filter((entry) => entry.path === path && encodingOf(entry.contentType) === 'json');
  const proto = captured.filter(
    (entry) => entry.path === path && encodingOf(entry.contentType) === 'protobuf',
  );
  assert.equal(json.length, 1, `one JSON body on ${path}`);
  assert.equal(proto.length, 1, `one protobuf body on ${path}`);
  return { json: json[0]?.body as Buffer, proto: proto[0]?.body as Buffer };
}

/** Both exporters of a signal, the protobuf one gzip-compressed. */
const exporterOptions = (path: string, compress: boolean) => ({
  url: `${baseUrl}${path}`,
  ...(compress ? { compression: 'gzip' as never } : {}),
});

test('spans exported by the official protobuf and JSON exporters map to the same valid records', async () => {
  const provider = new TracerProvider({
    resource,
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new ProtoTraceExporter(exporterOptions('/v1/traces', true)) }),
      new BatchSpanProcessor({ exporter: new JsonTraceExporter(exporterOptions('/v1/traces', false)) }),
    ],
  });
  const tracer = provider.getTracer('unit', '9.9.9');
  const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER, attributes: { big: 2 ** 40, f: 1.5 } });
  const child = tracer.startSpan(
    'child',
    { kind: SpanKind.PRODUCER, attributes: { list: [1, 2, 3], flag: true, s: 'x' } },
    trace.setSpan(ROOT_CONTEXT, parent),
  );
  child.addEvent('event', { n: 1 });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  child.end();
  parent.end();
  await provider.forceFlush();
  await provider.shutdown();

  const { json, proto } = bodiesOf('/v1/traces');
  const fromJson = spansFromRequest(
    decodeRequest(otlpTypes.traceRequest, json, 'json', unlimited),
    receivedAt,
  );
  const fromProto = spansFromRequest(
    decodeRequest(otlpTypes.traceRequest, proto, 'protobuf', unlimited),
    receivedAt,
  );
  assert.equal(fromProto.records.length, 2);
  assert.equal(fromProto.rejections.count, 0);
  assert.deepEqual(fromJson, fromProto);
  const childRecord = fromProto.records.find((entry) => entry.record.name === 'child')?.record;
  assert.equal(childRecord?.parent_span_id, parent.spanContext().spanId);
  assert.equal(childRecord?.kind, 'PRODUCER');
  assert.equal(childRecord?.status_code, 'ERROR');
  assert.equal(childRecord?.service_name, 'checkout');
  for (const { record } of fromProto.records) assert.ok(otelSpanSchema.avroType.isValid(record));
});

test('metric points exported by both official exporters map to the same valid records', async () => {
  const proto = new ProtoMetricExporter(exporterOptions('/v1/metrics', true));
  const json = new JsonMetricExporter(exporterOptions('/v1/metrics', false));
  // One collection handed to both exporters, so both carry the same timestamps.
  const both: PushMetricExporter = {
    export(metrics, done) {
      let pending = 2;
      const finish = (result: Parameters<typeof done>[0]) => {
        pending -= 1;
        if (pending === 0) done(result);
      };
      proto.export(metrics, finish);
      json.export(metrics, finish);
    },
    forceFlush: async () => {
      await Promise.all([proto.forceFlush(), json.forceFlush()]);
    },
    shutdown: async () => {
      await Promise.all([proto.shutdown(), json.shutdown()]);
    },
  };
  const reader = new PeriodicExportingMetricReader({ exporter: both, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource,
    readers: [reader],
    views: [{ instrumentName: 'exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('unit-metrics');
  meter.createCounter('count', { valueType: ValueType.INT }).add(3, { a: 'b' });
  meter.createHistogram('hist', { advice: { explicitBucketBoundaries: [1, 2] } }).record(1.5);
  meter.createHistogram('exp').record(3);
  meter.createGauge('gauge').record(-0.5);
  await provider.forceFlush();
  // Read before shutdown, which exports once more.
  const bodies = bodiesOf('/v1/metrics');
  await provider.shutdown();

  const fromJson = metricPointsFromRequest(
    decodeRequest(otlpTypes.metricsRequest, bodies.json, 'json', unlimited),
    receivedAt,
  );
  const fromProto = metricPointsFromRequest(
    decodeRequest(otlpTypes.metricsRequest, bodies.proto, 'protobuf', unlimited),
    receivedAt,
  );
  assert.equal(fromProto.records.length, 4);
  assert.deepEqual(fromJson, fromProto);
  const byName = (name: string) =>
    fromProto.records.find((entry) => entry.record.metric_name === name)?.record;
  assert.equal(byName('count')?.value_int, 3);
  assert.deepEqual(byName('hist')?.bucket_counts, [0, 1, 0]);
  assert.equal(
    byName('exp')?.exponential?.positive_bucket_counts.reduce((a, b) => a + b, 0),
    1,
  );
  assert.equal(byName('gauge')?.value_double, -0.5);
  for (const { record } of fromProto.records) assert.ok(otelMetricPointSchema.avroType.isValid(record));
});

test('log records exported by both official exporters map to the same valid records', async () => {
  const provider = new LoggerProvider({
    resource,
    processors: [
      new BatchLogRecordProcessor({ exporter: new ProtoLogExporter(exporterOptions('/v1/logs', true)) }),
      new BatchLogRecordProcessor({ exporter: new JsonLogExporter(exporterOptions('/v1/logs', false)) }),
    ],
  });
  const logger = provider.getLogger('unit-logs');
  logger.emit({ severityNumber: 17, severityText: 'ERROR', body: { bytes: new Uint8Array([1, 2]), n: 1 } });
  logger.emit({ severityNumber: 9, body: 'plain' });
  await provider.forceFlush();
  await provider.shutdown();

  const bodies = bodiesOf('/v1/logs');
  const fromJson = logRecordsFromRequest(
    decodeRequest(otlpTypes.logsRequest, bodies.json, 'json', unlimited),
    receivedAt,
  );
  const fromProto = logRecordsFromRequest(
    decodeRequest(otlpTypes.logsRequest, bodies.proto, 'protobuf', unlimited),
    receivedAt,
  );
  assert.equal(fromProto.records.length, 2);
  assert.deepEqual(fromJson, fromProto);
  assert.deepEqual(
    fromProto.records[0]?.record.body?.kvlist_value?.[0]?.value.bytes_value,
    Buffer.from([1, 2]),
    'bytes are base64 in JSON, raw in protobuf',
  );
  assert.equal(fromProto.records[0]?.key, 'checkout');
  for (const { record } of fromProto.records) assert.ok(otelLogRecordSchema.avroType.isValid(record));
});

const traceHex = '5b8efff798038103d269b633813fc60c';
const spanHex = 'eee19b7ec3c1b174';

function protoTraces(span: Record<string, unknown>): Buffer {
  const request = otlpTypes.traceRequest.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
  return Buffer.from(otlpTypes.traceRequest.encode(request).finish());
}

const jsonTraces = (span: Record<string, unknown>) =>
  Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }));

test('OTLP/JSON: hex ids, 64-bit integers as strings or numbers, enum integers or names, proto field names', () => {
  const fromProto = spansFromRequest(
    decodeRequest(
      otlpTypes.traceRequest,
      protoTraces({
        traceId: Buffer.from(traceHex, 'hex'),
        spanId: Buffer.from(spanHex, 'hex'),
        name: 'n',
        kind: 3,
        startTimeUnixNano: '1763870000123456789',
        endTimeUnixNano: '1763870000223456789',
        attributes: [{ key: 'i', value: { intValue: '9007199254740993' } }],
      }),
      'protobuf',
      unlimited,
    ),
    receivedAt,
  );
  const variants = [
    {
      traceId: traceHex.toUpperCase(),
      spanId: spanHex,
      name: 'n',
      kind: 3,
      startTimeUnixNano: '1763870000123456789',
      endTimeUnixNano: '1763870000223456789',
      attributes: [{ key: 'i', value: { intValue: '9007199254740993' } }],
    },
    {
      trace_id: traceHex,
      span_id: spanHex,
      name: 'n',
      kind: 'SPAN_KIND_CLIENT',
      start_time_unix_nano: '1763870000123456789',
      end_time_unix_nano: '1763870000223456789',
      attributes: [{ key: 'i', value: { int_value: '9007199254740993' } }],
      unknownField: { ignored: true },
    },
  ];
  for (const span of variants) {
    const fromJson = spansFromRequest(
      decodeRequest(otlpTypes.traceRequest, jsonTraces(span), 'json', unlimited),
      receivedAt,
    );
    assert.deepEqual(fromJson, fromProto);
  }
  const record = fromProto.records[0]?.record;
  assert.equal(record?.trace_id, traceHex);
  assert.equal(record?.kind, 'CLIENT');
  assert.equal(record?.start_time_unix_micros, 1763870000123456, 'nanoseconds → microseconds, cut off');
  assert.equal(
    record?.attributes[0]?.value.string_value,
    '9007199254740993',
    'an integer beyond 2^53 keeps its digits',
  );
  // A number is accepted for a 64-bit field too.
  const numeric = spansFromRequest(
    decodeRequest(
      otlpTypes.traceRequest,
      jsonTraces({ traceId: traceHex, spanId: spanHex, startTimeUnixNano: 1_000_000 }),
      'json',
      unlimited,
    ),
    receivedAt,
  );
  assert.equal(numeric.records[0]?.record.start_time_unix_micros, 1000);
  const bigNumber = spansFromRequest(
    decodeRequest(
      otlpTypes.traceRequest,
      Buffer.from(
        `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${traceHex}","spanId":"${spanHex}","startTimeUnixNano":1763870000123456789}]}]}]}`,
      ),
      'json',
      unlimited,
    ),
    receivedAt,
  );
  assert.equal(bigNumber.records[0]?.record.start_time_unix_micros, 1763870000123456);
});

test('spans with missing, short, all-zero or non-hex ids are refused one by one with their path', () => {
  const spans = [
    { traceId: traceHex, spanId: spanHex, name: 'ok' },
    { traceId: '', spanId: spanHex },
    { traceId: traceHex.slice(0, 30), spanId: spanHex },
    { traceId: '0'.repeat(32), spanId: spanHex },
    { traceId: traceHex, spanId: 'xyz' },
    { traceId: traceHex, spanId: spanHex, parentSpanId: 'abcd' },
  ];
  const body = Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] }));
  const mapped = spansFromRequest(decodeRequest(otlpTypes.traceRequest, body, 'json', unlimited), receivedAt);
  assert.deepEqual(
    mapped.records.map((entry) => entry.record.name),
    ['ok'],
  );
  assert.equal(mapped.rejections.count, 5);
  const summary = mapped.rejections.summary();
  assert.match(summary, /^5 rejected: /);
  assert.match(summary, /spans\[1\]: traceId must be 16 bytes, got 0/);
  assert.match(summary, /spans\[2\]: traceId must be 16 bytes, got 15/);
  assert.match(summary, /spans\[3\]: traceId is all zeros/);
  assert.match(summary, /spans\[4\]: spanId "xyz" is not hex/);
  assert.match(summary, /spans\[5\]: parentSpanId must be 8 bytes, got 2/);
});

test('metric points that break the data model are refused; the rest of the metric is kept', () => {
  const body = Buffer.from(
    JSON.stringify({
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'h',
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [
                      { timeUnixNano: '5000', count: '3', bucketCounts: ['1', '2'], explicitBounds: [1] },
                      { timeUnixNano: '5000', count: '3', bucketCounts: ['1', '2'], explicitBounds: [1, 2] },
                    ],
                  },
                },
                { name: '', gauge: { dataPoints: [{ asDouble: 1 }, { asDouble: 2 }] } },
                { name: 'g', gauge: { dataPoints: [{ timeUnixNano: '7000' }, { flags: 1 }] } },
              ],
            },
          ],
        },
      ],
    }),
  );
  const mapped = metricPointsFromRequest(
    decodeRequest(otlpTypes.metricsRequest, body, 'json', unlimited),
    receivedAt,
  );
  assert.equal(mapped.records.length, 2);
  assert.deepEqual(mapped.records[0]?.record.bucket_counts, [1, 2]);
  assert.equal(mapped.records[0]?.record.aggregation_temporality, 'DELTA');
  assert.equal(mapped.records[1]?.record.flags, 1, 'a no-recorded-value point is kept without a value');
  assert.equal(mapped.rejections.count, 4);
  assert.match(mapped.rejections.summary(), /dataPoints\[1\]: 2 bucket counts for 2 bounds/);
  assert.match(mapped.rejections.summary(), /metrics\[1\]: the metric has no name/);
  assert.match(
    mapped.rejections.summary(),
    /gauge\.dataPoints\[0\]: the point has neither asDouble nor asInt/,
  );
});

test('the series id depends on name, resource and point attributes, not on their order', () => {
  const attribute = (key: string, value: string) => ({
    key,
    value: {
      string_value: value,
      bool_value: null,
      int_value: null,
      double_value: null,
      bytes_value: null,
      array_value: null,
      kvlist_value: null,
    },
  });
  const resourceAttributes = [attribute('service.name', 's'), attribute('host', 'h')];
  const id = seriesId('m', resourceAttributes, [attribute('a', '1'), attribute('b', '2')]);
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.equal(
    id,
    seriesId('m', [...resourceAttributes].reverse(), [attribute('b', '2'), attribute('a', '1')]),
  );
  assert.notEqual(id, seriesId('m2', resourceAttributes, [attribute('a', '1'), attribute('b', '2')]));
  assert.notEqual(id, seriesId('m', resourceAttributes, [attribute('a', '1'), attribute('b', '3')]));
  assert.notEqual(
    id,
    seriesId('m', [attribute('service.name', 't')], [attribute('a', '1'), attribute('b', '2')]),
  );
});

test('bodies that cannot be decoded at all are refused as a whole', () => {
  const valid = protoTraces({ traceId: Buffer.from(traceHex, 'hex'), spanId: Buffer.from(spanHex, 'hex') });
  assert.throws(
    () => decodeRequest(otlpTypes.traceRequest, valid.subarray(0, valid.length - 3), 'protobuf', unlimited),
    OtlpDecodeError,
  );
  for (const body of [
    '{"resourceSpans": [',
    '[]',
    '{"resourceSpans": {}}',
    '{"resourceSpans": [{"scopeSpans": [{"spans": [{"kind": "NOPE"}]}]}]}',
  ]) {
    assert.throws(
      () => decodeRequest(otlpTypes.traceRequest, Buffer.from(body), 'json', unlimited),
      OtlpDecodeError,
      body,
    );
  }
  assert.deepEqual(
    spansFromRequest(
      decodeRequest(otlpTypes.traceRequest, Buffer.alloc(0), 'protobuf', unlimited),
      receivedAt,
    ).records,
    [],
  );
});

test('content types: protobuf and JSON with parameters, nothing else', () => {
  assert.equal(encodingOf('application/x-protobuf'), 'protobuf');
  assert.equal(encodingOf('Application/JSON; charset=utf-8'), 'json');
  assert.equal(encodingOf('text/plain'), undefined);
  assert.equal(encodingOf(undefined), undefined);
});

test('OTLP/JSON log severity may be given by its enum name or its number', () => {
  const receivedAt = new Date('2026-11-20T10:00:00Z');
  const body = (severityNumber: unknown) =>
    Buffer.from(
      JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
            scopeLogs: [
              {
                logRecords: [
                  { timeUnixNano: '1763632800000000000', severityNumber, body: { stringValue: 'x' } },
                ],
              },
            ],
          },
        ],
      }),
    );
  const severityOf = (severityNumber: unknown) =>
    logRecordsFromRequest(
      decodeRequest(otlpTypes.logsRequest, body(severityNumber), 'json', unlimited),
      receivedAt,
    ).records[0]?.record.severity_number;
  assert.equal(severityOf('SEVERITY_NUMBER_ERROR'), 17);
  assert.equal(severityOf(17), 17);
  assert.equal(severityOf('SEVERITY_NUMBER_WARN2'), 14);
});

test('exemplars and resource entity references are decoded and counted in both encodings, and carried by no record', () => {
  const point = { timeUnixNano: '1763632800000000000', asDouble: 2.5 };
  const metrics = (withExtras: boolean, ids: (hex: string) => unknown) => ({
    resourceMetrics: [
      {
        resource: {
          attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }],
          ...(withExtras ? { entityRefs: [{ type: 'service', idKeys: ['service.name'] }] } : {}),
        },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'latency',
                gauge: {
                  dataPoints: [
                    withExtras
                      ? {
                          ...point,
                          exemplars: [
                            {
                              timeUnixNano: '1763632800000000000',
                              asDouble: 2.5,
                              traceId: ids('5b8efff798038103d269b633813fc60c'),
                              spanId: ids('eee19b7ec3c1b174'),
                              filteredAttributes: [{ key: 'user', value: { stringValue: 'u1' } }],
                            },
                          ],
                        }
                      : point,
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  });
  const bodies = (withExtras: boolean) => ({
    json: Buffer.from(JSON.stringify(metrics(withExtras, (hex) => hex))),
    protobuf: Buffer.from(
      otlpTypes.metricsRequest
        .encode(otlpTypes.metricsRequest.fromObject(metrics(withExtras, (hex) => Buffer.from(hex, 'hex'))))
        .finish(),
    ),
  });
  const limit = (maxValuesPerRequest: number) => ({ maxRecordsPerRequest: 10, maxValuesPerRequest });
  for (const encoding of ['json', 'protobuf'] as const) {
    const plain = bodies(false)[encoding];
    const extras = bodies(true)[encoding];
    const records = (body: Buffer) =>
      metricPointsFromRequest(decodeRequest(otlpTypes.metricsRequest, body, encoding, unlimited), receivedAt)
        .records;
    assert.deepEqual(records(extras), records(plain), encoding);
    assert.equal(records(plain).length, 1);
    // The fewest messages the request without them needs: with them it is over that limit.
    let fewest = 1;
    while (overLimit(() => decodeRequest(otlpTypes.metricsRequest, plain, encoding, limit(fewest)))) fewest++;
    assert.throws(
      () => decodeRequest(otlpTypes.metricsRequest, extras, encoding, limit(fewest)),
      /max_values_per_request/,
      encoding,
    );
  }
});

function overLimit(decode: () => unknown): boolean {
  try {
    decode();
    return false;
  } catch (error) {
    if (error instanceof OtlpLimitError) return true;
    throw error;
  }
}
