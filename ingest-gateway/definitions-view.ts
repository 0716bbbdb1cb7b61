// This gateway's own copy of the active transaction definitions, read from the compacted topic
// (no database: every instance rebuilds it at start and converges on its own within moments of a
// change). It also renders the GET answer once per change, with a strong ETag over its exact bytes:
// instances that hold the same definitions answer the same bytes and the same ETag, so a robot
// behind a load balancer keeps getting 304s whichever instance it reaches.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import {
  type StoredTransactionDefinition,
  type TransactionDefinitionRecord,
  toStoredDefinition,
} from '../schemas/index.ts';
import { topics } from '../topics/catalog.ts';
import type { ValueCodec } from '../topics/codec.ts';
import { type CompactedView, startCompactedView } from '../topics/compacted-view.ts';
import type { KafkaConnection } from '../topics/port.ts';

export interface DefinitionListing {
  /** The JSON array GET answers with, sorted by uuid. */
  body: string;
  /** Strong ETag (quoted) of `body`. */
  etag: string;
}

export interface DefinitionsView {
  get(uuid: string): StoredTransactionDefinition | undefined;
  listing(): DefinitionListing;
  /**
   * Resolves true once `applied` holds for the view (checked after every change), false after
   * `timeoutMs`: how a write waits until this instance shows it.
   */
  waitUntil(applied: () => boolean, timeoutMs: number): Promise<boolean>;
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

function render(view: CompactedView<StoredTransactionDefinition>): DefinitionListing {
  const definitions = [...view.entries()]
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([, definition]) => definition);
  const body = JSON.stringify(definitions);
  const digest = createHash('sha256').update(body, 'utf8').digest('base64url');
  return { body, etag: `"${digest}"` };
}

export async function startDefinitionsView(options: {
  kafka: KafkaConnection;
  codec: ValueCodec<TransactionDefinitionRecord>;
  logger: Logger;
}): Promise<DefinitionsView> {
  const waiters = new Set<() => void>();
  const view = await startCompactedView<StoredTransactionDefinition>({
    kafka: options.kafka,
    topic: topics.synthDefinitions.name,
    logger: options.logger,
    decode: async (value) => toStoredDefinition(await options.codec.decode(value)),
    onChange: () => {
      for (const check of waiters) check();
    },
  });
  let rendered: { revision: number; listing: DefinitionListing } | undefined;
  return {
    get: (uuid) => view.get(uuid),
    listing() {
      if (rendered === undefined || rendered.revision !== view.revision()) {
        rendered = { revision: view.revision(), listing: render(view) };
      }
      return rendered.listing;
    },
    waitUntil(applied, timeoutMs) {
      if (applied()) return Promise.resolve(true);
      return new Promise((resolve) => {
        const check = () => {
          if (!applied()) return;
          finish(true);
        };
        const timer = setTimeout(() => finish(false), timeoutMs);
        const finish = (result: boolean) => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(result);
        };
        waiters.add(check);
      });
    },
    caughtUp: () => view.caughtUp(),
    stop: () => view.stop(),
  };
}
