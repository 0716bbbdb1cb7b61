// baseline: robot results from primoart.synth.results.v1 into the baseline model (SQLite), then the
// baselines of every series a batch touched onto the compacted primoart.baselines.v1. The harness
// commits only after both: a crash in between replays the batch, which the model ignores (samples
// are keyed by result id) and which republishes the same baselines.
import type { SynthResult, TransactionResultRecord } from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import type { Producer } from '../../topics/port.ts';
import { PoisonRecordError } from '../failures.ts';
import type { WorkerDefinition } from '../harness.ts';
import type { SeriesBaselineRecord } from './baseline-record.ts';
import { toBaselineRecord } from './baseline-record.ts';
import type { BaselineStore } from './baseline-store.ts';
import { observationsOf } from './series.ts';

// Half the topic's limit: headroom for keys and record framing.
const sendLimitBytes = topics.baselines.maxMessageBytes / 2;

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
  producer: Producer;
  now?: () => Date;
}): WorkerDefinition<SynthResult> {
  const now = deps.now ?? (() => new Date());
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
      const messages = await Promise.all(
        deps.store.listBaselines(touched).map(async (baselines) => ({
          key: baselines.series.key,
          value: await deps.baselineCodec.encode(toBaselineRecord(baselines, updatedAt)),
        })),
      );
      // Kafka refuses a partition's batch over the topic's max.message.bytes: send in parts below it.
      for (const part of partsBelow(messages, sendLimitBytes))
        await deps.producer.send([{ topic: topics.baselines.name, messages: part }]);
    },
  };
}
