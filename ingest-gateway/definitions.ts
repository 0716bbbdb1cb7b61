// The gateway's transaction-definitions part, assembled: codec, publisher, this instance's view and
// the HTTP API. main.ts opens it while connecting dependencies, waits for `caughtUp()` before the
// gateway reports ready (a fresh instance must not answer GET with a partial list), and stops it.
import type { ProcessContext } from '../core/process.ts';
import { codecFor } from '../topics/bus.ts';
import { topics } from '../topics/catalog.ts';
import type { KafkaConnection, Producer } from '../topics/port.ts';
import type { KeyStore } from './api-keys.ts';
import { createDefinitionPublisher } from './definition-publisher.ts';
import { definitionsApi } from './definitions-api.ts';
import { startDefinitionsView } from './definitions-view.ts';

export async function openDefinitions(options: {
  context: ProcessContext;
  kafka: KafkaConnection;
  registryUrl: string;
  producer: Producer;
  /** How long a write waits for Kafka's acknowledgement before answering 503. */
  publishTimeoutMs: number;
  bodyLimitBytes: number;
}) {
  const { context } = options;
  const codec = await codecFor(context, options.registryUrl, topics.synthDefinitions);
  const view = await context.connect(`kafka topic ${topics.synthDefinitions.name}`, () =>
    startDefinitionsView({ kafka: options.kafka, codec, logger: context.logger }),
  );
  const publisher = createDefinitionPublisher({
    producer: options.producer,
    codec,
    timeoutMs: options.publishTimeoutMs,
  });
  return {
    caughtUp: () => view.caughtUp(),
    stop: () => view.stop(),
    api: (keys: KeyStore) =>
      definitionsApi({
        keys,
        view,
        publisher,
        bodyLimitBytes: options.bodyLimitBytes,
        logger: context.logger,
        metrics: context.metrics,
      }),
  };
}
