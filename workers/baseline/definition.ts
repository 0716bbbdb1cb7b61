// baseline: robot results from primoart.synth.results.v1 into the baseline model (SQLite), then the
// baselines of every series a batch touched onto the compacted primoart.baselines.v1 and the
// forecast of every transaction it touched onto the compacted primoart.forecasts.v1. The harness
// commits only after all of it: a crash in between replays the batch, which the model ignores
// (samples are keyed by robot and result id) and which republishes the same baselines and forecasts.
import type {
  SeriesBaselineRecord,
  SynthResult,
  TransactionForecastRecord,
  TransactionResultRecord,
} from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import { PoisonRecordError } from '../../topics/poison-record.ts';
import type { Producer } from '../../topics/port.ts';
import type { WorkerDefinition } from '../harness.ts';
import { toBaselineRecord } from './baseline-record.ts';
import type { BaselineStore, SeriesBaselines } from './baseline-store.ts';
import { forecastTransaction } from './forecast.ts';
import { toForecastRecord } from './forecast-record.ts';
import { observationsOf } from './series.ts';

// Half the topic's limit: headroom for keys and record framing.
const sendLimitBytes = topics.baselines.maxMessageBytes / 2;
const forecastSendLimitBytes = topics.forecasts.maxMessageBytes / 2;

/** Consecutive parts whose values add up to at most `limit` bytes (a bigger value goes alone). */
function partsBelow<T extends { value: Buffer }>(messages: T[], limit: number): T[][] {
  const parts: T[][] = [];
  let part: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    if (part.length > 0 && bytes + message.value.length > limit) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(message);
    bytes += message.value.length;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

export function baselineDefinition(deps: {
  store: BaselineStore;
  codec: ValueCodec<TransactionResultRecord>;
  fromRecord(record: TransactionResultRecord): SynthResult;
  baselineCodec: ValueCodec<SeriesBaselineRecord>;
  forecastCodec: ValueCodec<TransactionForecastRecord>;
  producer: Producer;
  now?: () => Date;
}): WorkerDefinition<SynthResult> {
  const now = deps.now ?? (() => new Date());

  /** One forecast per transaction with a whole-run series among `baselines`, computed once per batch. */
  function forecastMessages(baselines: SeriesBaselines[], computedAt: Date) {
    const messages = [];
    for (const { series } of baselines) {
      if (series.stepIndex !== null || series.location !== null) continue;
      const history = deps.store.dailyHistory(series.transactionId);
      const record = toForecastRecord(
        { id: series.transactionId, name: series.transactionName },
        history.length,
        forecastTransaction(history),
        computedAt,
      );
      if (record !== undefined) messages.push({ key: series.transactionId, record });
    }
    return Promise.all(
      messages.map(async ({ key, record }) => ({ key, value: await deps.forecastCodec.encode(record) })),
    );
  }

  return {
    name: 'baseline',
    topics: [topics.synthResults.name],
    async decode(message): Promise<SynthResult> {
      if (message.value === null)
        throw new PoisonRecordError('empty message value (tombstone) on a results topic');
      return deps.fromRecord(await deps.codec.decode(message.value));
    },
    async write(records) {
      const runs = records.map(({ record }) => record);
      deps.store.ingest(runs);
      // Every series the batch touched, even by runs already known: a replay after a crash between
      // ingest and publish must still publish.
      const touched = new Set<string>();
      for (const run of runs)
        for (const observation of observationsOf(run)) touched.add(observation.series.key);
      const updatedAt = now();
      const baselines = deps.store.listBaselines(touched);
      const messages = await Promise.all(
        baselines.map(async (series) => ({
          key: series.series.key,
          value: await deps.baselineCodec.encode(toBaselineRecord(series, updatedAt)),
        })),
      );
      // Kafka refuses a partition's batch over the topic's max.message.bytes: send in parts below it.
      for (const part of partsBelow(messages, sendLimitBytes))
        await deps.producer.send([{ topic: topics.baselines.name, messages: part }]);
      const forecasts = await forecastMessages(baselines, updatedAt);
      for (const part of partsBelow(forecasts, forecastSendLimitBytes))
        await deps.producer.send([{ topic: topics.forecasts.name, messages: part }]);
    },
  };
}
