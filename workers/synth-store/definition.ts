// synth-store: robot results from primoart.synth.results.v1 into PostgreSQL runs, step runs and
// the catalogue they carry; transaction definitions from primoart.synth.definitions.v1 into
// synth_definitions; baselines, forecasts and detected events (primoart.baselines.v1,
// primoart.forecasts.v1, primoart.events.v1) into synth_baselines, synth_forecasts and
// synth_events; target SLAs set through the console (primoart.console.sla-targets.v1) into
// synth_sla_targets and their audit. One worker, six topics: a message is decoded by the topic it
// came from.
import type { Pool } from 'pg';
import type { TransactionDefinitionRecord } from '../../schemas/definition-records.ts';
import type {
  DetectedEventRecord,
  SeriesBaselineRecord,
  SlaTargetRecord,
  SynthResult,
  TransactionForecastRecord,
  TransactionResultRecord,
} from '../../schemas/record-types.ts';
import { slaTargetKey } from '../../schemas/sla-target.ts';
import { topics } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import { PoisonRecordError } from '../../topics/poison-record.ts';
import type { ConsumedMessage } from '../../topics/port.ts';
import type { WorkerDefinition } from '../harness.ts';
import { decodeByTopic, input } from '../inputs.ts';
import { writeBaselines, writeForecasts } from './baselines-writer.ts';
import { type DefinitionChange, writeDefinitions } from './definitions-writer.ts';
import { writeEvents } from './events-writer.ts';
import { type TargetChange, writeTargets } from './targets-writer.ts';
import { writeRuns } from './writer.ts';

export type SynthStoreRecord =
  | { kind: 'result'; result: SynthResult }
  | { kind: 'definition'; change: DefinitionChange }
  | { kind: 'baseline'; baseline: SeriesBaselineRecord }
  | { kind: 'forecast'; forecast: TransactionForecastRecord }
  | { kind: 'event'; event: DetectedEventRecord }
  | { kind: 'target'; change: TargetChange };

/** The topics synth-store consumes, for tests and benches that reset its group (a unit test keeps them equal). */
export const synthStoreTopics: readonly string[] = [
  topics.synthResults.name,
  topics.synthDefinitions.name,
  topics.baselines.name,
  topics.forecasts.name,
  topics.events.name,
  topics.slaTargets.name,
];

/**
 * A record of a compacted topic the baseline worker publishes, checked against its message key.
 * The baseline worker never deletes a key: a tombstone is not something it wrote (poison).
 */
function keyed<T>(record: T, message: ConsumedMessage, keyOf: (record: T) => string): T {
  const key = message.key?.toString('utf8');
  if (keyOf(record) !== key)
    throw new PoisonRecordError(`record of ${keyOf(record)} published under key ${String(key)}`);
  return record;
}

/** A definition or its deletion (a tombstone, `null`), keyed by uuid. */
function definitionChange(
  definition: TransactionDefinitionRecord | null,
  message: ConsumedMessage,
): DefinitionChange {
  const uuid = message.key?.toString('utf8');
  if (uuid === undefined || uuid === '') throw new PoisonRecordError('a definition without a key (the uuid)');
  if (definition !== null && definition.uuid !== uuid)
    throw new PoisonRecordError(`definition ${definition.uuid} published under key ${uuid}`);
  return {
    uuid,
    definition,
    timestamp: message.timestamp,
    partition: message.partition,
    offset: message.offset,
  };
}

export function synthStoreDefinition(deps: {
  pool: Pool;
  codec: ValueCodec<TransactionResultRecord>;
  fromRecord(record: TransactionResultRecord): SynthResult;
  definitionCodec: ValueCodec<TransactionDefinitionRecord>;
  baselineCodec: ValueCodec<SeriesBaselineRecord>;
  forecastCodec: ValueCodec<TransactionForecastRecord>;
  eventCodec: ValueCodec<DetectedEventRecord>;
  targetCodec: ValueCodec<SlaTargetRecord>;
}): WorkerDefinition<SynthStoreRecord> {
  return {
    name: 'synth-store',
    ...decodeByTopic<SynthStoreRecord>('synth-store', [
      input(topics.synthResults, deps.codec, (record) => ({
        kind: 'result',
        result: deps.fromRecord(record),
      })),
      input(
        topics.synthDefinitions,
        deps.definitionCodec,
        (record, message) => ({ kind: 'definition', change: definitionChange(record, message) }),
        { tombstone: (message) => ({ kind: 'definition', change: definitionChange(null, message) }) },
      ),
      input(topics.baselines, deps.baselineCodec, (record, message) => ({
        kind: 'baseline',
        baseline: keyed(record, message, (baseline) => baseline.series_key),
      })),
      input(topics.forecasts, deps.forecastCodec, (record, message) => ({
        kind: 'forecast',
        forecast: keyed(record, message, (forecast) => forecast.transaction_id),
      })),
      input(topics.events, deps.eventCodec, (record) => ({ kind: 'event', event: record })),
      // The key names the object; a record published under another object's key is poison.
      input(topics.slaTargets, deps.targetCodec, (record, message) => ({
        kind: 'target',
        change: {
          objectKey: slaTargetKey(keyed(record, message, slaTargetKey)),
          record,
          partition: message.partition,
          offset: message.offset,
        },
      })),
    ]),
    async write(records) {
      const runs = [];
      const changes = [];
      const baselines = [];
      const forecasts = [];
      const events = [];
      const targets = [];
      for (const { record, message } of records) {
        const source = { topic: message.topic, partition: message.partition, offset: message.offset };
        switch (record.kind) {
          case 'result':
            runs.push({ run: record.result, source });
            break;
          case 'definition':
            changes.push(record.change);
            break;
          case 'baseline':
            baselines.push({ record: record.baseline, source });
            break;
          case 'forecast':
            forecasts.push({ record: record.forecast, source });
            break;
          case 'event':
            events.push({ event: record.event, source });
            break;
          case 'target':
            targets.push(record.change);
            break;
        }
      }
      if (runs.length > 0) await writeRuns(deps.pool, runs);
      if (changes.length > 0) await writeDefinitions(deps.pool, changes);
      await writeBaselines(deps.pool, baselines);
      await writeForecasts(deps.pool, forecasts);
      await writeEvents(deps.pool, events);
      await writeTargets(deps.pool, targets);
    },
  };
}
