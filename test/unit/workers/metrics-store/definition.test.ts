import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SynthResult } from '../../../../schemas/record-types.ts';
import { topics } from '../../../../topics/catalog.ts';
import type { ValueCodec } from '../../../../topics/codec.ts';
import { PoisonRecordError } from '../../../../workers/failures.ts';
import { metricsStoreDefinition } from '../../../../workers/metrics-store/definition.ts';
import type { Sample } from '../../../../workers/metrics-store/sample.ts';
import { consumedMessage } from '../fake-kafka.ts';
import { metricPoint, span } from './otel-fixtures.ts';

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
    written[0]?.map((sample) => sample.name),
    ['http_server_request_duration', 'target_info', 'primoart_span_duration_seconds'],
  );
});
