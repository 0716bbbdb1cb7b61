// The artifact-store worker: the MinIO bucket (created at start if missing) and the artifacts' codec.
import { describeEndpoint, requireSection } from '../../core/index.ts';
import { fromAvroArtifact } from '../../schemas/index.ts';
import { topics } from '../../topics/catalog.ts';
import { defineWorker } from '../define-worker.ts';
import { artifactStoreConfig } from './config.ts';
import { artifactStoreDefinition } from './definition.ts';
import { ensureBucket, minioClientFromConfig } from './object-store.ts';

export const artifactStoreWorker = defineWorker({
  config: artifactStoreConfig,
  async create({ config, context, codec }) {
    const minio = requireSection(config, 'minio');
    const client = minioClientFromConfig(minio);
    const outcome = await context.connect(`minio at ${describeEndpoint(minio.endpoint)}`, () =>
      ensureBucket(client, minio.bucket, minio.region),
    );
    if (outcome === 'created') context.logger.info({ bucket: minio.bucket }, 'bucket created');
    const definition = artifactStoreDefinition({
      client,
      bucket: minio.bucket,
      codec: await codec(topics.synthArtifacts),
      fromRecord: fromAvroArtifact,
    });
    return { definition };
  },
});
