// The artifact-store worker process.
import { describeEndpoint, requireSection, runProcess, workerSection } from '../../core/index.ts';
import { fromAvroArtifact } from '../../schemas/index.ts';
import type { SynthArtifactRecord } from '../../schemas/record-types.ts';
import { codecFor, openKafka } from '../../topics/bus.ts';
import { topics } from '../../topics/catalog.ts';
import { workerComponent } from '../worker-component.ts';
import { artifactStoreDefinition } from './definition.ts';
import { ensureBucket, minioClientFromConfig } from './object-store.ts';

const name = 'artifact-store';

export function runArtifactStore(args: string[]): Promise<never> {
  return runProcess({
    name,
    args,
    listen: (config) => workerSection(config, name).listen,
    async create(config, context) {
      const section = workerSection(config, name);
      const minio = requireSection(config, 'minio');
      const client = minioClientFromConfig(minio);
      const outcome = await context.connect(`minio at ${describeEndpoint(minio.endpoint)}`, () =>
        ensureBucket(client, minio.bucket, minio.region),
      );
      if (outcome === 'created') context.logger.info({ bucket: minio.bucket }, 'bucket created');

      const kafka = await openKafka(context, config.kafka);
      const codec = await codecFor<SynthArtifactRecord>(
        context,
        config.schema_registry.url,
        topics.synthArtifacts,
      );
      const definition = artifactStoreDefinition({
        client,
        bucket: minio.bucket,
        codec,
        fromRecord: fromAvroArtifact,
      });

      return workerComponent({
        definition,
        section,
        kafka,
        context,
        closeStore: async () => {},
      });
    },
  });
}
