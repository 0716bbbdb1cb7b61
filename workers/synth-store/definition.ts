// synth-store: robot results from primoart.synth.results.v1 into PostgreSQL runs, step runs and
// the catalogue they carry; transaction definitions from primoart.synth.definitions.v1 into
// synth_definitions. One worker, two topics: a message is decoded by the topic it came from.
import type { Pool } from 'pg';
import type { TransactionDefinitionRecord } from '../../schemas/definition-records.ts';
import type { SynthResult, TransactionResultRecord } from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import { PoisonRecordError } from '../failures.ts';
import type { WorkerDefinition } from '../harness.ts';
import { type DefinitionChange, writeDefinitions } from './definitions-writer.ts';
import { writeRuns } from './writer.ts';

export type SynthStoreRecord =
  | { kind: 'result'; result: SynthResult }
  | { kind: 'definition'; change: DefinitionChange };

export function synthStoreDefinition(deps: {
  pool: Pool;
  codec: ValueCodec<TransactionResultRecord>;
  fromRecord(record: TransactionResultRecord): SynthResult;
  definitionCodec: ValueCodec<TransactionDefinitionRecord>;
}): WorkerDefinition<SynthStoreRecord> {
  return {
    name: 'synth-store',
    topics: [topics.synthResults.name, topics.synthDefinitions.name],
    async decode(message): Promise<SynthStoreRecord> {
      if (message.topic === topics.synthDefinitions.name) {
        const uuid = message.key?.toString('utf8');
        if (uuid === undefined || uuid === '')
          throw new PoisonRecordError('a definition without a key (the uuid)');
        const definition = message.value === null ? null : await deps.definitionCodec.decode(message.value);
        if (definition !== null && definition.uuid !== uuid)
          throw new PoisonRecordError(`definition ${definition.uuid} published under key ${uuid}`);
        return {
          kind: 'definition',
          change: {
            uuid,
            definition,
            timestamp: message.timestamp,
            partition: message.partition,
            offset: message.offset,
          },
        };
      }
      if (message.value === null)
        throw new PoisonRecordError('empty message value (tombstone) on a results topic');
      return { kind: 'result', result: deps.fromRecord(await deps.codec.decode(message.value)) };
    },
    async write(records) {
      const runs = [];
      const changes = [];
      for (const { record, message } of records) {
        if (record.kind === 'definition') changes.push(record.change);
        else
          runs.push({
            run: record.result,
            source: { topic: message.topic, partition: message.partition, offset: message.offset },
          });
      }
      if (runs.length > 0) await writeRuns(deps.pool, runs);
      if (changes.length > 0) await writeDefinitions(deps.pool, changes);
    },
  };
}
