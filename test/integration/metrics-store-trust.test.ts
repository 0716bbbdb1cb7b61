// The metrics-store against the real VictoriaMetrics, for what a client must never be able to do
// and what must never be lost: an OTLP attribute or metric name cannot forge one of our series
// (`__name__`, `up`, `primoart_*`, job/instance); a burst of server spans ending in the same
// millisecond counts every span, and still does after a replay; a point with more attributes than
// VictoriaMetrics keeps is stored (trimmed, counted) instead of ignored. Records are published to
// Kafka as the gateway publishes them (the gateway's own mapping is tested in otlp.test.ts).
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type {
  KeyValueRecord,
  OtelMetricPointRecord,
  OtelSpanRecord,
  ResourceRecord,
} from '../../schemas/record-types.ts';
import { groupLag } from '../../topics/admin.ts';
import { type TopicSpec, topics } from '../../topics/catalog.ts';
import { createTopicCodec } from '../../topics/codec.ts';
import type { Producer } from '../../topics/port.ts';
import { metricPoint, span } from '../unit/workers/metrics-store/otel-fixtures.ts';
import { kafkaConnection, stack, waitFor, withAdmin } from './stack.ts';
import { type StoreWorkerTest, startStoreWorkerTest } from './store-worker.ts';
import { exportedSeries } from './victoria-metrics.ts';

const topicsRead = [
  topics.synthResults.name,
  topics.otelMetrics.name,
  topics.otelSpans.name,
  topics.baselines.name,
];

let store: StoreWorkerTest;
let producer: Producer;

before(async () => {
  store = await startStoreWorkerTest({
    worker: 'metrics-store',
    topicsRead,
    backend: 'victoria-metrics',
    backendName: 'VictoriaMetrics',
  });
  producer = await kafkaConnection().producer();
});

after(async () => {
  await producer?.disconnect();
  await store?.close();
});

async function publish<R>(topic: TopicSpec<R>, records: Array<{ key: string; record: R }>): Promise<void> {
  const codec = await createTopicCodec(stack.registryUrl(), topic);
  const messages = [];
  for (const { key, record } of records) messages.push({ key, value: await codec.encode(record) });
  await producer.send([{ topic: topic.name, messages }]);
}

