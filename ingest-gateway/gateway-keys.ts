// The gateway's API keys at run time: config keys ∪ the managed keys of primoart.auth.keys.v1
// (this instance's own view of the compacted topic, so a revocation reaches every instance within
// moments), a rate limit per key, and "last used" published to primoart.auth.key-usage.v1.
import { Counter, Gauge } from 'prom-client';
import type { GatewayConfig } from '../core/config-schema.ts';
import type { ProcessContext } from '../core/process.ts';
import { codecFor } from '../topics/bus.ts';
import { topics } from '../topics/catalog.ts';
import { type CompactedView, startCompactedView } from '../topics/compacted-view.ts';
import type { KafkaConnection, Producer } from '../topics/port.ts';
import { createKeyStore, createManagedKeyIndex, type KeyStore } from './api-keys.ts';
import { type ApiKeyRecord, type ApiKeyUsageRecord, knownScopes } from './key-records.ts';
import { createKeyUsageRecorder } from './key-usage.ts';
import { createRateLimiter } from './token-bucket.ts';

/** How long shutdown waits for the last usage records. */
const usageFlushTimeoutMs = 3000;

export interface GatewayKeysOptions {
  gateway: GatewayConfig;
  registryUrl: string;
  kafka: KafkaConnection;
  /** The gateway's producer; usage records go through it. */
  producer: Producer;
  context: ProcessContext;
  /** How long start-up waits to have read every key (startup.dependency_timeout_ms). */
  catchUpTimeoutMs: number;
}

export interface GatewayKeys {
  store: KeyStore;
  /** Resolves once every key in the topic at start-up has been read: the gateway is not ready before. */
  start(): Promise<void>;
  /** Stop following the topic and publish the last usage (before the producer disconnects). */
  stop(): Promise<void>;
}

export async function createGatewayKeys(options: GatewayKeysOptions): Promise<GatewayKeys> {
  const { gateway, context, producer } = options;
  const { logger } = context;
  const keyCodec = await codecFor<ApiKeyRecord>(context, options.registryUrl, topics.apiKeys);
  const usageCodec = await codecFor<ApiKeyUsageRecord>(context, options.registryUrl, topics.apiKeyUsage);

  const managed = createManagedKeyIndex();
  const limiter = createRateLimiter({
    requestsPerSecond: gateway.rate_limit.requests_per_second,
    burst: gateway.rate_limit.burst,
  });
  const usage = createKeyUsageRecorder({
    logger,
    async publish(keyId, lastUsedAt) {
      const value = await usageCodec.encode({ key_id: keyId, last_used_at: lastUsedAt });
      await producer.send([{ topic: topics.apiKeyUsage.name, messages: [{ key: keyId, value }] }]);
    },
  });
  const rateLimited = new Counter({
    name: 'primoart_gateway_rate_limited_total',
    help: 'Requests answered 429 because their API key was over its rate limit',
    registers: [context.metrics],
  });
  new Gauge({
    name: 'primoart_gateway_api_keys',
    help: 'API keys this gateway accepts, by where they come from',
    labelNames: ['source'],
    registers: [context.metrics],
    collect() {
      this.set({ source: 'config' }, gateway.api_keys.length);
      this.set({ source: 'managed' }, managed.size());
    },
  });

  const store = createKeyStore(gateway.api_keys, {
    managed,
    admit(key) {
      usage.record(key.id);
      const decision = limiter.take(key.id);
      if (!decision.allowed) rateLimited.inc();
      return decision;
    },
  });

  const view: CompactedView<ApiKeyRecord> = await context.connect(`topic ${topics.apiKeys.name}`, () =>
    startCompactedView<ApiKeyRecord>({
      kafka: options.kafka,
      topic: topics.apiKeys.name,
      decode: (value) => keyCodec.decode(value),
      logger,
      onChange(id, record) {
        if (record === undefined || record.revoked_at !== null) {
          managed.set(id, undefined, undefined);
          return;
        }
        managed.set(id, record.sha256, {
          id: record.id,
          name: record.name,
          scopes: knownScopes(record.scopes),
          robotId: record.robot_id ?? undefined,
        });
      },
    }),
  );

  return {
    store,
    async start() {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `the API keys in ${topics.apiKeys.name} were not read within ${options.catchUpTimeoutMs} ms`,
              ),
            ),
          options.catchUpTimeoutMs,
        );
      });
      try {
        await Promise.race([view.caughtUp(), timedOut]);
      } finally {
        clearTimeout(timer);
      }
      logger.info({ managed_keys: managed.size(), config_keys: gateway.api_keys.length }, 'API keys loaded');
      if (managed.size() === 0 && gateway.api_keys.length === 0) {
        logger.warn('no API keys configured or created: every request will be answered 401');
      }
    },
    async stop() {
      await view.stop();
      // Bounded: with Kafka away, losing the last minute of "last used" beats a hung shutdown.
      let timer: NodeJS.Timeout | undefined;
      const flushed = await Promise.race([
        usage.flush().then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), usageFlushTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (!flushed) logger.warn('API key usage not published before shutdown: Kafka did not acknowledge');
    },
  };
}
