// The gateway's API keys at run time: config keys ∪ the managed keys of primoart.auth.keys.v1
// (this instance's own view of the compacted topic, so a revocation reaches every instance within
// moments), a rate limit per key counted in records, failed authentication counted and slowed down
// per source address, and "last used" published to primoart.auth.key-usage.v1.
import { Counter } from 'prom-client';
import { createAuthFailureGuard } from '../auth/auth-failures.ts';
import { type AuthenticatedKey, createManagedKeyIndex } from '../auth/key-store.ts';
import { openKeyView } from '../auth/key-view.ts';
import { type BucketLimit, createRateLimiter } from '../auth/token-bucket.ts';
import type { ProcessContext } from '../core/process.ts';
import { codecFor } from '../topics/bus.ts';
import { topics } from '../topics/catalog.ts';
import type { KafkaConnection, Producer } from '../topics/port.ts';
import { createKeyStore, type KeyStore } from './api-keys.ts';
import type { GatewayConfig } from './config.ts';
import { createKeyUsageRecorder } from './key-usage.ts';

/** How long shutdown waits for the last usage records. */
const usageFlushTimeoutMs = 3000;
/** How long one usage record may wait for its turn and Kafka's acknowledgement. */
const usagePublishTimeoutMs = 10_000;

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
  const usageCodec = await codecFor(context, options.registryUrl, topics.apiKeyUsage);

  const managed = createManagedKeyIndex();
  const rate = gateway.rate_limit;
  const defaultLimit: BucketLimit = { perSecond: rate.records_per_second, burst: rate.burst };
  // A key with a limit of its own gets a burst of as many seconds of it as the default has.
  const burstSeconds = rate.burst / rate.records_per_second;
  const limitOf = (key: AuthenticatedKey): BucketLimit =>
    key.recordsPerSecond === undefined
      ? defaultLimit
      : {
          perSecond: key.recordsPerSecond,
          burst: Math.max(1, Math.round(key.recordsPerSecond * burstSeconds)),
        };
  const limiter = createRateLimiter();
  const failures = createAuthFailureGuard({
    limit: { perSecond: rate.failed_auth_per_minute / 60, burst: rate.failed_auth_burst },
    logger,
    metrics: context.metrics,
  });
  const usage = createKeyUsageRecorder({
    logger,
    async publish(keyId, lastUsedAt) {
      const value = await usageCodec.encode({ key_id: keyId, last_used_at: lastUsedAt });
      // A deadline, so that with Kafka away usage sends do not queue before the results' sends
      // (the producer's sends take turns); a failed one is retried with the next use.
      await producer.send([{ topic: topics.apiKeyUsage.name, messages: [{ key: keyId, value }] }], {
        deadline: Date.now() + usagePublishTimeoutMs,
      });
    },
  });
  const rateLimited = new Counter({
    name: 'primoart_gateway_rate_limited_total',
    help: 'Requests answered 429 because their API key was over its rate limit (in records)',
    registers: [context.metrics],
  });
  const limitedRecords = new Counter({
    name: 'primoart_gateway_rate_limited_records_total',
    help: 'Records (results, spans, data points, log records) of requests answered 429 because their API key was over its rate limit',
    registers: [context.metrics],
  });
  // The number of keys is not published on /metrics: that endpoint is unauthenticated (README
  // "Self-monitoring"), and the start-up log line says it.

  const store = createKeyStore(gateway.api_keys, {
    managed,
    failures,
    limits: {
      admit(key) {
        usage.record(key.id);
        const decision = limiter.admit(key.id, limitOf(key));
        if (!decision.allowed) rateLimited.inc();
        return decision;
      },
      take(key, records) {
        const decision = limiter.take(key.id, records, limitOf(key));
        if (!decision.allowed) {
          rateLimited.inc();
          limitedRecords.inc(records);
        }
        return decision;
      },
      charge(key, records) {
        limiter.charge(key.id, records, limitOf(key));
      },
    },
  });

  const view = await openKeyView({
    context,
    kafka: options.kafka,
    registryUrl: options.registryUrl,
    managed,
    configKeys: gateway.api_keys.length,
    catchUpTimeoutMs: options.catchUpTimeoutMs,
  });

  return {
    store,
    start: () => view.caughtUp(),
    async stop() {
      failures.stop();
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
