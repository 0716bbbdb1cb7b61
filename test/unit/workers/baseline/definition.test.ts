import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  SeriesBaselineRecord,
  SynthResult,
  TransactionForecastRecord,
} from '../../../../schemas/record-types.ts';
import { seriesKey } from '../../../../schemas/series-key.ts';
import { fleetTransactions } from '../../../../scripts/fleet/fleet-plan.ts';
import { topics } from '../../../../topics/catalog.ts';
import type { OutgoingMessage, Producer } from '../../../../topics/port.ts';
import { BaselineStore } from '../../../../workers/baseline/baseline-store.ts';
import { baselineDefinition } from '../../../../workers/baseline/definition.ts';
import { forecastTransaction } from '../../../../workers/baseline/forecast.ts';
import { forecastMethod } from '../../../../workers/baseline/forecast-record.ts';
import { type DecodedRecord, produceOutput } from '../../../../workers/harness.ts';
import { consumedMessage } from '../fake-kafka.ts';
import { fleetPlan, validatedRuns } from './fleet-runs.ts';

const updatedAt = new Date('2026-11-23T05:00:00.000Z');

/**
 * A producer that keeps what it was asked to send (baselines in `sends`, forecasts in
 * `forecastSends`), and fails while `failing` is set.
 */
function recordingProducer() {
  const sends: OutgoingMessage[][] = [];
  const forecastSends: OutgoingMessage[][] = [];
  const producer: Producer & { sends: typeof sends; forecastSends: typeof sends; failing: boolean } = {
    sends,
    forecastSends,
    failing: false,
    async send(batches) {
      if (this.failing) throw new Error('kafka unavailable');
      for (const batch of batches) {
        if (batch.topic === topics.forecasts.name) forecastSends.push(batch.messages);
        else {
          assert.equal(batch.topic, topics.baselines.name);
          sends.push(batch.messages);
        }
      }
      return [];
    },
    async disconnect() {},
  };
  return producer;
}

/** The definition, its write followed by the harness's Produce step to `producer`. */
function definitionWith(producer: Producer, valueBytes?: number) {
  const store = new BaselineStore(':memory:');
  const inner = baselineDefinition({
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
    forecastCodec: {
      schemaId: 3,
      encode: async (record: TransactionForecastRecord) => Buffer.from(JSON.stringify(record)),
      decode: async () => ({}) as never,
    },
    now: () => updatedAt,
  });
  const definition = {
    write: async (records: Array<DecodedRecord<SynthResult>>) =>
      produceOutput(producer, (await inner.write(records)) ?? undefined),
  };
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

function publishedForecasts(
  producer: ReturnType<typeof recordingProducer>,
): Map<string, TransactionForecastRecord> {
  const byKey = new Map<string, TransactionForecastRecord>();
  for (const message of producer.forecastSends.flat())
    byKey.set(String(message.key), JSON.parse(String(message.value)));
  return byKey;
}

test('every transaction a batch touched gets its 7-day forecast published once, under its id', async () => {
  const producer = recordingProducer();
  const { store, definition } = definitionWith(producer);
  await definition.write(batch);
  const transactionIds = [...new Set(runs.map((run) => run.transaction_id))].sort();
  assert.equal(transactionIds.length, 2);
  assert.equal(producer.forecastSends.flat().length, transactionIds.length, 'one forecast per transaction');
  const byKey = publishedForecasts(producer);
  assert.deepEqual([...byKey.keys()].sort(), transactionIds);
  for (const transactionId of transactionIds) {
    const record = byKey.get(transactionId);
    assert.ok(record);
    const history = store.dailyHistory(transactionId);
    const expected = forecastTransaction(history);
    assert.equal(record.transaction_id, transactionId);
    assert.equal(record.computed_at, updatedAt.getTime());
    assert.equal(record.based_on_days, history.length);
    assert.equal(record.method, forecastMethod);
    assert.deepEqual(
      record.days.map((day) => [day.date, day.p50_ms, day.availability]),
      (expected.availability?.days ?? []).map((day, i) => [
        day.day,
        expected.p50DurationMs?.days[i]?.value ?? null,
        day.value,
      ]),
    );
    assert.equal(record.days.length, 7);
    assert.equal(record.p50_trend?.fitted_days, expected.p50DurationMs?.fittedDays);
    assert.equal(record.p50_trend?.weekday_index.length, 7);
  }

  // A redelivered part of the batch republishes the same forecast of the transactions it touched.
  producer.forecastSends.length = 0;
  const first = runs[0];
  assert.ok(first);
  await definition.write(batch.filter(({ record }) => record.transaction_id === first.transaction_id));
  assert.deepEqual(
    publishedForecasts(producer),
    new Map([[first.transaction_id, byKey.get(first.transaction_id)]]),
  );
});
