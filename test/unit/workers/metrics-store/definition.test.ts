import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SynthResult } from '../../../../schemas/record-types.ts';
import { topics } from '../../../../topics/catalog.ts';
import type { ValueCodec } from '../../../../topics/codec.ts';
import { PoisonRecordError } from '../../../../topics/poison-record.ts';
import { metricsStoreDefinition } from '../../../../workers/metrics-store/definition.ts';
import type { Sample } from '../../../../workers/metrics-store/sample.ts';
import { consumedMessage } from '../fake-kafka.ts';
import { metricPoint, span, stringAttribute } from './otel-fixtures.ts';

/** A codec that "decodes" to a fixed value, so a test sees which topic's codec was used. */
function fixedCodec<T>(value: T): ValueCodec<T> {
  return { schemaId: 1, encode: async () => Buffer.alloc(0), decode: async () => value };
}

function definitionWritingTo(written: Sample[][]) {
  return metricsStoreDefinition({
    codecs: {
      results: fixedCodec({} as never),
      metrics: fixedCodec(metricPoint({ value_int: 3 })),
      spans: fixedCodec(span({})),
      baselines: fixedCodec({} as never),
    },
    fromResultRecord: () => ({}) as SynthResult,
    writer: {
      async write(samples) {
        written.push(samples);
      },
      async close() {},
    },
  });
}

test('it reads the four topics and decodes each with its own codec', async () => {
  const definition = definitionWritingTo([]);
  assert.deepEqual(definition.topics, [
    topics.synthResults.name,
    topics.otelMetrics.name,
    topics.otelSpans.name,
    topics.baselines.name,
  ]);
  const point = await definition.decode(consumedMessage(0, { topic: topics.otelMetrics.name }));
  const decodedSpan = await definition.decode(consumedMessage(1, { topic: topics.otelSpans.name }));
  assert.equal(point.kind, 'point');
  assert.equal(decodedSpan.kind, 'span');
  const baseline = await definition.decode(consumedMessage(2, { topic: topics.baselines.name }));
  assert.equal(baseline.kind, 'baseline');
});

test('a tombstone or a topic it does not read is poison, never retried', async () => {
  const definition = definitionWritingTo([]);
  await assert.rejects(
    definition.decode(consumedMessage(0, { topic: topics.otelSpans.name, value: null })),
    PoisonRecordError,
  );
  await assert.rejects(
    definition.decode(consumedMessage(0, { topic: 'primoart.other.v1' })),
    PoisonRecordError,
  );
});

test('a batch of points and spans is written in one import with every sample', async () => {
  const written: Sample[][] = [];
  const definition = definitionWritingTo(written);
  const message = consumedMessage(0);
  await definition.write([
    { message, record: { kind: 'point', point: metricPoint({ value_int: 3 }) } },
    { message, record: { kind: 'span', span: span({}) } },
    { message, record: { kind: 'span', span: span({ kind: 'CLIENT' }) } },
  ]);
  assert.equal(written.length, 1);
  assert.deepEqual(
    new Set(written[0]?.map((sample) => sample.name)),
    new Set([
      'http_server_request_duration',
      'target_info',
      'primoart_span_duration_seconds_bucket',
      'primoart_span_duration_seconds_sum',
      'primoart_span_duration_seconds_count',
    ]),
  );
  assert.equal(
    written[0]?.find((sample) => sample.name === 'primoart_span_duration_seconds_count')?.value,
    1,
  );
});

test('a sample VictoriaMetrics would ignore is made to fit or left out, and counted either way', async () => {
  const written: Sample[][] = [];
  const counted: Record<string, number> = {};
  const manyAttributes = Array.from({ length: 60 }, (_, i) =>
    stringAttribute(`attribute.${String(i).padStart(2, '0')}`, 'v'),
  );
  const definition = metricsStoreDefinition({
    codecs: {
      results: fixedCodec({} as never),
      metrics: fixedCodec(metricPoint({})),
      spans: fixedCodec(span({})),
      baselines: fixedCodec({} as never),
    },
    fromResultRecord: () => ({}) as SynthResult,
    writer: {
      async write(samples) {
        written.push(samples);
      },
      async close() {},
    },
    count: (reason, amount = 1) => {
      counted[reason] = (counted[reason] ?? 0) + amount;
    },
    now: () => Date.UTC(2026, 10, 23),
  });
  const message = consumedMessage(0);
  await definition.write([
    { message, record: { kind: 'point', point: metricPoint({ value_int: 3, attributes: manyAttributes }) } },
    {
      message,
      record: {
        kind: 'point',
        point: metricPoint({ value_int: 4, metric_name: 'before.epoch', time_unix_micros: -5_000_000 }),
      },
    },
  ]);
  const [gauge, info, ...rest] = written[0] ?? [];
  assert.equal(gauge?.name, 'http_server_request_duration');
  assert.equal(Object.keys(gauge?.labels ?? {}).length, 39, '39 labels and the name: within 40');
  assert.equal(gauge?.labels.job, 'shop/checkout', 'our own labels are kept first');
  assert.equal(gauge?.labels.attribute_00, 'v', 'then the attributes in name order');
  assert.equal(gauge?.labels.attribute_59, undefined);
  assert.equal(info?.name, 'target_info');
  assert.deepEqual(rest, [], 'the point before 1970 is not written');
  assert.match(gauge?.labels.dropped_labels_sha256 ?? '', /^[0-9a-f]{16}$/, 'a hash of what was left out');
  assert.deepEqual(counted, { label_over_limit_dropped: 26, time_out_of_range_dropped: 2 });
});

test('a write VictoriaMetrics did not take counts nothing; its retry counts once and carries the same tally', async () => {
  const written: Sample[][] = [];
  const counted: string[] = [];
  let failNext = true;
  const definition = metricsStoreDefinition({
    codecs: {
      results: fixedCodec({} as never),
      metrics: fixedCodec(metricPoint({})),
      spans: fixedCodec(span({})),
      baselines: fixedCodec({} as never),
    },
    fromResultRecord: () => ({}) as SynthResult,
    writer: {
      async write(samples) {
        if (failNext) {
          failNext = false;
          throw new Error('VictoriaMetrics unavailable');
        }
        written.push(samples);
      },
      async close() {},
    },
    count: (reason) => counted.push(reason),
  });
  const records = [
    {
      message: consumedMessage(0),
      record: { kind: 'point' as const, point: metricPoint({ value_int: 1, time_unix_micros: -1 }) },
    },
    {
      message: consumedMessage(1, { topic: topics.otelSpans.name }),
      record: { kind: 'span' as const, span: span({}) },
    },
  ];
  await assert.rejects(definition.write(records));
  assert.deepEqual(counted, []);
  await definition.write(records);
  assert.deepEqual(counted, ['time_out_of_range_dropped', 'time_out_of_range_dropped']);
  const spanCount = written[0]?.find((sample) => sample.name === 'primoart_span_duration_seconds_count');
  assert.equal(spanCount?.value, 1, 'the failed attempt did not add to the tally');
});
