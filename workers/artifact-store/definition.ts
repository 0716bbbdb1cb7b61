// artifact-store: screenshots from primoart.synth.artifacts.v1 into MinIO, one object per record.
import { createHash } from 'node:crypto';
import type { Client } from 'minio';
import type { SynthArtifact, SynthArtifactRecord } from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import { PoisonRecordError } from '../../topics/poison-record.ts';
import type { WorkerDefinition } from '../harness.ts';
import { decodeByTopic, input } from '../inputs.ts';
import { classifyStoreFailure } from './object-store.ts';
import { defaultStoreArtifactsOptions, type StoreArtifactsOptions, storeArtifacts } from './writer.ts';

/**
 * The key promises these bytes: a record whose bytes are not the ones the gateway hashed would put
 * something else under that key, so it is set aside instead.
 */
function checkedArtifact(artifact: SynthArtifact): SynthArtifact {
  const actual = createHash('sha256').update(artifact.data).digest('hex');
  if (actual !== artifact.sha256) {
    throw new PoisonRecordError(
      `screenshot ${artifact.object_key}: bytes hash to ${actual}, the record says ${artifact.sha256}`,
    );
  }
  return artifact;
}

export function artifactStoreDefinition(deps: {
  client: Pick<Client, 'putObject'>;
  bucket: string;
  codec: ValueCodec<SynthArtifactRecord>;
  fromRecord(record: SynthArtifactRecord): SynthArtifact;
  options?: StoreArtifactsOptions;
}): WorkerDefinition<SynthArtifact> {
  return {
    name: 'artifact-store',
    ...decodeByTopic('artifact-store', [
      input(topics.synthArtifacts, deps.codec, (record) => checkedArtifact(deps.fromRecord(record))),
    ]),
    write: (records) =>
      storeArtifacts(
        deps.client,
        deps.bucket,
        records.map(({ record }) => record),
        deps.options ?? defaultStoreArtifactsOptions,
      ),
    classify: classifyStoreFailure,
  };
}
