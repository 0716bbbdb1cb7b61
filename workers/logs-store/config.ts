// The logs-store's section of primoart.yml (`workers.logs-store:`): only what the harness reads.
import { workerConfig } from '../worker-config.ts';

export const logsStoreConfig = workerConfig('logs-store', {});
