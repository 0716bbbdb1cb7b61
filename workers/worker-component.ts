// The core Component every worker process returns: consume through the harness, ready once this
// instance joined its group, heartbeats to Alerta from then on (when the config has an `alerta`
// section), and on stop hand back partitions before closing the store.
import type { WorkerConfig } from '../core/config-schema.ts';
import type { Component, ProcessContext } from '../core/process.ts';
import type { KafkaConnection } from '../topics/port.ts';
import { createAlertaClient } from './alerta-forwarder/alerta-client.ts';
import { forwarderOptionsFromConfig } from './alerta-forwarder/forwarder-options.ts';
import { harnessSettingsFor, type RunningWorker, startWorker, type WorkerDefinition } from './harness.ts';
import { type Heartbeats, heartbeatOriginOf, startHeartbeats } from './heartbeats.ts';

export function workerComponent<T>(options: {
  definition: WorkerDefinition<T>;
  section: WorkerConfig;
  kafka: KafkaConnection;
  context: ProcessContext;
  /** Close the store's connections, after the consumer stopped. */
  closeStore(): Promise<void>;
}): Component {
  const { definition, context } = options;
  let worker: RunningWorker | undefined;
  let heartbeats: Heartbeats | undefined;
  let joined = false;
  return {
    async start() {
      worker = await startWorker(definition, harnessSettingsFor(definition.name, options.section), {
        kafka: options.kafka,
        logger: context.logger,
        metrics: context.metrics,
        onFatal: (error) => context.fail(error),
      });
      await worker.joined();
      joined = true;
      heartbeats = workerHeartbeats(definition.name, options.section, context);
    },
    isReady: () => joined,
    async stop() {
      await heartbeats?.stop();
      await worker?.stop();
      await options.closeStore();
    },
  };
}

function workerHeartbeats(
  name: string,
  section: WorkerConfig,
  context: ProcessContext,
): Heartbeats | undefined {
  const alerta = context.config.alerta;
  if (alerta === undefined) return undefined;
  const options = forwarderOptionsFromConfig(alerta);
  const client = createAlertaClient(options);
  const running = startHeartbeats({
    client,
    settings: {
      origin: heartbeatOriginOf(name, section.listen),
      intervalMs: options.heartbeatIntervalMs,
      timeoutSeconds: options.heartbeatTimeoutSeconds,
      tags: [],
    },
    logger: context.logger,
    metrics: context.metrics,
  });
  return {
    async stop() {
      await running.stop();
      await client.close();
    },
  };
}
