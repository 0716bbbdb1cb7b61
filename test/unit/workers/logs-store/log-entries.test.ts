// What a robot run, an OTLP log record and a span become in VictoriaLogs: searchable fields,
// stream fields of bounded cardinality, and entry ids that a replay reproduces.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OtelLogRecord, OtelSpanRecord, SynthResult } from '../../../../schemas/record-types.ts';
import {
  maxMessageChars,
  otelLogEntry,
  otelSpanEntry,
  rfc3339FromMicros,
  robotRunEntries,
} from '../../../../workers/logs-store/log-entries.ts';

function result(overrides: Partial<SynthResult> = {}): SynthResult {
  return {
    result_id: '0b6f1d8e-3c1a-4b7e-9d2f-5a6b7c8d9e0f',
    transaction_id: '1c7a2e9f-4d2b-4c8f-8e3a-6b7c8d9e0f1a',
    transaction_name: 'Login and search',
    service: 'webshop',
    project: null,
    robot_id: '2d8b3f0a-5e3c-4d9a-9f4b-7c8d9e0f1a2b',
    robot_name: 'robot-amsterdam',
    location: null,
    environment: 'production',
    started_at: new Date('2026-11-23T04:00:00.000Z'),
    finished_at: new Date('2026-11-23T04:00:04.000Z'),
    status: 'OK',
    error_code: null,
    error_message: null,
    target_duration_ms: null,
    steps: [],
    log: null,
    attributes: {},
    screenshots: [],
    received_at: new Date('2026-11-23T04:00:05.000Z'),
    ...overrides,
  };
}

const noValue = {
  string_value: null,
  bool_value: null,
  int_value: null,
  double_value: null,
  bytes_value: null,
  array_value: null,
  kvlist_value: null,
};
const text = (value: string) => ({ ...noValue, string_value: value });
const origin = {
  service_name: 'checkout',
  resource: {
    attributes: [
      { key: 'service.name', value: text('checkout') },
      { key: 'deployment.environment.name', value: text('staging') },
    ],
    dropped_attributes_count: 0,
    schema_url: '',
  },
  scope: { name: 'shop', version: '1.0', attributes: [], dropped_attributes_count: 0, schema_url: '' },
  received_at: Date.parse('2026-11-23T04:00:05.000Z'),
};

function logRecord(overrides: Partial<OtelLogRecord> = {}): OtelLogRecord {
  return {
    ...origin,
    time_unix_micros: Date.parse('2026-11-23T04:00:00.000Z') * 1000 + 123_456,
    observed_time_unix_micros: null,
    severity_number: 17,
    severity_text: 'ERROR',
    body: text('payment declined'),
    attributes: [{ key: 'order.id', value: { ...noValue, int_value: 42 } }],
    dropped_attributes_count: 0,
    flags: 1,
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    span_id: '00f067aa0ba902b7',
    event_name: '',
    ...overrides,
  };
}

/** Where a record was read: partition 2 of its topic at `offset`. */
const at = (offset: number, topic = 'primoart.otel.logs.v1') => ({
  topic,
  partition: 2,
  offset: String(offset),
});

function span(): OtelSpanRecord {
  const start = Date.parse('2026-11-23T04:00:00.000Z') * 1000;
  return {
    ...origin,
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    span_id: '00f067aa0ba902b7',
    parent_span_id: null,
    trace_state: '',
    flags: 1,
    name: 'POST /pay',
    kind: 'SERVER',
    start_time_unix_micros: start,
    end_time_unix_micros: start + 250_500,
    attributes: [],
    dropped_attributes_count: 0,
    events: [],
    dropped_events_count: 0,
    links: [],
    dropped_links_count: 0,
    status_code: 'ERROR',
    status_message: 'card declined',
  };
}

