import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SynthResult } from '../../../../schemas/record-types.ts';
import { fleetTransactions } from '../../../../scripts/fleet/fleet-plan.ts';
import { topics } from '../../../../topics/catalog.ts';
import type { OutgoingMessage, Producer } from '../../../../topics/port.ts';
import type { SeriesBaselineRecord } from '../../../../workers/baseline/baseline-record.ts';
import { BaselineStore } from '../../../../workers/baseline/baseline-store.ts';
import { baselineDefinition } from '../../../../workers/baseline/definition.ts';
import { seriesKey } from '../../../../workers/baseline/series.ts';
import { consumedMessage } from '../fake-kafka.ts';
import { fleetPlan, validatedRuns } from './fleet-runs.ts';

const updatedAt = new Date('2026-11-23T05:00:00.000Z');

/** A producer that keeps what it was asked to send, and fails while `failing` is set. */
function recordingProducer() {
  const sends: OutgoingMessage[][] = [];
  const producer: Producer & { sends: typeof sends; failing: boolean } = {
    sends,
    failing: false,
    async send(batches) {
      if (this.failing) throw new Error('kafka unavailable');
      for (const batch of batches) {
        assert.equal(batch.topic, topics.baselines.name);
        sends.push(batch.messages);
      }
      return [];
    },
    async disconnect() {},
  };
  return producer;
}

function definitionWith(producer: Producer, valueBytes?: number) {
  const store = new BaselineStore(':memory:');
  const definition = baselineDefinition({
    store,
    codec: { schemaId: 1, encode: async () => Buffer.alloc(0), decode: async () => ({}) as never },
    fromRecord: () => ({}) as SynthResult,
    baselineCodec: {
      schemaId: 2,
      // JSON stands in for Avro; `valueBytes` pads a value to a chosen size.
      encode: async (record: SeriesBaselineRecord) => {
        const json = Buffer.from(JSON.stringify(record));
        return valueBytes === undefined
          ? json
          : Buffer.concat([json, Buffer.alloc(valueBytes - json.length)]);
      },
      decode: async () => ({}) as never,
    },
    producer,
    now: () => updatedAt,
  });
  return { store, definition };
}

const runs: SynthResult[] = validatedRuns(fleetPlan(fleetTransactions(2, 15), 3)).map((run) => ({
  ...run,
  received_at: run.finished_at,
  // The generator's runs carry no failure screenshots; the model never reads them anyway.
  screenshots: [],
}));
const batch = runs.map((record, i) => ({ record, message: consumedMessage(i) }));

function published(producer: ReturnType<typeof recordingProducer>): Map<string, SeriesBaselineRecord> {
  const byKey = new Map<string, SeriesBaselineRecord>();
  for (const message of producer.sends.flat())
    byKey.set(String(message.key), JSON.parse(String(message.value).replace(/\0+$/, '')));
  return byKey;
}

test('a batch is ingested, then every series it touched is published under its key', async () => {
  const producer = recordingProducer();
  const { store, definition } = definitionWith(producer);
  await definition.write(batch);
  const keys = store.listSeries().map((series) => series.key);
  // Two transactions, each run and step, overall and at four locations.
  assert.ok(keys.length > 10);
  const byKey = published(producer);
  assert.deepEqual([...byKey.keys()].sort(), [...keys].sort());
  const first = runs[0];
  assert.ok(first);
  const overall = byKey.get(
    seriesKey({ transactionId: first.transaction_id, stepIndex: null, location: null }),
  );
  assert.ok(overall);
  assert.equal(overall.state, 'ready');
  assert.equal(overall.hours.length, 168);
  assert.equal(overall.updated_at, updatedAt.getTime());
  assert.equal(overall.window_runs, runs.filter((run) => run.transaction_id === first.transaction_id).length);
});

test('a redelivered batch changes nothing and publishes the same baselines again', async () => {
  const producer = recordingProducer();
  const { definition } = definitionWith(producer);
  await definition.write(batch);
  const once = published(producer);
  producer.sends.length = 0;
  await definition.write(batch.slice(0, 50));
  const again = published(producer);
  assert.ok(again.size > 0 && again.size <= once.size);
  for (const [key, record] of again) assert.deepEqual(record, once.get(key), key);
});

test('a failed publish fails the write, and retrying it publishes what a first success would have', async () => {
  const producer = recordingProducer();
  const { definition } = definitionWith(producer);
  producer.failing = true;
  await assert.rejects(definition.write(batch), /kafka unavailable/);
  producer.failing = false;
  await definition.write(batch);
  const reference = recordingProducer();
  await definitionWith(reference).definition.write(batch);
  assert.deepEqual(published(producer), published(reference));
});

test('the baselines go out in sends below the topic size limit, every series once', async () => {
  const producer = recordingProducer();
  const valueBytes = 100_000;
  const { store, definition } = definitionWith(producer, valueBytes);
  await definition.write(batch);
  const limit = topics.baselines.maxMessageBytes / 2;
  assert.ok(producer.sends.length > 1);
  for (const messages of producer.sends)
    assert.ok(messages.reduce((sum, message) => sum + (message.value?.length ?? 0), 0) <= limit);
  assert.equal(producer.sends.flat().length, store.listSeries().length);
});
