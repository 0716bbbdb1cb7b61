// A process's own view of the managed API keys: it reads the compacted topic primoart.auth.keys.v1
// from the start into a ManagedKeyIndex and follows it, so a key created or revoked with
// `primoart keys` reaches every gateway and console within moments (CONTRACT.md: 10 s), without a
// database or a call between processes.
import type { ProcessContext } from '../core/process.ts';
import { codecFor } from '../topics/bus.ts';
import { topics } from '../topics/catalog.ts';
import { type CompactedView, caughtUpWithin, startCompactedView } from '../topics/compacted-view.ts';
import type { KafkaConnection } from '../topics/port.ts';
import type { ApiKeyRecord } from './key-records.ts';
import type { ManagedKeyIndex } from './key-store.ts';
import { knownScopes } from './scopes.ts';

export interface KeyViewOptions {
  context: ProcessContext;
  kafka: KafkaConnection;
  registryUrl: string;
  /** Filled in and kept up to date. */
  managed: ManagedKeyIndex;
  /** How many keys the config file states (for the start-up log line). */
  configKeys: number;
  /** How long start-up waits to have read every key (startup.dependency_timeout_ms). */
  catchUpTimeoutMs: number;
}

export interface KeyView {
  /** Resolves once every key in the topic at start-up has been read: the process is not ready before. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export async function openKeyView(options: KeyViewOptions): Promise<KeyView> {
  const { context, managed } = options;
  const { logger } = context;
  const keyCodec = await codecFor(context, options.registryUrl, topics.apiKeys);
  const view: CompactedView<ApiKeyRecord> = await context.connect(`topic ${topics.apiKeys.name}`, () =>
    startCompactedView<ApiKeyRecord>({
      kafka: options.kafka,
      topic: topics.apiKeys.name,
      decode: (value) => keyCodec.decode(value),
      logger,
      onChange(id, record) {
        if (record === undefined || record.revoked_at !== null) {
          managed.set(id, undefined, undefined, record !== undefined);
          return;
        }
        managed.set(id, record.sha256, {
          id: record.id,
          name: record.name,
          scopes: knownScopes(record.scopes),
          robotId: record.robot_id ?? undefined,
          ...(record.records_per_second === null ? {} : { recordsPerSecond: record.records_per_second }),
        });
      },
    }),
  );
  return {
    async caughtUp() {
      await caughtUpWithin(view, options.catchUpTimeoutMs, `the API keys in ${topics.apiKeys.name}`);
      logger.info({ managed_keys: managed.size(), config_keys: options.configKeys }, 'API keys loaded');
      if (managed.size() === 0 && options.configKeys === 0) {
        logger.warn('no API keys configured or created: every request will be answered 401');
      }
    },
    stop: () => view.stop(),
  };
}
