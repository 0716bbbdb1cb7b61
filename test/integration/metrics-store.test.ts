// The metrics-store against the real stack: a robot result uploaded through a gateway of the
// test's own, OTLP/JSON metric points and spans posted to it, all read back from VictoriaMetrics'
// own query and export APIs; a replay of the group writes every sample again and the raw sample
// count stays the same (same series, same timestamp, same value collapse). A VictoriaMetrics
// outage fails the writes the way a VictoriaLogs outage does (test/unit/workers/metrics-store/
// writer.test.ts: unreachable and 5xx are transient), which victoria-logs-outage.test.ts proves
// end to end and test/unit/workers/harness.test.ts proves for the harness: lag, never loss.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { groupLag } from '../../topics/admin.ts';
import { topics } from '../../topics/catalog.ts';
import { freshResult, stack, type TestSetup, waitFor, withAdmin } from './stack.ts';
import { type StoreWorkerTest, startStoreWorkerTest } from './store-worker.ts';
import { exportedSeries } from './victoria-metrics.ts';

const topicsRead = [
  topics.synthResults.name,
  topics.otelMetrics.name,
  topics.otelSpans.name,
  topics.baselines.name,
];

let store: StoreWorkerTest;
let setup: TestSetup;

before(async () => {
  store = await startStoreWorkerTest({
    worker: 'metrics-store',
    topicsRead,
    backend: 'victoria-metrics',
    backendName: 'VictoriaMetrics',
  });
  setup = store.setup;
});

after(() => store?.close());

const vmUrl = (path: string) => new URL(path, stack.victoriaMetricsUrl()).toString();

const sampleCount = async (selector: string) =>
  (await exportedSeries(selector)).reduce((sum, series) => sum + series.values.length, 0);

/** An instant query through VictoriaMetrics' own PromQL API: label set (without __name__) → value. */
async function query(expression: string, atMs: number): Promise<Map<string, number>> {
  await fetch(vmUrl('/internal/force_flush'));
  const params = new URLSearchParams({ query: expression, time: String(atMs / 1000) });
  const response = await fetch(vmUrl(`/api/v1/query?${params}`));
  const body = (await response.json()) as {
    status: string;
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  assert.equal(body.status, 'success', JSON.stringify(body));
  return new Map(
    body.data.result.map((series) => {
      const { __name__: name, ...labels } = series.metric;
      const key = Object.entries(labels)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([label, value]) => `${label}=${value}`)
        .join(',');
      return [name === undefined ? key : `${name}{${key}}`, Number(series.value[1])];
    }),
  );
}

const nanos = (ms: number) => String(BigInt(ms) * 1_000_000n);
const text = (key: string, value: string) => ({ key, value: { stringValue: value } });

// Unique per run of this file: every query is scoped to these, whatever else VictoriaMetrics holds.
const suffix = randomUUID().slice(0, 8);
const service = `metrics-it-${suffix}`;
const transactionId = randomUUID();
const otelService = `metrics-it-otel-${suffix}`;
const pointTimeMs = Date.now() - 30_000;

/**
 * Every sample this file's first test writes: 9 for the run, 12 for the metric points, and for the
 * spans 3 tallies (each server span ends in a second of its own) of 16 buckets, +Inf, _sum, _count.
 */
const selectors = [
  `{transaction_id="${transactionId}"}`,
  `{job="${otelService}"}`,
  `{__name__=~"primoart_span_duration_seconds_(bucket|sum|count)",service="${otelService}"}`,
];
const expectedSamples = 9 + 12 + 3 * 19;
const totalSamples = async () => {
  let total = 0;
  for (const selector of selectors) total += await sampleCount(selector);
  return total;
};

