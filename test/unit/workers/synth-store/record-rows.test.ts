// What synth-store makes of the baseline worker's and the event detector's records: the rows of
// synth_baselines, synth_forecasts and synth_events, and which message a topic's record decodes to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pool } from 'pg';
import { toEventRecord } from '../../../../schemas/event-records.ts';
import type {
  BandRecord,
  SeriesBaselineRecord,
  SynthResult,
  TransactionForecastRecord,
} from '../../../../schemas/record-types.ts';
import { slaTargetKey } from '../../../../schemas/sla-target.ts';
import { topics } from '../../../../topics/catalog.ts';
import type { ValueCodec } from '../../../../topics/codec.ts';
import { PoisonRecordError } from '../../../../topics/poison-record.ts';
import { baselineRow, forecastRows } from '../../../../workers/synth-store/baselines-writer.ts';
import { synthStoreDefinition } from '../../../../workers/synth-store/definition.ts';
import { eventRow } from '../../../../workers/synth-store/events-writer.ts';
import { isNewer, latestByKey } from '../../../../workers/synth-store/source-order.ts';
import { slowEvent } from '../alerta-forwarder/event-fixtures.ts';
import { consumedMessage } from '../fake-kafka.ts';

const transactionId = '6a1f4b0e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
const source = { topic: topics.baselines.name, partition: 2, offset: '41' };

const band = (p50: number): BandRecord => ({
  runs: 10,
  duration_samples: 9,
  p10_ms: p50 - 100,
  p50_ms: p50,
  p90_ms: p50 + 200,
  availability: 0.9,
});

const baseline: SeriesBaselineRecord = {
  series_key: `${transactionId}|step-1|BE/Flanders/Ghent`,
  transaction_id: transactionId,
  transaction_name: 'Checkout',
  step_index: 1,
  step_name: 'pay',
  location: 'BE/Flanders/Ghent',
  state: 'ready',
  window_runs: 320,
  newest_run_at: Date.parse('2026-11-22T10:00:00.000Z'),
  all_hours: band(1500),
  hours: Array.from({ length: 168 }, (_, hour) => ({
    hour_of_week: hour,
    source: hour === 0 ? ('all-hours' as const) : ('hour-of-week' as const),
    band: band(1000 + hour),
  })),
  updated_at: Date.parse('2026-11-23T06:00:00.000Z'),
};

const forecast: TransactionForecastRecord = {
  transaction_id: transactionId,
  transaction_name: 'Checkout',
  computed_at: Date.parse('2026-11-23T06:00:00.000Z'),
  based_on_days: 28,
  method: 'trend x weekday',
  days: [
    { date: '2026-11-23', p50_ms: 2100, availability: 0.99 },
    { date: '2026-11-24', p50_ms: null, availability: 1 },
  ],
  p50_trend: { fitted_days: 26, slope_per_day: 3.5, weekday_index: [1, 1, 1, 1, 1, 0.9, 1.1] },
  availability_trend: null,
};

test('a baseline record becomes one synth_baselines row: all-hours band in columns, 168 bands as JSON', () => {
  const row = baselineRow({ record: baseline, source });
  assert.deepEqual(
    { ...row, hours: row.hours.length },
    {
      series_key: baseline.series_key,
      transaction_id: transactionId,
      transaction_name: 'Checkout',
      step_index: 1,
      step_name: 'pay',
      location: 'BE/Flanders/Ghent',
      state: 'ready',
      window_runs: 320,
      newest_run_at: '2026-11-22T10:00:00.000Z',
      runs: 10,
      duration_samples: 9,
      p10_ms: 1400,
      p50_ms: 1500,
      p90_ms: 1700,
      availability: 0.9,
      hours: 168,
      updated_at: '2026-11-23T06:00:00.000Z',
      source_partition: 2,
      source_offset: '41',
    },
  );
  assert.deepEqual(row.hours[0], {
    hour_of_week: 0,
    source: 'all-hours',
    runs: 10,
    duration_samples: 9,
    p10_ms: 900,
    p50_ms: 1000,
    p90_ms: 1200,
    availability: 0.9,
  });
  assert.equal(row.hours[167]?.p50_ms, 1167);
});

test('a forecast becomes one synth_forecasts row per day, nulls kept, the trends as JSON', () => {
  assert.deepEqual(forecastRows({ record: forecast, source }), [
    {
      transaction_id: transactionId,
      day: '2026-11-23',
      p50_ms: 2100,
      availability: 0.99,
      computed_at: '2026-11-23T06:00:00.000Z',
      based_on_days: 28,
      method: 'trend x weekday',
      trend: { p50: forecast.p50_trend, availability: null },
      source_partition: 2,
      source_offset: '41',
    },
    {
      transaction_id: transactionId,
      day: '2026-11-24',
      p50_ms: null,
      availability: 1,
      computed_at: '2026-11-23T06:00:00.000Z',
      based_on_days: 28,
      method: 'trend x weekday',
      trend: { p50: forecast.p50_trend, availability: null },
      source_partition: 2,
      source_offset: '41',
    },
  ]);
});

