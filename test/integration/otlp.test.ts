// The OTLP/HTTP receiver against the real stack: the official OpenTelemetry exporters (HTTP/protobuf
// and HTTP/JSON) export traces, metrics and logs to a gateway of the test's own; the records are
// read back from Kafka and compared field by field with what the SDK exported.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import {
  type Attributes,
  type HrTime,
  ROOT_CONTEXT,
  SeverityNumber,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  ValueType,
} from '@opentelemetry/api';
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
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { compressSync as snappyCompress } from 'snappy';
import { otlpTypes } from '../../ingest-gateway/otlp/protobuf-types.ts';
import type {
  AnyValueRecord,
  KeyValueRecord,
  OtelLogRecord,
  OtelMetricPointRecord,
  OtelSpanRecord,
} from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import { createTopicCodec } from '../../topics/codec.ts';
import type { Consumer } from '../../topics/port.ts';
import {
  kafkaConnection,
  type RunningProcess,
  stack,
  startGroupAtEnd,
  startReady,
  type TestSetup,
  testConfig,
  waitFor,
} from './stack.ts';

interface Received<R> {
  key: string;
  record: R;
}
const received = {
  spans: [] as Array<Received<OtelSpanRecord>>,
  metrics: [] as Array<Received<OtelMetricPointRecord>>,
  logs: [] as Array<Received<OtelLogRecord>>,
};

let setup: TestSetup;
let gateway: RunningProcess;
let reader: Consumer;

before(async () => {
  setup = await testConfig(stack.pgUrl());
  const registryUrl = stack.registryUrl();
  const codecs: Record<string, { decode(buffer: Buffer): Promise<unknown> }> = {
    [topics.otelSpans.name]: await createTopicCodec(registryUrl, topics.otelSpans),
    [topics.otelMetrics.name]: await createTopicCodec(registryUrl, topics.otelMetrics),
    [topics.otelLogs.name]: await createTopicCodec(registryUrl, topics.otelLogs),
  };
  // Read the three topics from their current ends: only what is published from now on.
  const readerGroup = `primoart.it.otlp-reader.${randomUUID().slice(0, 8)}`;
  const otelTopics = [topics.otelSpans.name, topics.otelMetrics.name, topics.otelLogs.name];
  for (const topic of otelTopics) await startGroupAtEnd(readerGroup, topic);
  reader = await kafkaConnection().consumer({
    groupId: readerGroup,
    topics: otelTopics,
    fromBeginning: false,
  });
  const seen = new Set<string>();
  await reader.run(async (batch, control) => {
    for (const message of batch.messages) {
      // The port redelivers what was not committed: each offset is taken once.
      const position = `${batch.topic}/${batch.partition}/${message.offset}`;
      if (message.value === null || seen.has(position)) continue;
      seen.add(position);
      const key = message.key?.toString('utf8') ?? '';
      const codec = codecs[batch.topic];
      assert.ok(codec, `a codec for ${batch.topic}`);
      const record = await codec.decode(message.value);
      if (batch.topic === topics.otelSpans.name)
        received.spans.push({ key, record: record as OtelSpanRecord });
      if (batch.topic === topics.otelMetrics.name) {
        received.metrics.push({ key, record: record as OtelMetricPointRecord });
      }
      if (batch.topic === topics.otelLogs.name) received.logs.push({ key, record: record as OtelLogRecord });
    }
    const last = batch.messages.at(-1);
    if (last !== undefined) await control.commit(String(BigInt(last.offset) + 1n));
  });
  await reader.joined();
  gateway = await startReady(['gateway', '--config.file', setup.configFile], setup.gatewayUrl);
});

after(async () => {
  await reader?.stop();
  await gateway?.stop();
});