const suffix = randomUUID().slice(0, 8);
const service = `metrics-trust-${suffix}`;
const nowMs = Date.now() - 30_000;
const text = (key: string, value: string): KeyValueRecord => ({
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
const resource = (...attributes: KeyValueRecord[]): ResourceRecord => ({
  attributes,
  dropped_attributes_count: 0,
  schema_url: '',
});

/** The value of an instant PromQL query that returns one series (or none: undefined). */
async function scalar(expression: string, atMs: number): Promise<number | undefined> {
  const vm = stack.victoriaMetricsUrl();
  await fetch(new URL('/internal/force_flush', vm));
  const params = new URLSearchParams({ query: expression, time: String(atMs / 1000) });
  const body = (await (await fetch(new URL(`/api/v1/query?${params}`, vm))).json()) as {
    data: { result: Array<{ value: [number, string] }> };
  };
  assert.ok(body.data.result.length <= 1, JSON.stringify(body));
  const [series] = body.data.result;
  return series === undefined ? undefined : Number(series.value[1]);
}

/**
 * This test's worker's count for `reason` once it reached `atLeast` (the stack's own metrics-store,
 * when running, may have written the same samples first).
 */
const adjustedReaching = (reason: string, atLeast: number) =>
  store.waitStored(`${reason} to reach ${atLeast}`, async () => {
    const value = await adjusted(reason);
    return value >= atLeast ? value : undefined;
  });

async function adjusted(reason: string): Promise<number> {
  const body = await (await fetch(`${store.setup.metricsStore.url}/metrics`)).text();
  const line = body
    .split('\n')
    .find((candidate) => candidate.startsWith(`primoart_metrics_store_adjusted_total{reason="${reason}"}`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function gauge(
  resourceOf: ResourceRecord,
  metric_name: string,
  value: number,
  attributes: KeyValueRecord[],
): { key: string; record: OtelMetricPointRecord } {
  const record = metricPoint({
    metric_name,
    value_double: value,
    attributes,
    time_unix_micros: nowMs * 1000,
    service_name: service,
    resource: resourceOf,
    scope: { name: '', version: '', attributes: [], dropped_attributes_count: 0, schema_url: '' },
  });
  return { key: randomUUID(), record };
}

test('no OTLP attribute or metric name can forge up, a primoart_* series, job or instance', async () => {
  const forging = resource(text('service.name', service), text('job', 'gateway'));
  await publish(topics.otelMetrics, [
    gauge(forging, 'trust.gauge', 0, [
      text('__name__', 'primoart_synth_run_status'),
      text('__tenant_id__', 'other'),
      text('transaction_id', `forged-${suffix}`),
    ]),
    gauge(forging, 'trust.up', 0, [text('__name__', 'up'), text('job', 'gateway'), text('instance', 'x')]),
    gauge(forging, 'up', 0, [text('marker', suffix)]),
    gauge(forging, 'primoart_synth_run_status', 2, [text('marker', suffix)]),
  ]);
  await store.waitStored(
    'the points in VictoriaMetrics',
    async () => (await exportedSeries(`{job="${service}"}`)).length >= 5,
  );

  const names = (await exportedSeries(`{job="${service}"}`)).map((series) => series.metric.__name__).sort();
  assert.deepEqual(names, [
    'otel_primoart_synth_run_status',
    'otel_up',
    'target_info',
    'trust_gauge',
    'trust_up',
  ]);
  const [forged] = await exportedSeries(`trust_gauge{job="${service}"}`);
  assert.equal(forged?.metric.key__name__, 'primoart_synth_run_status');
  assert.equal(forged?.metric.key__tenant_id__, 'other');
  const [renamedJob] = await exportedSeries(`trust_up{job="${service}"}`);
  assert.equal(renamedJob?.metric.exported_job, 'gateway');
  assert.equal(renamedJob?.metric.exported_instance, 'x');
  const [info] = await exportedSeries(`target_info{job="${service}"}`);
  assert.equal(info?.metric.exported_job, 'gateway', 'a resource attribute cannot set job either');

  // Nothing of this client is in the series our rules and dashboards read.
  assert.deepEqual(await exportedSeries(`up{marker="${suffix}"}`), []);
  assert.deepEqual(await exportedSeries(`{__name__=~"up|primoart_.*",job="${service}"}`), []);
  assert.deepEqual(await exportedSeries(`{__name__=~"up|primoart_.*",exported_job="gateway"}`), []);
  assert.deepEqual(await exportedSeries(`primoart_synth_run_status{transaction_id="forged-${suffix}"}`), []);
  // 2 + 3 point attributes, and the resource's `job` of each of the 4 points.
  assert.ok((await adjustedReaching('reserved_label_renamed', 9)) >= 9);
  assert.ok((await adjustedReaching('reserved_metric_name_renamed', 2)) >= 2);
});

test('a service named like our gateway cannot write series that pass for the gateway process', async () => {
  const instance = `forged-${suffix}`;
  const posing = resource(text('service.name', 'gateway'), text('service.instance.id', instance));
  await publish(topics.otelMetrics, [gauge(posing, 'process.resident.memory', 1, [])]);
  await store.waitStored(
    'the posing point',
    async () => (await exportedSeries(`{instance="${instance}"}`)).length >= 2,
  );
  const series = await exportedSeries(`{instance="${instance}"}`);
  assert.deepEqual(
    series.map((found) => found.metric.job),
    ['otel/gateway', 'otel/gateway'],
  );
  assert.ok((await adjustedReaching('reserved_job_renamed', 1)) >= 1);
});

test('a point with 60 attributes is stored with 39 labels (one a hash of the rest), the rest counted, never ignored', async () => {
  const attributes = Array.from({ length: 60 }, (_, i) =>
    text(`attribute.${String(i).padStart(2, '0')}`, 'v'),
  );
  const droppedBefore = await adjusted('label_over_limit_dropped');
  const wideResource = resource(text('service.name', service), text('service.instance.id', 'i-1'));
  await publish(topics.otelMetrics, [gauge(wideResource, 'trust.wide', 7, attributes)]);
  await store.waitStored(
    'the wide point',
    async () => (await exportedSeries(`trust_wide{job="${service}"}`)).length > 0,
  );
  const [wide] = await exportedSeries(`trust_wide{job="${service}"}`);
  assert.deepEqual(wide?.values, [7]);
  const labels = Object.keys(wide?.metric ?? {});
  assert.equal(labels.length, 40, '__name__ and 39 labels');
  assert.equal(wide?.metric.job, service);
  assert.equal(wide?.metric.instance, 'i-1');
  assert.equal(wide?.metric.attribute_00, 'v');
  const dropped = await adjustedReaching('label_over_limit_dropped', droppedBefore + 1);
  assert.match(wide?.metric.dropped_labels_sha256 ?? '', /^[0-9a-f]{16}$/);
  assert.equal(dropped - droppedBefore, 60 + 2 - 38);
});

const burstService = `${service}-burst`;
const burstEndMs = nowMs - 5000;
const burstCount = `sum(sum_over_time(primoart_span_duration_seconds_count{service="${burstService}"}[1m]))`;

test('a burst of 200 server spans ending in the same millisecond counts 200', async () => {
  const traceId = randomBytes(16).toString('hex');
  // One trace: one partition, as the gateway keys spans by trace id.
  const spans = Array.from({ length: 200 }, (_, i): { key: string; record: OtelSpanRecord } => ({
    key: traceId,
    record: span({
      trace_id: traceId,
      span_id: randomBytes(8).toString('hex'),
      name: 'GET /burst',
      kind: 'SERVER',
      start_time_unix_micros: (burstEndMs - 1 - (i % 7)) * 1000,
      end_time_unix_micros: burstEndMs * 1000,
      status_code: i % 10 === 0 ? 'ERROR' : 'UNSET',
      service_name: burstService,
      resource: resource(text('service.name', burstService)),
    }),
  }));
  await publish(topics.otelSpans, spans);
  await store.waitStored(
    'all 200 spans counted',
    async () => (await scalar(burstCount, burstEndMs + 1000)) === 200,
  );
  assert.equal(
    await scalar(
      `sum(sum_over_time(primoart_span_duration_seconds_count{service="${burstService}",status_code="error"}[1m]))`,
      burstEndMs + 1000,
    ),
    20,
  );
  assert.equal(
    await scalar(
      `sum(sum_over_time(primoart_span_duration_seconds_bucket{service="${burstService}",le="0.01"}[1m]))`,
      burstEndMs + 1000,
    ),
    200,
    'every span took at most 7 ms',
  );
});

test('a replay of the group leaves the burst at 200', async () => {
  const ends = new Map<number, string>();
  await withAdmin(async (admin) => {
    for (const { partition, high } of await admin.topicOffsets(topics.otelSpans.name))
      ends.set(partition, high);
  });
  await store.replayFromStart();
  await waitFor(
    'the replay to pass the burst',
    async () => {
      const lag = await withAdmin((admin) => groupLag(admin, store.groupId, topics.otelSpans.name));
      return [...ends].every(([partition, end]) => {
        const committed = lag.find((entry) => entry.partition === partition)?.committed;
        return committed !== undefined && BigInt(committed) >= BigInt(end);
      });
    },
    90_000,
    500,
  );
  assert.equal(await scalar(burstCount, burstEndMs + 1000), 200);
});
