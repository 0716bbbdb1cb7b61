// The synth-store's section of primoart.yml (`workers.synth-store:`): only what the harness reads.
import { workerConfig } from '../worker-config.ts';

export const synthStoreConfig = workerConfig('synth-store', {});
