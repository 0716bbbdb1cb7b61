import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  exponentialBuckets,
  metricPointSamples,
} from '../../../../workers/metrics-store/metric-point-samples.ts';
import { prometheusMetricName } from '../../../../workers/metrics-store/prometheus-names.ts';
import { exposition } from '../../../../workers/metrics-store/sample.ts';
import { intAttribute, metricPoint, pointTimeMicros, stringAttribute } from './otel-fixtures.ts';

const pointTimeMs = Math.floor(pointTimeMicros / 1000);
const lines = (point: Parameters<typeof metricPointSamples>[0]) => metricPointSamples(point).map(exposition);

test('OTLP names get Prometheus characters, unit words and _total as the compatibility spec says', () => {
  const name = (otel: string, unit: string, counter = false, ratio = false) =>
    prometheusMetricName(otel, { unit, counter, ratio });
  assert.equal(name('http.server.request.duration', 's'), 'http_server_request_duration_seconds');
  assert.equal(name('system.filesystem.usage', 'By'), 'system_filesystem_usage_bytes');
  assert.equal(name('system.network.io', 'By', true), 'system_network_io_bytes_total');
  assert.equal(name('system.network.dropped', '{packets}', true), 'system_network_dropped_total');
  assert.equal(name('requests_total', '1', true), 'requests_total', 'never _total_total');
  assert.equal(name('request_duration_seconds', 's'), 'request_duration_seconds', 'unit not said twice');
  assert.equal(name('system.memory.utilization', '1', false, true), 'system_memory_utilization_ratio');
  assert.equal(name('network.throughput', 'By/s'), 'network_throughput_bytes_per_second');
  assert.equal(name('queue.size', 'items'), 'queue_size_items');
  assert.equal(name('2xx.responses', ''), '_2xx_responses');
});

test('a gauge becomes one sample at the point time with attributes, job, instance and scope labels', () => {
  const point = metricPoint({
    metric_name: 'process.cpu.utilization',
    metric_unit: '1',
    value_double: 0.25,
    attributes: [stringAttribute('cpu.mode', 'user'), intAttribute('cpu', 3)],
  });
  assert.deepEqual(lines(point), [
    `process_cpu_utilization_ratio{cpu="3",cpu_mode="user",instance="pod-7",job="shop/checkout",otel_scope_name="shop-meter",otel_scope_version="1.2.0"} 0.25 ${pointTimeMs}`,
    `target_info{deployment_environment="prod",instance="pod-7",job="shop/checkout"} 1 ${pointTimeMs}`,
  ]);
});

test('only a monotonic cumulative sum is a counter; a delta or non-monotonic sum keeps its name', () => {
  const sum = (temporality: string, monotonic: boolean) =>
    metricPointSamples(
      metricPoint({
        metric_name: 'http.requests',
        metric_type: 'SUM',
        aggregation_temporality: temporality,
        is_monotonic: monotonic,
        value_int: 42,
      }),
    )[0];
  assert.equal(sum('CUMULATIVE', true)?.name, 'http_requests_total');
  assert.equal(sum('CUMULATIVE', true)?.value, 42);
  assert.equal(sum('DELTA', true)?.name, 'http_requests');
  assert.equal(sum('CUMULATIVE', false)?.name, 'http_requests');
});

test('a histogram becomes cumulative _bucket series with le, then _sum and _count', () => {
  const point = metricPoint({
    metric_type: 'HISTOGRAM',
    aggregation_temporality: 'CUMULATIVE',
    metric_unit: 's',
    explicit_bounds: [0.1, 0.5, 1],
    bucket_counts: [3, 5, 1, 2],
    count: 11,
    sum: 6.5,
  });
  const byName = metricPointSamples(point)
    .filter((sample) => sample.name !== 'target_info')
    .map((sample) => [sample.name, sample.labels.le ?? '', sample.value]);
  assert.deepEqual(byName, [
    ['http_server_request_duration_seconds_bucket', '0.1', 3],
    ['http_server_request_duration_seconds_bucket', '0.5', 8],
    ['http_server_request_duration_seconds_bucket', '1', 9],
    ['http_server_request_duration_seconds_bucket', '+Inf', 11],
    ['http_server_request_duration_seconds_sum', '', 6.5],
    ['http_server_request_duration_seconds_count', '', 11],
  ]);
});

test('an exponential histogram gets cumulative le buckets from its scale and offsets', () => {
  // scale 0: base 2; positive index 1 holds (2, 4], index 2 holds (4, 8]; negative index 0 holds [-2, -1).
  const buckets = exponentialBuckets(
    {
      scale: 0,
      zero_count: 1,
      zero_threshold: 0,
      positive_offset: 1,
      positive_bucket_counts: [2, 3],
      negative_offset: 0,
      negative_bucket_counts: [4],
    },
    10,
  );
  assert.deepEqual(buckets, [
    { le: -1, count: 4 },
    { le: 0, count: 5 },
    { le: 4, count: 7 },
    { le: 8, count: 10 },
    { le: Number.POSITIVE_INFINITY, count: 10 },
  ]);
});

test('a summary becomes quantile series, _sum and _count', () => {
  const point = metricPoint({
    metric_name: 'rpc.latency',
    metric_type: 'SUMMARY',
    metric_unit: 'ms',
    quantile_values: [
      { quantile: 0.5, value: 12 },
      { quantile: 0.99, value: 80 },
    ],
    count: 100,
    sum: 1500,
  });
  const byName = metricPointSamples(point)
    .filter((sample) => sample.name !== 'target_info')
    .map((sample) => [sample.name, sample.labels.quantile ?? '', sample.value]);
  assert.deepEqual(byName, [
    ['rpc_latency_milliseconds', '0.5', 12],
    ['rpc_latency_milliseconds', '0.99', 80],
    ['rpc_latency_milliseconds_sum', '', 1500],
    ['rpc_latency_milliseconds_count', '', 100],
  ]);
});

test('a point flagged "no recorded value" writes nothing', () => {
  assert.deepEqual(metricPointSamples(metricPoint({ flags: 1, value_double: 1 })), []);
});

test('attribute keys that sanitise to the same label have their values joined in key order', () => {
  const [sample] = metricPointSamples(
    metricPoint({
      value_int: 1,
      attributes: [stringAttribute('a/b', 'second'), stringAttribute('a.b', 'first')],
    }),
  );
  assert.equal(sample?.labels.a_b, 'first;second');
});

test('label values are escaped in the text format', () => {
  const [line] = lines(metricPoint({ value_int: 1, attributes: [stringAttribute('path', 'a"b\\c\nd')] }));
  assert.match(line ?? '', /path="a\\"b\\\\c\\nd"/);
});
