// The artifact-store's section of primoart.yml (`workers.artifact-store:`): only what the harness reads.
import { workerConfig } from '../worker-config.ts';

export const artifactStoreConfig = workerConfig('artifact-store', {});