/** An OTLP attribute list as the plain JS value the SDK was given. */
function plainValue(value: AnyValueRecord): unknown {
  if (value.string_value !== null) return value.string_value;
  if (value.bool_value !== null) return value.bool_value;
  if (value.int_value !== null) return value.int_value;
  if (value.double_value !== null) return value.double_value;
  if (value.bytes_value !== null) return value.bytes_value;
  if (value.array_value !== null) return value.array_value.map(plainValue);
  if (value.kvlist_value !== null) return plainAttributes(value.kvlist_value);
  return undefined;
}

function plainAttributes(list: KeyValueRecord[]): Record<string, unknown> {
  return Object.fromEntries(list.map(({ key, value }) => [key, plainValue(value)]));
}

const hrMicros = ([seconds, nanos]: HrTime) => seconds * 1_000_000 + Math.floor(nanos / 1000);

const encodings = ['protobuf', 'json'] as const;
type Encoding = (typeof encodings)[number];

function exporterOptions(signal: string, encoding: Encoding) {
  return {
    url: `${setup.gatewayUrl}/v1/${signal}`,
    headers: { Authorization: `Bearer ${setup.apiKey}` },
    // The protobuf exporters send gzip, the JSON ones plain bodies: both paths are exercised.
    ...(encoding === 'protobuf' ? { compression: 'gzip' as never } : {}),
  };
}

function testResource(encoding: Encoding) {
  const serviceName = `otlp-it-${encoding}-${randomUUID().slice(0, 8)}`;
  const attributes: Attributes = {
    'service.name': serviceName,
    'deployment.environment.name': 'integration',
    'host.cpu.count': 2,
  };
  return { serviceName, attributes, resource: resourceFromAttributes(attributes) };
}