test('a failed run without a log is one searchable entry with its status and error', () => {
  const entries = robotRunEntries(
    result({
      status: 'FAIL',
      error_code: 3,
      error_message: 'search box not found',
      steps: [
        {
          index: 1,
          name: 'search',
          started_at: new Date('2026-11-23T04:00:01.000Z'),
          finished_at: new Date('2026-11-23T04:00:04.000Z'),
          status: 'FAIL',
          error_message: 'timeout',
        },
      ],
    }),
  );
  assert.equal(entries.length, 1);
  const [run] = entries;
  assert.equal(run?.kind, 'robot.run');
  assert.equal(
    run?.entry_id,
    '2d8b3f0a-5e3c-4d9a-9f4b-7c8d9e0f1a2b/0b6f1d8e-3c1a-4b7e-9d2f-5a6b7c8d9e0f:run',
  );
  assert.equal(run?.status, 'FAIL');
  assert.equal(run?.error_message, 'search box not found');
  assert.equal(run?.failed_step, 'search');
  assert.equal(run?.robot, 'robot-amsterdam');
  assert.equal(run?.transaction, 'Login and search');
  assert.equal(run?.duration_ms, 4000);
  assert.match(run?._msg ?? '', /FAIL.*search box not found/);
});

test('every log line becomes an entry of its own, numbered, with the run stream fields', () => {
  const entries = robotRunEntries(result({ log: 'open page\r\nclick search\nresults: 3\n' }));
  const lines = entries.filter((entry) => entry.kind === 'robot.log');
  assert.deepEqual(
    lines.map((entry) => [entry._msg, entry.line, entry.entry_id]),
    [
      ['open page', 1, '2d8b3f0a-5e3c-4d9a-9f4b-7c8d9e0f1a2b/0b6f1d8e-3c1a-4b7e-9d2f-5a6b7c8d9e0f:log:1'],
      ['click search', 2, '2d8b3f0a-5e3c-4d9a-9f4b-7c8d9e0f1a2b/0b6f1d8e-3c1a-4b7e-9d2f-5a6b7c8d9e0f:log:2'],
      ['results: 3', 3, '2d8b3f0a-5e3c-4d9a-9f4b-7c8d9e0f1a2b/0b6f1d8e-3c1a-4b7e-9d2f-5a6b7c8d9e0f:log:3'],
    ],
  );
  for (const line of lines) {
    assert.equal(line.service, 'webshop');
    assert.equal(line.environment, 'production');
    assert.equal(line.result_id, '0b6f1d8e-3c1a-4b7e-9d2f-5a6b7c8d9e0f');
  }
});

test('a log line longer than the store accepts is split into parts, none lost', () => {
  const long = 'x'.repeat(maxMessageChars * 2 + 5);
  const lines = robotRunEntries(result({ log: long })).filter((entry) => entry.kind === 'robot.log');
  assert.equal(lines.length, 3);
  assert.equal(lines.map((entry) => entry._msg).join(''), long);
  assert.equal(new Set(lines.map((entry) => entry.entry_id)).size, 3);
});

test('the same records map to the same entry ids (a replay is recognisable)', () => {
  assert.deepEqual(robotRunEntries(result({ log: 'a\nb' })), robotRunEntries(result({ log: 'a\nb' })));
  const first = otelLogEntry(logRecord(), at(17));
  const replayed = otelLogEntry(logRecord(), at(17));
  assert.equal(first.entry_id, replayed.entry_id);
  assert.equal(first.entry_id, 'primoart.otel.logs.v1/2/17');
});

test('100 identical log records (same body, same microsecond) are 100 entries with 100 ids', () => {
  const ids = Array.from({ length: 100 }, (_, offset) => otelLogEntry(logRecord(), at(offset)).entry_id);
  assert.equal(new Set(ids).size, 100);
  const spanIds = Array.from(
    { length: 100 },
    (_, offset) => otelSpanEntry(span(), at(offset, 'primoart.otel.spans.v1')).entry_id,
  );
  assert.equal(new Set(spanIds).size, 100, 'a span id sent twice is still two records');
});

