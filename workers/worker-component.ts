// The core Component every worker process returns: consume through the harness, ready once this
// instance joined its group, and on stop hand back partitions before closing the store.
import type { WorkerConfig } from '../core/config-schema.ts';
import type { Component, ProcessContext } from '../core/process.ts';
import type { KafkaConnection } from '../topics/port.ts';
import { harnessSettingsFor, type RunningWorker, startWorker, type WorkerDefinition } from './harness.ts';

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
    },
    isReady: () => joined,
    async stop() {
      await worker?.stop();
      await options.closeStore();
    },
  };
}
