// baseline: robot results from primoart.synth.results.v1 into the baseline model (SQLite), then the
// baselines of every series a batch touched onto the compacted primoart.baselines.v1 and the
// forecast of every transaction it touched onto the compacted primoart.forecasts.v1: the write's
// output, which the harness produces (in parts Kafka takes) and commits only after all of it: a
// crash in between replays the batch, which the model ignores (samples are keyed by robot and
// result id) and which republishes the same baselines and forecasts.
import type {
  SeriesBaselineRecord,
  SynthResult,
  TransactionForecastRecord,
  TransactionResultRecord,
} from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import type { OutputMessage, WorkerDefinition } from '../harness.ts';
import { decodeByTopic, input } from '../inputs.ts';
import { toBaselineRecord } from './baseline-record.ts';
import type { BaselineStore, SeriesBaselines } from './baseline-store.ts';
import { forecastTransaction } from './forecast.ts';
import { toForecastRecord } from './forecast-record.ts';
import { observationsOf } from './series.ts';

export function baselineDefinition(deps: {
  store: BaselineStore;
  codec: ValueCodec<TransactionResultRecord>;
  fromRecord(record: TransactionResultRecord): SynthResult;
  baselineCodec: ValueCodec<SeriesBaselineRecord>;
  forecastCodec: ValueCodec<TransactionForecastRecord>;
  now?: () => Date;
}): WorkerDefinition<SynthResult> {
  const now = deps.now ?? (() => new Date());

  /** One forecast per transaction with a whole-run series among `baselines`, computed once per batch. */
  function forecastMessages(baselines: SeriesBaselines[], computedAt: Date): Promise<OutputMessage[]> {
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
      messages.map(async ({ key, record }) => ({
        topic: topics.forecasts,
        key,
        value: await deps.forecastCodec.encode(record),
      })),
    );
  }

  return {
    name: 'baseline',
    ...decodeByTopic('baseline', [input(topics.synthResults, deps.codec, deps.fromRecord)]),
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
      const messages: OutputMessage[] = await Promise.all(
        baselines.map(async (series) => ({
          topic: topics.baselines,
          key: series.series.key,
          value: await deps.baselineCodec.encode(toBaselineRecord(series, updatedAt)),
        })),
      );
      return { messages: [...messages, ...(await forecastMessages(baselines, updatedAt))] };
    },
  };
}
