// synth-store: robot results from primoart.synth.results.v1 into PostgreSQL runs and step runs.
import type { Pool } from 'pg';
import type { SynthResult, TransactionResultRecord } from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import { PoisonRecordError } from '../failures.ts';
import type { WorkerDefinition } from '../harness.ts';
import { writeRuns } from './writer.ts';

export function synthStoreDefinition(deps: {
  pool: Pool;
  codec: ValueCodec<TransactionResultRecord>;
  fromRecord(record: TransactionResultRecord): SynthResult;
}): WorkerDefinition<SynthResult> {
  return {
    name: 'synth-store',
    topics: [topics.synthResults.name],
    async decode(message) {
      if (message.value === null)
        throw new PoisonRecordError('empty message value (tombstone) on a results topic');
      return deps.fromRecord(await deps.codec.decode(message.value));
    },
    write: (records) =>
      writeRuns(
        deps.pool,
        records.map(({ record, message }) => ({
          run: record,
          source: { topic: message.topic, partition: message.partition, offset: message.offset },
        })),
      ),
  };
}