describe('the official OpenTelemetry exporters', () => {
  for (const encoding of encodings) {
    test(`HTTP/${encoding} traces arrive as one record per span, field by field`, async () => {
      const { serviceName, attributes: resourceAttributes, resource } = testResource(encoding);
      const memory = new InMemorySpanExporter();
      const exporter =
        encoding === 'protobuf'
          ? new ProtoTraceExporter(exporterOptions('traces', encoding))
          : new JsonTraceExporter(exporterOptions('traces', encoding));
      const provider = new TracerProvider({
        resource,
        spanProcessors: [new BatchSpanProcessor({ exporter }), new SimpleSpanProcessor({ exporter: memory })],
      });
      const tracer = provider.getTracer('primoart-otlp-it', '1.2.3');
      const linked = { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') };
      const parent = tracer.startSpan('GET /checkout', {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200 },
      });
      const child = tracer.startSpan(
        'call payment',
        {
          kind: SpanKind.CLIENT,
          attributes: { attempt: 2, ratio: 0.25, cached: false, tags: ['a', 'b'] },
          links: [
            { context: { ...linked, traceFlags: TraceFlags.SAMPLED }, attributes: { why: 'retry of' } },
          ],
        },
        trace.setSpan(ROOT_CONTEXT, parent),
      );
      child.addEvent('retrying', { 'retry.delay_ms': 150 });
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'payment provider timed out' });
      child.end();
      parent.setStatus({ code: SpanStatusCode.OK });
      parent.end();
      await provider.forceFlush();
      // Read before shutdown: shutting the in-memory exporter down forgets its spans.
      const exported = memory.getFinishedSpans();
      await provider.shutdown();

      assert.equal(exported.length, 2);
      const traceId = parent.spanContext().traceId;
      const records = await waitFor('both spans on the spans topic', async () => {
        const found = received.spans.filter((entry) => entry.record.trace_id === traceId);
        return found.length === 2 ? found : undefined;
      });
      for (const span of exported) {
        const entry = records.find((candidate) => candidate.record.span_id === span.spanContext().spanId);
        assert.ok(entry, `span ${span.name} received`);
        const { key, record } = entry;
        assert.equal(key, traceId, 'keyed by trace id');
        assert.equal(record.trace_id, span.spanContext().traceId);
        assert.equal(record.parent_span_id, span.parentSpanContext?.spanId ?? null);
        assert.equal(record.name, span.name);
        assert.equal(record.kind, SpanKind[span.kind]);
        assert.equal(record.status_code, SpanStatusCode[span.status.code]);
        assert.equal(record.status_message, span.status.message ?? '');
        assert.equal(record.start_time_unix_micros, hrMicros(span.startTime));
        assert.equal(record.end_time_unix_micros, hrMicros(span.endTime));
        assert.deepEqual(plainAttributes(record.attributes), span.attributes);
        assert.deepEqual(
          record.events.map((event) => ({
            name: event.name,
            time: event.time_unix_micros,
            attributes: plainAttributes(event.attributes),
          })),
          span.events.map((event) => ({
            name: event.name,
            time: hrMicros(event.time),
            attributes: event.attributes ?? {},
          })),
        );
        assert.deepEqual(
          record.links.map(({ flags: _flags, ...link }) => ({
            ...link,
            attributes: plainAttributes(link.attributes),
          })),
          span.links.map((link) => ({
            trace_id: link.context.traceId,
            span_id: link.context.spanId,
            trace_state: '',
            attributes: link.attributes ?? {},
            dropped_attributes_count: 0,
          })),
        );
        assert.equal(record.service_name, serviceName);
        assert.deepEqual(plainAttributes(record.resource.attributes), span.resource.attributes);
        assert.equal(
          plainAttributes(record.resource.attributes)['host.cpu.count'],
          resourceAttributes['host.cpu.count'],
        );
        assert.equal(record.scope.name, 'primoart-otlp-it');
        assert.equal(record.scope.version, '1.2.3');
      }
      const child0 = records.find((entry) => entry.record.name === 'call payment')?.record;
      assert.equal(child0?.kind, 'CLIENT');
      assert.equal(child0?.status_code, 'ERROR');
      assert.equal(child0?.parent_span_id, parent.spanContext().spanId);
      assert.equal(child0?.links[0]?.trace_id, linked.traceId);
      // Integers stay integers, fractions doubles, as the SDK typed them.
      const attempt = child0?.attributes.find((a) => a.key === 'attempt')?.value;
      assert.equal(attempt?.int_value, 2);
      assert.equal(child0?.attributes.find((a) => a.key === 'ratio')?.value.double_value, 0.25);
    });

    test(`HTTP/${encoding} metrics arrive as one record per data point, values and buckets intact`, async () => {
      const { serviceName, resource } = testResource(encoding);
      const exporter =
        encoding === 'protobuf'
          ? new ProtoMetricExporter(exporterOptions('metrics', encoding))
          : new JsonMetricExporter(exporterOptions('metrics', encoding));
      // What the reader hands the exporter, kept to compare the records with.
      const exportedBatches: ResourceMetrics[] = [];
      const tee: PushMetricExporter = {
        export(metrics, done) {
          exportedBatches.push(metrics);
          exporter.export(metrics, done);
        },
        forceFlush: () => exporter.forceFlush(),
        shutdown: () => exporter.shutdown(),
        selectAggregationTemporality: (instrumentType) =>
          exporter.selectAggregationTemporality(instrumentType),
      };
      const otlpReader = new PeriodicExportingMetricReader({
        exporter: tee,
        exportIntervalMillis: 3_600_000,
      });
      const provider = new MeterProvider({
        resource,
        readers: [otlpReader],
        views: [
          { instrumentName: 'payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } },
        ],
      });
      const meter = provider.getMeter('primoart-otlp-it-metrics', '4.5.6');
      const requests = meter.createCounter('http.requests', {
        unit: '{request}',
        description: 'requests',
        valueType: ValueType.INT,
      });
      const latency = meter.createHistogram('http.latency', {
        unit: 'ms',
        advice: { explicitBucketBoundaries: [10, 100] },
      });
      const queue = meter.createUpDownCounter('queue.depth');
      const temperature = meter.createGauge('room.temperature', { unit: 'Cel' });
      const payload = meter.createHistogram('payload.size', { unit: 'By' });
      requests.add(5, { route: '/a' });
      requests.add(2, { route: '/a' });
      requests.add(1, { route: '/b' });
      for (const value of [1, 7, 300]) latency.record(value, { route: '/a' });
      queue.add(-3);
      temperature.record(21.5, { room: 'lab' });
      for (const value of [1, 2, 4, 1000]) payload.record(value);
      await provider.forceFlush();

      const points = await waitFor('the data points on the metrics topic', async () => {
        const found = received.metrics.filter((entry) => entry.record.service_name === serviceName);
        return found.length >= 6 ? found : undefined;
      });
      assert.equal(
        points.length,
        6,
        `two counter series, a histogram, an up-down sum, a gauge, an exponential histogram: ${points.map((p) => p.record.metric_name)}`,
      );
      const byName = (name: string, attributes: Record<string, unknown> = {}) => {
        const entry = points.find(
          (candidate) =>
            candidate.record.metric_name === name &&
            JSON.stringify(plainAttributes(candidate.record.attributes)) === JSON.stringify(attributes),
        );
        assert.ok(entry, `a point of ${name} ${JSON.stringify(attributes)}`);
        return entry;
      };

      const exportedMetrics = exportedBatches[0]?.scopeMetrics[0];
      assert.ok(exportedMetrics);
      for (const metric of exportedMetrics.metrics) {
        for (const point of metric.dataPoints) {
          const { key, record } = byName(metric.descriptor.name, point.attributes);
          assert.equal(key, record.series_id, 'keyed by series id');
          assert.equal(record.metric_unit, metric.descriptor.unit);
          assert.equal(record.metric_description, metric.descriptor.description);
          assert.equal(record.time_unix_micros, hrMicros(point.endTime));
          assert.equal(record.scope.name, 'primoart-otlp-it-metrics');
          assert.equal(record.scope.version, '4.5.6');
          assert.equal(plainAttributes(record.resource.attributes)['service.name'], serviceName);
          const value = point.value;
          if (typeof value === 'number') {
            assert.equal(record.value_int ?? record.value_double, value);
          } else if ('buckets' in value && 'boundaries' in value.buckets) {
            assert.equal(record.metric_type, 'HISTOGRAM');
            assert.deepEqual(record.explicit_bounds, value.buckets.boundaries);
            assert.deepEqual(record.bucket_counts, value.buckets.counts);
            assert.equal(record.count, value.count);
            assert.equal(record.sum, value.sum);
            assert.equal(record.min, value.min);
            assert.equal(record.max, value.max);
          } else if ('scale' in value) {
            assert.equal(record.metric_type, 'EXPONENTIAL_HISTOGRAM');
            assert.deepEqual(
              { ...record.exponential },
              {
                scale: value.scale,
                zero_count: value.zeroCount,
                zero_threshold: record.exponential?.zero_threshold,
                positive_offset: value.positive.offset,
                positive_bucket_counts: value.positive.bucketCounts,
                negative_offset: value.negative.offset,
                negative_bucket_counts: value.negative.bucketCounts,
              },
            );
            assert.equal(record.count, value.count);
            assert.equal(record.sum, value.sum);
          }
        }
      }
      // The same numbers, stated plainly.
      const counterA = byName('http.requests', { route: '/a' }).record;
      assert.deepEqual([counterA.metric_type, counterA.value_int, counterA.is_monotonic], ['SUM', 7, true]);
      assert.equal(counterA.aggregation_temporality, 'CUMULATIVE');
      assert.equal(byName('http.requests', { route: '/b' }).record.value_int, 1);
      assert.notEqual(
        byName('http.requests', { route: '/b' }).key,
        byName('http.requests', { route: '/a' }).key,
      );
      const histogram = byName('http.latency', { route: '/a' }).record;
      assert.deepEqual(histogram.bucket_counts, [2, 0, 1]);
      assert.deepEqual([histogram.count, histogram.sum, histogram.min, histogram.max], [3, 308, 1, 300]);
      const gauge = byName('room.temperature', { room: 'lab' }).record;
      assert.deepEqual([gauge.metric_type, gauge.value_double], ['GAUGE', 21.5]);
      const queueDepth = byName('queue.depth').record;
      // Instruments are doubles unless declared INT: this one travels as asDouble.
      assert.deepEqual(
        [queueDepth.value_double, queueDepth.value_int, queueDepth.is_monotonic],
        [-3, null, false],
      );
      assert.equal(byName('payload.size').record.count, 4);

      // A second export of the same series carries the same key (stable series id).
      requests.add(10, { route: '/a' });
      await provider.forceFlush();
      const later = await waitFor('the second export of http.requests /a', async () =>
        received.metrics.find(
          (entry) =>
            entry.record.service_name === serviceName &&
            entry.record.metric_name === 'http.requests' &&
            entry.record.value_int === 17,
        ),
      );
      assert.equal(later.key, byName('http.requests', { route: '/a' }).key);
      await provider.shutdown();
    });

    test(`HTTP/${encoding} logs arrive as one record per log record with body and severity`, async () => {
      const { serviceName, resource } = testResource(encoding);
      const exporter =
        encoding === 'protobuf'
          ? new ProtoLogExporter(exporterOptions('logs', encoding))
          : new JsonLogExporter(exporterOptions('logs', encoding));
      const provider = new LoggerProvider({
        resource,
        processors: [new BatchLogRecordProcessor({ exporter })],
      });
      const logger = provider.getLogger('primoart-otlp-it-logs', '0.1.0');
      const spanContext = {
        traceId: randomBytes(16).toString('hex'),
        spanId: randomBytes(8).toString('hex'),
        traceFlags: TraceFlags.SAMPLED,
      };
      const eventTime = new Date(Date.now() - 5000);
      logger.emit({
        severityNumber: SeverityNumber.WARN,
        severityText: 'WARN',
        body: 'disk almost full',
        attributes: { 'disk.free_bytes': 1024, mount: '/var' },
        timestamp: eventTime,
        context: trace.setSpanContext(ROOT_CONTEXT, spanContext),
      });
      logger.emit({
        severityNumber: SeverityNumber.ERROR,
        body: { order: 'o-17', lines: [1, 2.5, 'three'], nested: { ok: false } },
      });
      await provider.forceFlush();
      await provider.shutdown();

      const records = await waitFor('both log records on the logs topic', async () => {
        const found = received.logs.filter((entry) => entry.record.service_name === serviceName);
        return found.length === 2 ? found : undefined;
      });
      const warn = records.find((entry) => entry.record.severity_number === SeverityNumber.WARN);
      const error = records.find((entry) => entry.record.severity_number === SeverityNumber.ERROR);
      assert.ok(warn && error);
      assert.equal(warn.key, serviceName, 'keyed by service.name');
      assert.equal(warn.record.severity_text, 'WARN');
      assert.equal(warn.record.body?.string_value, 'disk almost full');
      assert.deepEqual(plainAttributes(warn.record.attributes), { 'disk.free_bytes': 1024, mount: '/var' });
      assert.equal(warn.record.time_unix_micros, eventTime.getTime() * 1000);
      assert.ok((warn.record.observed_time_unix_micros ?? 0) >= eventTime.getTime() * 1000);
      assert.equal(warn.record.trace_id, spanContext.traceId);
      assert.equal(warn.record.span_id, spanContext.spanId);
      assert.equal(warn.record.scope.name, 'primoart-otlp-it-logs');
      assert.equal(warn.record.scope.version, '0.1.0');
      assert.equal(error.record.body && plainValue(error.record.body) !== undefined, true);
      assert.deepEqual(error.record.body && plainValue(error.record.body), {
        order: 'o-17',
        lines: [1, 2.5, 'three'],
        nested: { ok: false },
      });
      assert.equal(error.record.trace_id, null);
      assert.equal(
        error.record.time_unix_micros,
        error.record.observed_time_unix_micros,
        'the SDK stamps both',
      );
    });
  }
});

