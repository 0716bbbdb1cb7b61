// The metrics-store's section of primoart.yml (`workers.metrics-store:`): only what the harness reads.
import { workerConfig } from '../worker-config.ts';

export const metricsStoreConfig = workerConfig('metrics-store', {});
