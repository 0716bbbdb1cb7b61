// Every component of PrimoART, the one list the entry point hands to core: the config loader
// validates each one's section against its owner's schema (core imports no component), and
// `primoart worker <name>` runs one. A component's config is small (zod only) and imported here;
// a worker's code is imported only when that worker runs.
import { consoleConfig } from '../console/config.ts';
import type { ConfigOwner } from '../core/config-schema.ts';
import { gatewayConfig } from '../ingest-gateway/config.ts';
import { alertaForwarderConfig } from '../workers/alerta-forwarder/config.ts';
import { artifactStoreConfig } from '../workers/artifact-store/config.ts';
import { baselineConfig } from '../workers/baseline/config.ts';
import type { WorkerComponent } from '../workers/define-worker.ts';
import { eventDetectorConfig } from '../workers/event-detector/config.ts';
import { logsStoreConfig } from '../workers/logs-store/config.ts';
import { metricsStoreConfig } from '../workers/metrics-store/config.ts';
import { synthStoreConfig } from '../workers/synth-store/config.ts';

export interface WorkerEntry {
  config: ConfigOwner;
  /** Imports the worker and runs its process to its end. */
  run(args: string[]): Promise<never>;
}

function worker(config: ConfigOwner, load: () => Promise<WorkerComponent>): WorkerEntry {
  return { config, run: async (args) => (await load()).run(args) };
}

export const workers: Readonly<Record<string, WorkerEntry>> = Object.fromEntries(
  [
    worker(synthStoreConfig, async () => (await import('../workers/synth-store/main.ts')).synthStoreWorker),
    worker(
      artifactStoreConfig,
      async () => (await import('../workers/artifact-store/main.ts')).artifactStoreWorker,
    ),
    worker(logsStoreConfig, async () => (await import('../workers/logs-store/main.ts')).logsStoreWorker),
    worker(
      metricsStoreConfig,
      async () => (await import('../workers/metrics-store/main.ts')).metricsStoreWorker,
    ),
    worker(baselineConfig, async () => (await import('../workers/baseline/main.ts')).baselineWorker),
    worker(
      eventDetectorConfig,
      async () => (await import('../workers/event-detector/main.ts')).eventDetectorWorker,
    ),
    worker(
      alertaForwarderConfig,
      async () => (await import('../workers/alerta-forwarder/main.ts')).alertaForwarderWorker,
    ),
  ].map((entry) => [entry.config.name, entry]),
);

/** Every section a config file may hold besides core's: the gateway's, the console's and each worker's. */
export const componentConfigs: readonly ConfigOwner[] = [
  gatewayConfig,
  consoleConfig,
  ...Object.values(workers).map((entry) => entry.config),
];