async function post(path: string, body: Buffer | string, headers: Record<string, string>) {
  const response = await fetch(`${setup.gatewayUrl}${path}`, { method: 'POST', headers, body });
  return {
    status: response.status,
    headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}

const auth = () => ({ authorization: `Bearer ${setup.apiKey}` });

/** A span of the gateway's own OTLP/JSON shape. */
function jsonSpan(traceId: string, name: string) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    traceId,
    spanId: randomBytes(8).toString('hex'),
    name,
    kind: 2,
    startTimeUnixNano: String(now - 1_000_000n),
    endTimeUnixNano: String(now),
  };
}

const jsonTraces = (spans: unknown[]) =>
  JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'otlp-it-raw' } }] },
        scopeSpans: [{ spans }],
      },
    ],
  });

describe('refusals', () => {
  test('a truncated protobuf body is answered 400 with a Status and nothing is published', async () => {
    const traceId = randomBytes(16).toString('hex');
    const request = otlpTypes.traceRequest.fromObject({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: ['first', 'second'].map((name) => ({
                traceId: Buffer.from(traceId, 'hex'),
                spanId: randomBytes(8),
                name,
                startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
              })),
            },
          ],
        },
      ],
    });
    const bytes = Buffer.from(otlpTypes.traceRequest.encode(request).finish());
    const truncated = bytes.subarray(0, bytes.length - 7);
    const response = await post('/v1/traces', truncated, {
      ...auth(),
      'content-type': 'application/x-protobuf',
    });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('content-type'), 'application/x-protobuf');
    const status = otlpTypes.status.toObject(otlpTypes.status.decode(response.body)) as { message: string };
    assert.match(status.message, /not a valid ExportTraceServiceRequest/);

    // A later span of the same trace goes to the same partition, after anything the bad request published.
    const sentinel = await post('/v1/traces', jsonTraces([jsonSpan(traceId, 'sentinel')]), {
      ...auth(),
      'content-type': 'application/json',
    });
    assert.equal(sentinel.status, 200);
    await waitFor('the sentinel span', async () =>
      received.spans.some((entry) => entry.record.trace_id === traceId && entry.record.name === 'sentinel'),
    );
    assert.deepEqual(
      received.spans.filter((entry) => entry.record.trace_id === traceId).map((entry) => entry.record.name),
      ['sentinel'],
    );
  });

  test('malformed JSON is answered 400 with a JSON Status', async () => {
    const response = await post('/v1/logs', '{"resourceLogs": [', {
      ...auth(),
      'content-type': 'application/json',
    });
    assert.equal(response.status, 400);
    assert.match(JSON.parse(response.body.toString('utf8')).message, /not valid JSON/);
  });

  test('a JSON request with invalid spans gets partial success; the valid span is published', async () => {
    const traceId = randomBytes(16).toString('hex');
    const good = jsonSpan(traceId, 'good');
    const response = await post(
      '/v1/traces',
      jsonTraces([good, jsonSpan('', 'no trace id'), jsonSpan('not-hex-at-all', 'bad trace id')]),
      { ...auth(), 'content-type': 'application/json' },
    );
    assert.equal(response.status, 200);
    const body = JSON.parse(response.body.toString('utf8'));
    assert.equal(body.partialSuccess.rejectedSpans, '2');
    assert.match(body.partialSuccess.errorMessage, /spans\[1\]: traceId must be 16 bytes, got 0/);
    assert.match(body.partialSuccess.errorMessage, /spans\[2\]: traceId "not-hex-at-all" is not hex/);
    const record = await waitFor('the valid span', async () =>
      received.spans.find((entry) => entry.record.trace_id === traceId),
    );
    assert.equal(record.record.span_id, good.spanId);
    assert.equal(record.record.name, 'good');
  });

  test('a full success answers an empty response in the request encoding', async () => {
    const response = await post('/v1/traces', jsonTraces([jsonSpan(randomBytes(16).toString('hex'), 'ok')]), {
      ...auth(),
      'content-type': 'application/json',
    });
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body.toString('utf8')), {});
  });

  test('another content type is answered 415', async () => {
    const response = await post('/v1/metrics', 'hello', { ...auth(), 'content-type': 'text/plain' });
    assert.equal(response.status, 415);
  });

  test('a request without an API key is answered 401', async () => {
    const response = await post('/v1/traces', jsonTraces([]), { 'content-type': 'application/json' });
    assert.equal(response.status, 401);
  });

  test('a gzip body that inflates past the body limit is answered 413', async () => {
    // 40 MiB of zeros compress to about 40 KiB; the default limit is 32 MiB of inflated body.
    const bomb = gzipSync(Buffer.alloc(40 * 1024 * 1024));
    const response = await post('/v1/logs', bomb, {
      ...auth(),
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    assert.equal(response.status, 413);
  });
});

