// The ingest gateway process: validates, authenticates and publishes; nothing downstream talks back.
import { requireSection, runProcess } from '../core/index.ts';
import type { SynthArtifactRecord, TransactionResultRecord } from '../schemas/record-types.ts';
import { codecFor, kafkaFromConfig, waitForKafka } from '../topics/bus.ts';
import { topics } from '../topics/catalog.ts';
import { createKeyStore } from './api-keys.ts';
import { createResultPublisher } from './publisher.ts';
import { resultsApi } from './results-api.ts';

/** How long an upload waits for Kafka's acknowledgement before answering 503. */
const publishTimeoutMs = 10_000;

export function runGateway(args: string[]): Promise<never> {
  return runProcess({
    name: 'ingest-gateway',
    args,
    listen: (config) => requireSection(config, 'gateway').listen,
    async create(config, context) {
      const gateway = requireSection(config, 'gateway');
      const kafka = kafkaFromConfig(config.kafka, context.logger);
      await waitForKafka(context, kafka, config.kafka.brokers);
      const registryUrl = config.schema_registry.url;
      const resultCodec = await codecFor<TransactionResultRecord>(context, registryUrl, topics.synthResults);
      const artifactCodec = await codecFor<SynthArtifactRecord>(context, registryUrl, topics.synthArtifacts);
      const producer = await context.connect('kafka producer', () => kafka.producer());
      const publisher = createResultPublisher({
        producer,
        resultCodec,
        artifactCodec,
        timeoutMs: publishTimeoutMs,
      });
      if (gateway.api_keys.length === 0) {
        context.logger.warn('no API keys configured: every request will be answered 401');
      }
      return {
        start: async () => {},
        stop: () => producer.disconnect(),
        routes(app) {
          app.use(
            resultsApi({
              keys: createKeyStore(gateway.api_keys),
              publisher,
              bodyLimitBytes: gateway.body_limit_bytes,
              defaultEnvironment: config.environment,
              logger: context.logger,
              metrics: context.metrics,
              retryAfterSeconds: 5,
            }),
          );
        },
      };
    },
  });
}
