// The ingest gateway process: validates, authenticates and publishes; nothing downstream talks back.
import { runProcess, sectionOf } from '../core/index.ts';
import { codecFor, openKafka } from '../topics/bus.ts';
import { topics } from '../topics/catalog.ts';
import { gatewayConfig } from './config.ts';
import { openDefinitions } from './definitions.ts';
import { createGatewayKeys } from './gateway-keys.ts';
import { createMemorySettler, largeBodyBytes } from './memory-settle.ts';
import { createDecodePool } from './otlp/decode-pool.ts';
import { createOtelPublishers } from './otlp/otel-publishers.ts';
import { otlpApi } from './otlp/otlp-api.ts';
import { createResultPublisher } from './publisher.ts';
import { countResponses } from './response-metrics.ts';
import { resultsApi } from './results-api.ts';
import { createUploadJudge } from './upload-judging.ts';

/** How long an upload waits for Kafka's acknowledgement before answering 503. */
const publishTimeoutMs = 10_000;

export function runGateway(args: string[]): Promise<never> {
  return runProcess({
    name: 'ingest-gateway',
    args,
    listen: (config) => sectionOf(config, gatewayConfig).listen,
    async create(config, context) {
      const gateway = sectionOf(config, gatewayConfig);
      const kafka = await openKafka(context, config.kafka);
      const registryUrl = config.schema_registry.url;
      const resultCodec = await codecFor(context, registryUrl, topics.synthResults);
      const artifactCodec = await codecFor(context, registryUrl, topics.synthArtifacts);
      const producer = await context.connect('kafka producer', () => kafka.producer());
      const publisher = createResultPublisher({
        producer,
        resultCodec,
        artifactCodec,
        timeoutMs: publishTimeoutMs,
      });
      const otel = await createOtelPublishers({
        context,
        registryUrl,
        producer,
        timeoutMs: publishTimeoutMs,
      });
      const otlpDecoder = await createDecodePool({
        threads: gateway.otlp.decode_threads,
        maxQueue: gateway.otlp.decode_queue,
        processor: {
          encodings: otel.encodings,
          limits: {
            maxRecordsPerRequest: gateway.otlp.max_records_per_request,
            maxValuesPerRequest: gateway.otlp.max_values_per_request,
            maxRequestRecordBytes: gateway.otlp.max_request_record_bytes,
          },
        },
      });
      const definitions = await openDefinitions({
        context,
        kafka,
        registryUrl,
        producer,
        publishTimeoutMs,
        bodyLimitBytes: gateway.body_limit_bytes,
      });
      // One thread: the gateway has its OTLP decoders too, and a large upload may wait its turn.
      const uploadJudge = createUploadJudge({ threads: 1, maxQueue: 32 });
      const keys = await createGatewayKeys({
        gateway,
        registryUrl,
        kafka,
        producer,
        context,
        catchUpTimeoutMs: config.startup.dependency_timeout_ms,
      });
      const settler = createMemorySettler({ quietMs: 5_000 });
      return {
        // Not ready before the definitions and API keys views have read their whole topics.
        start: async () => {
          await Promise.all([definitions.caughtUp(), keys.start()]);
        },
        stop: async () => {
          await definitions.stop();
          await keys.stop();
          await producer.disconnect();
          await otlpDecoder.close();
          await uploadJudge.close();
          settler.close();
        },
        routes(app) {
          app.use(countResponses(context.metrics));
          app.use((request, _response, next) => {
            // A chunked body has no length: it may be large.
            const chunked = request.headers['transfer-encoding'] !== undefined;
            if (chunked || Number(request.headers['content-length'] ?? 0) >= largeBodyBytes)
              settler.noteLargeRequest();
            next();
          });
          app.use(definitions.api(keys.store));
          app.use(
            resultsApi({
              judge: uploadJudge,
              keys: keys.store,
              publisher,
              bodyLimitBytes: gateway.body_limit_bytes,
              defaultEnvironment: config.environment,
              logger: context.logger,
              metrics: context.metrics,
              retryAfterSeconds: 5,
            }),
          );
          app.use(
            otlpApi({
              keys: keys.store,
              publishers: otel.publishers,
              decoder: otlpDecoder,
              bodyLimitBytes: gateway.body_limit_bytes,
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