/** A protobuf trace request: `count` spans of `traceId`, each with an attribute of `padBytes` bytes. */
function protoTrace(traceId: string, count: number, padBytes = 0): Buffer {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId: Buffer.from(traceId, 'hex'),
    spanId: randomBytes(8),
    name: `span-${i}`,
    kind: 2,
    startTimeUnixNano: String(now - 1_000_000n),
    endTimeUnixNano: String(now),
    attributes: padBytes > 0 ? [{ key: 'pad', value: { stringValue: 'p'.repeat(padBytes) } }] : [],
  }));
  const request = otlpTypes.traceRequest.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'otlp-it-issue9' } }] },
        scopeSpans: [{ spans }],
      },
    ],
  });
  return Buffer.from(otlpTypes.traceRequest.encode(request).finish());
}

const protoHeaders = () => ({ ...auth(), 'content-type': 'application/x-protobuf' });
const decodeStatus = (body: Buffer) =>
  otlpTypes.status.toObject(otlpTypes.status.decode(body)) as { code: number; message: string };

/** The varint of a protobuf length. */
function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n >= 0x80) {
    bytes.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/**
 * After a refused request that carried spans of `traceId`: a sentinel span of the same trace (same
 * partition, so after anything the refused request could have published) is the only one there.
 */
async function onlySentinelPublished(traceId: string): Promise<void> {
  const sentinel = await post('/v1/traces', jsonTraces([jsonSpan(traceId, 'sentinel')]), {
    ...auth(),
    'content-type': 'application/json',
  });
  assert.equal(sentinel.status, 200);
  await waitFor('the sentinel span', async () =>
    received.spans.some((entry) => entry.record.trace_id === traceId && entry.record.name === 'sentinel'),
  );
  assert.deepEqual(
    received.spans.filter((entry) => entry.record.trace_id === traceId).map((entry) => entry.record.name),
    ['sentinel'],
  );
}

describe('requests that used to stall, 5xx or be refused (issue 9)', () => {
  test('a 5,000-span trace (over 4 MiB of records, one partition) is accepted and every span reaches the topic', async () => {
    const traceId = randomBytes(16).toString('hex');
    const response = await post('/v1/traces', protoTrace(traceId, 5000, 1000), protoHeaders());
    assert.equal(response.status, 200);
    assert.equal(response.body.length, 0, 'full success');
    await waitFor(
      'all 5,000 spans',
      async () => received.spans.filter((entry) => entry.record.trace_id === traceId).length >= 5000,
      60_000,
    );
    const names = new Set(
      received.spans.filter((entry) => entry.record.trace_id === traceId).map((entry) => entry.record.name),
    );
    assert.equal(names.size, 5000, 'each span once');
  });

  test('snappy (block format) and zstd bodies are accepted and their spans reach Kafka', async () => {
    for (const [encoding, compress] of [
      ['snappy', (body: Buffer) => snappyCompress(body)],
      ['zstd', (body: Buffer) => zstdCompressSync(body)],
    ] as const) {
      const traceId = randomBytes(16).toString('hex');
      const response = await post('/v1/traces', compress(protoTrace(traceId, 3)), {
        ...protoHeaders(),
        'content-encoding': encoding,
      });
      assert.equal(response.status, 200, encoding);
      await waitFor(
        `the ${encoding} spans`,
        async () => received.spans.filter((entry) => entry.record.trace_id === traceId).length === 3,
      );
    }
  });

  test('a protobuf request without a valid key gets 401 as a protobuf Status', async () => {
    const response = await post('/v1/traces', protoTrace(randomBytes(16).toString('hex'), 1), {
      authorization: 'Bearer not-a-key',
      'content-type': 'application/x-protobuf',
    });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('content-type'), 'application/x-protobuf');
    assert.deepEqual(decodeStatus(response.body), { code: 16, message: 'unknown or revoked API key' });
  });

  test('attribute values nested 33 to 47 levels are 400, never 500, and nothing is published', async () => {
    for (const depth of [33, 40, 47]) {
      const traceId = randomBytes(16).toString('hex');
      let value: Record<string, unknown> = { stringValue: 'leaf' };
      for (let level = 1; level < depth; level++) {
        value =
          level % 2 === 0
            ? { arrayValue: { values: [value] } }
            : { kvlistValue: { values: [{ key: 'k', value }] } };
      }
      const body = JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'deep', value }] },
            scopeSpans: [{ spans: [jsonSpan(traceId, 'deep')] }],
          },
        ],
      });
      const response = await post('/v1/traces', body, { ...auth(), 'content-type': 'application/json' });
      assert.equal(response.status, 400, `depth ${depth}`);
      assert.match(JSON.parse(response.body.toString()).message, /nest deeper than 32 levels/);
      if (depth === 47) await onlySentinelPublished(traceId);
    }
  });

  test('a wrong wire type (08 05: a varint where resourceSpans belongs) is 400', async () => {
    const response = await post('/v1/traces', Buffer.from([0x08, 0x05]), protoHeaders());
    assert.equal(response.status, 400);
    assert.match(decodeStatus(response.body).message, /resourceSpans \(1\) has wire type varint/);
  });

  test('a million empty spans after real ones are refused with 413 naming the limit; nothing is published', async () => {
    const traceId = randomBytes(16).toString('hex');
    // The valid spans of the trace first, then 10^6 empty spans in a second scope (2 MB).
    const valid = protoTrace(traceId, 10);
    const emptySpans = Buffer.alloc(2 * 1_000_000);
    for (let i = 0; i < 1_000_000; i++) emptySpans[i * 2] = 0x12; // ScopeSpans.spans, length 0
    const scope = Buffer.concat([Buffer.from([0x12]), varint(emptySpans.length), emptySpans]);
    const resource = Buffer.concat([Buffer.from([0x0a]), varint(scope.length), scope]);
    const started = performance.now();
    const response = await post('/v1/traces', Buffer.concat([valid, resource]), protoHeaders());
    const tookMs = Math.round(performance.now() - started);
    assert.equal(response.status, 413);
    assert.equal(decodeStatus(response.body).code, 8);
    assert.match(decodeStatus(response.body).message, /more than \d+ spans, data points or log records/);
    // Measured, not asserted (the issue saw 12.7 s): the refusal stops at the limit.
    console.log(`# a million empty spans refused in ${tookMs} ms`);
    await onlySentinelPublished(traceId);
  });
});