test('a robot run, OTLP metric points and server spans become the documented series and values', async () => {
  const result = freshResult({
    transaction_id: transactionId,
    transaction_name: 'Metrics IT',
    service,
    project: 'shop',
    robot_id: setup.robotId,
    robot_name: 'robot-metrics-it',
    location: { city: 'Utrecht', country: 'NL' },
    status: 'WARNING',
  });
  result.steps[1].status = 'WARNING';
  await store.uploadAccepted(result);

  const pointAttributes = [text('http.route', '/cart')];
  const point = { attributes: pointAttributes, timeUnixNano: nanos(pointTimeMs) };
  await store.postOtlp('/v1/metrics', {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            text('service.name', otelService),
            text('service.instance.id', 'it-1'),
            text('host.name', 'box-7'),
          ],
        },
        scopeMetrics: [
          {
            scope: { name: 'metrics-it', version: '1.0.0' },
            metrics: [
              { name: 'it.queue.depth', unit: '{items}', gauge: { dataPoints: [{ ...point, asInt: '7' }] } },
              {
                name: 'it.requests',
                unit: '{request}',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [{ ...point, asDouble: 42 }],
                },
              },
              {
                name: 'it.latency',
                unit: 'ms',
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    {
                      ...point,
                      count: '6',
                      sum: 700,
                      explicitBounds: [10, 100],
                      bucketCounts: ['1', '2', '3'],
                    },
                  ],
                },
              },
              {
                name: 'it.payload',
                unit: 'By',
                summary: {
                  dataPoints: [
                    {
                      ...point,
                      count: '10',
                      sum: 2000,
                      quantileValues: [
                        { quantile: 0.5, value: 100 },
                        { quantile: 0.9, value: 900 },
                      ],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  });

  const traceId = randomBytes(16).toString('hex');
  const spanAt = (endMs: number, kind: number, code: number, durationMs: number) => ({
    traceId,
    spanId: randomBytes(8).toString('hex'),
    name: 'GET /cart',
    kind,
    startTimeUnixNano: nanos(endMs - durationMs),
    endTimeUnixNano: nanos(endMs),
    status: { code },
  });
  await store.postOtlp('/v1/traces', {
    resourceSpans: [
      {
        resource: { attributes: [text('service.name', otelService)] },
        scopeSpans: [
          {
            spans: [
              spanAt(pointTimeMs - 3000, 2, 0, 120),
              spanAt(pointTimeMs - 2000, 2, 0, 80),
              spanAt(pointTimeMs - 1000, 2, 2, 500),
              spanAt(pointTimeMs - 500, 3, 0, 50),
            ],
          },
        ],
      },
    ],
  });

  await store.waitStored(
    'every sample in VictoriaMetrics',
    async () => (await totalSamples()) >= expectedSamples,
  );
  assert.equal(await totalSamples(), expectedSamples);

  // The run and its steps, at the run's finish time (both steps end with the run or before).
  const finishedMs = Date.parse(result.finished_at);
  const runLabels = [
    'city=Utrecht',
    'country=NL',
    'environment=test',
    'project=shop',
    'robot=robot-metrics-it',
    `robot_id=${setup.robotId}`,
    `service=${service}`,
    'transaction=Metrics IT',
    `transaction_id=${transactionId}`,
  ];
  const runSeries = await query(`{transaction_id="${transactionId}",step=""}`, finishedMs);
  assert.deepEqual(
    runSeries,
    new Map([
      [`primoart_synth_run_duration_seconds{${runLabels.join(',')}}`, 4],
      [`primoart_synth_run_status{${runLabels.join(',')}}`, 1],
      [`primoart_synth_run_success{${runLabels.join(',')}}`, 0],
    ]),
  );
  const steps = await query(
    `primoart_synth_step_duration_seconds{transaction_id="${transactionId}"}`,
    finishedMs,
  );
  const stepLabels = (index: number, name: string) =>
    [...runLabels, `step=${name}`, `step_index=${index}`].sort().join(',');
  assert.deepEqual(
    steps,
    new Map([
      [`primoart_synth_step_duration_seconds{${stepLabels(0, 'open')}}`, 1.5],
      [`primoart_synth_step_duration_seconds{${stepLabels(1, 'search')}}`, 2.5],
    ]),
  );
  const stepStatus = await query(`primoart_synth_step_status{transaction_id="${transactionId}"}`, finishedMs);
  assert.deepEqual([...stepStatus.values()].sort(), [0, 1]);
  const [runDuration] = await exportedSeries(
    `primoart_synth_run_duration_seconds{transaction_id="${transactionId}"}`,
  );
  assert.deepEqual(runDuration?.timestamps, [finishedMs], 'at the run finish time');

  // OTLP metric points, named after the OpenTelemetry → Prometheus compatibility rules.
  const otelLabels = (extra: string[] = []) =>
    [
      'http_route=/cart',
      'instance=it-1',
      `job=${otelService}`,
      'otel_scope_name=metrics-it',
      'otel_scope_version=1.0.0',
      ...extra,
    ]
      .sort()
      .join(',');
  const points = await query(`{job="${otelService}"}`, pointTimeMs);
  assert.deepEqual(
    points,
    new Map([
      [`it_queue_depth{${otelLabels()}}`, 7],
      [`it_requests_total{${otelLabels()}}`, 42],
      [`it_latency_milliseconds_bucket{${otelLabels(['le=10'])}}`, 1],
      [`it_latency_milliseconds_bucket{${otelLabels(['le=100'])}}`, 3],
      [`it_latency_milliseconds_bucket{${otelLabels(['le=+Inf'])}}`, 6],
      [`it_latency_milliseconds_sum{${otelLabels()}}`, 700],
      [`it_latency_milliseconds_count{${otelLabels()}}`, 6],
      [`it_payload_bytes{${otelLabels(['quantile=0.5'])}}`, 100],
      [`it_payload_bytes{${otelLabels(['quantile=0.9'])}}`, 900],
      [`it_payload_bytes_sum{${otelLabels()}}`, 2000],
      [`it_payload_bytes_count{${otelLabels()}}`, 10],
      [`target_info{host_name=box-7,instance=it-1,job=${otelService}}`, 1],
    ]),
  );
  const latency = await exportedSeries(`it_latency_milliseconds_count{job="${otelService}"}`);
  assert.deepEqual(latency[0]?.timestamps, [pointTimeMs], 'at the point time');

  // RED from the three server spans (the client span is not a request received).
  const red = await query(
    `sum by (status_code) (sum_over_time(primoart_span_duration_seconds_count{service="${otelService}",operation="GET /cart",span_kind="server"}[1m]))`,
    pointTimeMs,
  );
  assert.deepEqual(
    red,
    new Map([
      ['status_code=unset', 2],
      ['status_code=error', 1],
    ]),
  );
  const seconds = await query(
    `sum by (status_code) (sum_over_time(primoart_span_duration_seconds_sum{service="${otelService}"}[1m]))`,
    pointTimeMs,
  );
  // Rounded: 0.12 + 0.08 in floating point is not exactly 0.2.
  const rounded = [...seconds.entries()].map(([labels, value]) => [labels, Math.round(value * 1e6) / 1e6]);
  assert.deepEqual(rounded.sort(), [
    ['status_code=error', 0.5],
    ['status_code=unset', 0.2],
  ]);
  const within100ms = await query(
    `sum(sum_over_time(primoart_span_duration_seconds_bucket{service="${otelService}",le="0.1"}[1m]))`,
    pointTimeMs,
  );
  assert.deepEqual([...within100ms.values()], [1], 'the 80 ms span');
});

test('a replay of the group writes every sample again and the raw sample count stays the same', async () => {
  assert.equal(await totalSamples(), expectedSamples);
  const ends = new Map<string, Array<{ partition: number; offset: string }>>();
  await withAdmin(async (admin) => {
    for (const topic of topicsRead) {
      ends.set(
        topic,
        (await admin.topicOffsets(topic)).map((o) => ({ partition: o.partition, offset: o.high })),
      );
    }
  });

  await store.replayFromStart();

  await waitFor(
    'the replay to pass the end offsets of the first test',
    async () => {
      for (const topic of topicsRead) {
        const lag = await withAdmin((admin) => groupLag(admin, setup.metricsStore.groupId, topic));
        for (const end of ends.get(topic) ?? []) {
          const committed = lag.find((partition) => partition.partition === end.partition)?.committed;
          if (committed === undefined || BigInt(committed) < BigInt(end.offset)) return false;
        }
      }
      return true;
    },
    90_000,
    500,
  );
  assert.ok((await writtenRecords()) >= 3, 'the replayed records were written again');
  assert.equal(await totalSamples(), expectedSamples);
});

const writtenRecords = () => store.workerCounter('primoart_worker_written_total');