test('an event becomes one synth_events row with every field, the band in columns, and its source', () => {
  const eventSource = { topic: topics.events.name, partition: 5, offset: '7' };
  assert.deepEqual(eventRow(toEventRecord(slowEvent), eventSource), {
    event_id: slowEvent.event_id,
    action: 'open',
    kind: 'performance',
    severity: 'major',
    transaction_id: slowEvent.transaction_id,
    transaction_name: 'Checkout',
    service: 'webshop',
    environment: 'Production',
    location: 'DE/Bavaria/Munich',
    occurred_at: '2026-11-23T10:04:00.000Z',
    result_id: slowEvent.result_id,
    robot_id: null,
    locations: ['DE/Bavaria/Munich'],
    locations_total: 1,
    value: '2400 ms',
    text: slowEvent.text,
    baseline_state: 'ready',
    baseline_p10_ms: 800,
    baseline_p50_ms: 1000,
    baseline_p90_ms: 1500,
    baseline_samples: 400,
    suppressed: false,
    maintenance_window_id: null,
    source_topic: topics.events.name,
    source_partition: 5,
    source_offset: '7',
  });
  const withoutBand = eventRow(
    toEventRecord({ ...slowEvent, baseline: null, suppressed: true, maintenance_window_id: 'mw-1' }),
    eventSource,
  );
  assert.deepEqual(
    [
      withoutBand.baseline_state,
      withoutBand.baseline_p50_ms,
      withoutBand.baseline_samples,
      withoutBand.suppressed,
      withoutBand.maintenance_window_id,
    ],
    [null, null, null, true, 'mw-1'],
  );
});

test('of several records of a key, the latest offset wins; another partition counts as newer', () => {
  const at = (partition: number, offset: string) => ({ partition, offset });
  assert.ok(isNewer(at(0, '10'), at(0, '9')));
  assert.ok(!isNewer(at(0, '9'), at(0, '10')));
  assert.ok(!isNewer(at(0, '10'), at(0, '10')));
  assert.ok(isNewer(at(1, '1'), at(0, '10')));
  // Offsets compare as numbers, not strings.
  assert.ok(isNewer(at(0, '100'), at(0, '99')));
  const items = [
    { key: 'a', ...at(0, '5') },
    { key: 'b', ...at(0, '6') },
    { key: 'a', ...at(0, '7') },
    { key: 'a', ...at(0, '3') },
  ];
  assert.deepEqual(
    latestByKey(
      items,
      (item) => item.key,
      (item) => item,
    ),
    [items[2], items[1]],
  );
});

function fixedCodec<T>(value: T): ValueCodec<T> {
  return { schemaId: 1, encode: async () => Buffer.alloc(0), decode: async () => value };
}

const target = {
  level: 'service' as const,
  project: 'shop/eu',
  service: 'checkout',
  transaction_id: null,
  target_percent: 99.5,
  set_by_key_id: 'config:admin',
  set_at: Date.UTC(2026, 11, 2, 12),
  request_id: '6f0c3b1e-8a4c-4a55-9d7e-1f1f2e3d4c5b',
};

const definition = synthStoreDefinition({
  pool: {} as Pool,
  codec: fixedCodec({} as never),
  fromRecord: () => ({}) as SynthResult,
  definitionCodec: fixedCodec({} as never),
  baselineCodec: fixedCodec(baseline),
  forecastCodec: fixedCodec(forecast),
  eventCodec: fixedCodec(toEventRecord(slowEvent)),
  targetCodec: fixedCodec(target),
});

test('it reads the baseline, forecast and event topics too, each decoded by its topic and key', async () => {
  assert.deepEqual(definition.topics, [
    topics.synthResults.name,
    topics.synthDefinitions.name,
    topics.baselines.name,
    topics.forecasts.name,
    topics.events.name,
    topics.slaTargets.name,
  ]);
  const decoded = await definition.decode(
    consumedMessage(0, { topic: topics.baselines.name, key: Buffer.from(baseline.series_key) }),
  );
  assert.deepEqual(decoded, { kind: 'baseline', baseline });
  assert.deepEqual(
    await definition.decode(
      consumedMessage(1, { topic: topics.forecasts.name, key: Buffer.from(transactionId) }),
    ),
    { kind: 'forecast', forecast },
  );
  assert.equal((await definition.decode(consumedMessage(2, { topic: topics.events.name }))).kind, 'event');
  assert.deepEqual(
    await definition.decode(
      consumedMessage(3, {
        topic: topics.slaTargets.name,
        key: Buffer.from('["service","shop/eu","checkout"]'),
      }),
    ),
    {
      kind: 'target',
      change: { objectKey: '["service","shop/eu","checkout"]', record: target, partition: 0, offset: '3' },
    },
  );
});

test('a target SLA is keyed by its object as a JSON array: a "/" in a name never joins two objects', () => {
  assert.notEqual(
    slaTargetKey({ level: 'service', project: 'a/b', service: 'c', transaction_id: null }),
    slaTargetKey({ level: 'service', project: 'a', service: 'b/c', transaction_id: null }),
  );
});

test('a tombstone or a record under another key on those topics is poison', async () => {
  for (const message of [
    consumedMessage(0, { topic: topics.baselines.name, key: Buffer.from(baseline.series_key), value: null }),
    consumedMessage(0, { topic: topics.baselines.name, key: Buffer.from(`${transactionId}|run|*`) }),
    consumedMessage(0, { topic: topics.forecasts.name, key: Buffer.from('another') }),
    consumedMessage(0, { topic: topics.events.name, value: null }),
    consumedMessage(0, {
      topic: topics.slaTargets.name,
      key: Buffer.from('["service","shop","eu/checkout"]'),
    }),
    consumedMessage(0, {
      topic: topics.slaTargets.name,
      key: Buffer.from('["service","shop/eu","checkout"]'),
      value: null,
    }),
  ])
    await assert.rejects(definition.decode(message), PoisonRecordError);
});