test('NaN and ±Infinity attribute values are kept as text (JSON would turn them into null)', () => {
  const double = (value: number) => ({ ...noValue, double_value: value });
  const entry = otelLogEntry(
    logRecord({
      attributes: [
        { key: 'ratio', value: double(Number.NaN) },
        { key: 'max', value: double(Number.POSITIVE_INFINITY) },
        { key: 'min', value: double(Number.NEGATIVE_INFINITY) },
        { key: 'list', value: { ...noValue, array_value: [double(Number.NaN), double(1.5)] } },
      ],
    }),
    at(0),
  );
  assert.deepEqual(JSON.parse(JSON.stringify(entry)).attributes, {
    ratio: 'NaN',
    max: '+Inf',
    min: '-Inf',
    list: '["NaN",1.5]',
  });
});

test('attributes stay under attributes.*: none can set _msg, _time, _stream or a stream field', () => {
  const entry = otelLogEntry(
    logRecord({
      attributes: ['_msg', '_time', '_stream', '_stream_id', 'kind', 'service', 'entry_id'].map((key) => ({
        key,
        value: text('forged'),
      })),
    }),
    at(0),
  );
  assert.equal(entry._msg, 'payment declined');
  assert.equal(entry._time, '2026-11-23T04:00:00.123456Z');
  assert.equal(entry.kind, 'otel.log');
  assert.equal(entry.service, 'checkout');
  assert.equal(entry.entry_id, 'primoart.otel.logs.v1/2/0');
  assert.equal((entry.attributes as Record<string, unknown>)._msg, 'forged');
});

test('an attribute key sent twice keeps both values', () => {
  const entry = otelLogEntry(
    logRecord({
      attributes: [
        { key: 'k', value: text('one') },
        { key: 'k', value: text('two') },
      ],
    }),
    at(0),
  );
  assert.deepEqual(entry.attributes, { k: 'one;two' });
});

test('an OTLP log record keeps its time to the microsecond, trace context, severity and attributes', () => {
  const entry = otelLogEntry(logRecord(), at(3));
  assert.equal(entry._time, '2026-11-23T04:00:00.123456Z');
  assert.equal(entry._msg, 'payment declined');
  assert.equal(entry.service, 'checkout');
  assert.equal(entry.environment, 'staging');
  assert.equal(entry.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(entry.span_id, '00f067aa0ba902b7');
  assert.equal(entry.severity, 'ERROR');
  assert.deepEqual(entry.attributes, { 'order.id': 42 });
});

test('a span is an entry named after it, with its ids, status and duration', () => {
  const entry = otelSpanEntry(span(), at(9, 'primoart.otel.spans.v1'));
  assert.equal(entry.entry_id, 'primoart.otel.spans.v1/2/9');
  assert.equal(entry.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(entry.span_id, '00f067aa0ba902b7');
  assert.equal(entry._msg, 'POST /pay: card declined');
  assert.equal(entry.status_code, 'ERROR');
  assert.equal(entry.duration_ms, 250.5);
  assert.equal(entry.parent_span_id, undefined);
});

test('microsecond times are written as RFC 3339 with six fraction digits', () => {
  assert.equal(rfc3339FromMicros(1_000_000_000_000_007), '2001-09-09T01:46:40.000007Z');
});

test('two robots reusing one result_id get entries of their own (a run is robot and result)', () => {
  const a = robotRunEntries(result({ log: 'open page' }));
  const c = robotRunEntries(result({ log: 'open page', robot_id: '9e0f1a2b-2d8b-4f0a-8e3c-4d9a9f4b7c8d' }));
  const idsOfA = new Set(a.map((entry) => entry.entry_id));
  assert.equal(a.length, 2);
  for (const entry of c) assert.ok(!idsOfA.has(entry.entry_id), `${entry.entry_id} is also one of A's`);
});
