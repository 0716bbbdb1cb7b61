// The logs-store against the real VictoriaLogs, for what must never collapse or vanish: 100
// identical OTel log records (same body, same microsecond, as telemetrygen sends them) are 100
// entries with 100 ids, and a replay keeps those ids; NaN and ±Inf attribute values are stored as
// text; an attribute cannot set `_msg` or a stream field; a record whose time VictoriaLogs would
// refuse is stored at its publishing time. Records are published to Kafka as the gateway publishes
// them (the gateway's own mapping is tested in otlp.test.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { AnyValueRecord, OtelLogRecord } from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import { createTopicCodec } from '../../topics/codec.ts';
import type { Producer } from '../../topics/port.ts';
import { kafkaConnection, stack } from './stack.ts';
import { type StoreWorkerTest, startStoreWorkerTest } from './store-worker.ts';
import { counts, logsql } from './victoria-logs.ts';

let store: StoreWorkerTest;
let producer: Producer;

before(async () => {
  store = await startStoreWorkerTest({
    worker: 'logs-store',
    topicsRead: [topics.synthResults.name, topics.otelLogs.name, topics.otelSpans.name],
    backend: 'victoria-logs',
    backendName: 'VictoriaLogs',
  });
  producer = await kafkaConnection().producer();
});

after(async () => {
  await producer?.disconnect();
  await store?.close();
});

const noValue: AnyValueRecord = {
  string_value: null,
  bool_value: null,
  int_value: null,
  double_value: null,
  bytes_value: null,
  array_value: null,
  kvlist_value: null,
};
const text = (value: string): AnyValueRecord => ({ ...noValue, string_value: value });
const double = (value: number): AnyValueRecord => ({ ...noValue, double_value: value });

const service = `logs-trust-${randomUUID().slice(0, 8)}`;
const filter = `service:=${JSON.stringify(service)}`;
const timeMicros = (Date.now() - 60_000) * 1000 + 123;

function logRecord(overrides: Partial<OtelLogRecord> = {}): OtelLogRecord {
  return {
    service_name: service,
    resource: {
      attributes: [{ key: 'service.name', value: text(service) }],
      dropped_attributes_count: 0,
      schema_url: '',
    },
    scope: { name: 'telemetrygen', version: '', attributes: [], dropped_attributes_count: 0, schema_url: '' },
    received_at: Date.now(),
    time_unix_micros: timeMicros,
    observed_time_unix_micros: null,
    severity_number: 9,
    severity_text: 'Info',
    body: text('the message'),
    attributes: [{ key: 'app', value: text('server') }],
    dropped_attributes_count: 0,
    flags: 0,
    trace_id: null,
    span_id: null,
    event_name: '',
    ...overrides,
  };
}

async function publish(records: OtelLogRecord[]): Promise<void> {
  const codec = await createTopicCodec(stack.registryUrl(), topics.otelLogs);
  const messages = [];
  for (const record of records) messages.push({ key: service, value: await codec.encode(record) });
  await producer.send([{ topic: topics.otelLogs.name, messages }]);
}

const identical = `${filter} _msg:="the message"`;

// Counts are of distinct ids: the stack's own logs-store (when running next to this test's worker)
// writes the same records under the same ids, so raw counts may hold copies.
test('100 identical log records are 100 entries with 100 distinct ids', async () => {
  await publish(Array.from({ length: 100 }, () => logRecord()));
  // Waiting for distinct ids, not for raw entries: another writer's copies may arrive first. With
  // ids derived from content alone this never gets past 1.
  await store.waitStored('100 distinct entry ids', async () => (await counts(identical)).unique >= 100);
  const { raw, unique } = await counts(identical);
  assert.equal(unique, 100);
  assert.ok(raw >= 100);
});

test('NaN and ±Inf values are stored as text; attributes cannot set _msg, _time or a stream field', async () => {
  await publish([
    logRecord({
      body: text('odd values'),
      attributes: [
        { key: 'ratio', value: double(Number.NaN) },
        { key: 'max', value: double(Number.POSITIVE_INFINITY) },
        { key: 'min', value: double(Number.NEGATIVE_INFINITY) },
        { key: '_msg', value: text('forged message') },
        { key: '_time', value: text('2001-01-01T00:00:00Z') },
        { key: 'service', value: text('someone-else') },
      ],
    }),
  ]);
  const [entry] = await store.waitStored('the entry', async () => {
    const found = await logsql(`${filter} _msg:="odd values"`);
    return found.length > 0 ? found : undefined;
  });
  assert.equal(entry?.['attributes.ratio'], 'NaN');
  assert.equal(entry?.['attributes.max'], '+Inf');
  assert.equal(entry?.['attributes.min'], '-Inf');
  assert.equal(entry?.['attributes._msg'], 'forged message');
  assert.equal(entry?.['attributes.service'], 'someone-else');
  assert.equal(entry?.service, service);
  assert.equal(Date.parse(entry?._time ?? ''), Math.floor(timeMicros / 1000));
});

test('a record whose time VictoriaLogs would refuse is stored at its publishing time, and counted', async () => {
  const publishedAfter = Date.now();
  // Before 1970, and years ahead: VictoriaLogs would drop both without saying so.
  await publish([
    logRecord({ body: text('before 1970'), time_unix_micros: -5_000_000 }),
    logRecord({ body: text('far ahead'), time_unix_micros: Date.UTC(2099, 0, 1) * 1000 }),
  ]);
  const found = await store.waitStored('both entries', async () => {
    const entries = await logsql(`${filter} _msg:in("before 1970", "far ahead")`);
    return entries.length >= 2 ? entries : undefined;
  });
  for (const entry of found) {
    assert.ok(Date.parse(entry._time ?? '') >= publishedAfter - 1000, entry._time);
    assert.ok(entry.reported_time?.startsWith(entry._msg === 'far ahead' ? '2099-01-01' : '1969-12-31'));
  }
  const metrics = await (await fetch(`${store.setup.logsStore.url}/metrics`)).text();
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith('primoart_logs_store_adjusted_total{reason="time_out_of_range_replaced"}'));
  assert.ok(Number(line?.slice(line.lastIndexOf(' ') + 1)) >= 2, line);
});

test('a replay writes the 100 entries again with the same 100 ids', async () => {
  const before = await counts(identical);
  await store.replayFromStart();
  await store.waitStored(
    'the replayed entries',
    async () => (await counts(identical)).raw >= before.raw + 100,
  );
  assert.equal((await counts(identical)).unique, 100);
});
