import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  exponentialBound,
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

test('no attribute can set __name__, a __ label or a label PrimoART derives: they are renamed', () => {
  const reasons: string[] = [];
  const [sample] = metricPointSamples(
    metricPoint({
      metric_name: 'queue.depth',
      value_int: 0,
      attributes: [
        stringAttribute('__name__', 'primoart_synth_run_status'),
        stringAttribute('__tenant_id__', 'other'),
        stringAttribute('_private', 'x'),
        stringAttribute('job', 'gateway'),
        stringAttribute('instance', '127.0.0.1:18080'),
        stringAttribute('le', '+Inf'),
      ],
    }),
    (reason, count = 1) => reasons.push(`${reason}×${count}`),
  );
  assert.equal(sample?.name, 'queue_depth');
  assert.deepEqual(sample?.labels, {
    key__name__: 'primoart_synth_run_status',
    key__tenant_id__: 'other',
    key_private: 'x',
    exported_job: 'gateway',
    exported_instance: '127.0.0.1:18080',
    exported_le: '+Inf',
    otel_scope_name: 'shop-meter',
    otel_scope_version: '1.2.0',
    job: 'shop/checkout',
    instance: 'pod-7',
  });
  assert.deepEqual(reasons, ['reserved_label_renamed×6']);
});

test('a client metric named like ours (up, primoart_*, scrape_*, target_info) gets otel_ in front', () => {
  const reasons: string[] = [];
  const named = (metric_name: string) =>
    metricPointSamples(metricPoint({ metric_name, value_int: 0 }), (reason) => reasons.push(reason))[0]?.name;
  assert.equal(named('up'), 'otel_up');
  assert.equal(named('primoart_synth_run_status'), 'otel_primoart_synth_run_status');
  assert.equal(named('primoart.worker.lag'), 'otel_primoart_worker_lag');
  assert.equal(named('scrape_duration_seconds'), 'otel_scrape_duration_seconds');
  assert.equal(named('target_info'), 'otel_target_info');
  assert.equal(named('uptime'), 'uptime');
  assert.equal(reasons.length, 5);
  assert.equal(
    prometheusMetricName('primoart', { unit: 's', counter: false, ratio: false }),
    'otel_primoart_seconds',
  );
});

test('a resource attribute cannot overwrite job or instance of target_info either', () => {
  const samples = metricPointSamples(
    metricPoint({
      value_int: 1,
      resource: {
        attributes: [stringAttribute('service.name', 'checkout'), stringAttribute('job', 'gateway')],
        dropped_attributes_count: 0,
        schema_url: '',
      },
    }),
  );
  const info = samples.find((sample) => sample.name === 'target_info');
  assert.equal(info?.labels.job, 'checkout');
  assert.equal(info?.labels.exported_job, 'gateway');
});

test('exponential bounds are exact powers of two at every scale, so one bound is one le', () => {
  assert.equal(exponentialBound(0, 10), 1024);
  assert.equal(exponentialBound(3, 80), 1024);
  assert.equal(exponentialBound(8, 2560), 1024);
  assert.equal(exponentialBound(20, 10 * 2 ** 20), 1024);
  assert.equal(exponentialBound(-2, 3), 4096);
  assert.equal(exponentialBound(3, 4), exponentialBound(2, 2), 'the same bound from two scales');
  const les = (scale: number, offset: number) =>
    metricPointSamples(
      metricPoint({
        metric_type: 'EXPONENTIAL_HISTOGRAM',
        count: 1,
        exponential: {
          scale,
          zero_count: 0,
          zero_threshold: 0,
          positive_offset: offset,
          positive_bucket_counts: [1],
          negative_offset: 0,
          negative_bucket_counts: [],
        },
      }),
    )
      .map((sample) => sample.labels.le)
      .filter((le) => le !== undefined);
  assert.deepEqual(les(3, 79), ['0', '1024', '+Inf']);
  assert.deepEqual(les(8, 2559), ['0', '1024', '+Inf']);
});

test('NaN and ±Inf inside an array attribute keep their names in the label value', () => {
  const attribute = stringAttribute('samples', '');
  attribute.value.string_value = null;
  attribute.value.array_value = [Number.NaN, Number.POSITIVE_INFINITY].map((double_value) => ({
    ...stringAttribute('', '').value,
    string_value: null,
    double_value,
  }));
  const [sample] = metricPointSamples(metricPoint({ value_int: 1, attributes: [attribute] }));
  assert.equal(sample?.labels.samples, '["NaN","Infinity"]');
});

test('a service named like one of our processes gets otel/ in its job, so it cannot pass for it', () => {
  const reasons: string[] = [];
  const samples = metricPointSamples(
    metricPoint({
      metric_name: 'process.resident.memory',
      metric_unit: 'By',
      value_int: 1,
      resource: {
        attributes: [
          stringAttribute('service.name', 'gateway'),
          stringAttribute('service.instance.id', '127.0.0.1:18080'),
        ],
        dropped_attributes_count: 0,
        schema_url: '',
      },
    }),
    (reason) => reasons.push(reason),
    new Set(['gateway', 'metrics-store']),
  );
  assert.deepEqual(
    samples.map((sample) => [sample.name, sample.labels.job]),
    [
      ['process_resident_memory_bytes', 'otel/gateway'],
      ['target_info', 'otel/gateway'],
    ],
  );
  assert.deepEqual(reasons, ['reserved_job_renamed']);
});
