// "Last used" of API keys: each gateway instance publishes, per key, at most one record a minute.
// The first use after a quiet minute is published at once (so `primoart keys list` shows a new
// key as used within moments); later uses inside the minute are folded into one record sent when
// the minute is over; at shutdown what is left is sent at once. Publishing never delays or fails
// a request: an error is logged and the use is sent again with the next one or the final flush.
import type { Logger } from 'pino';

export interface KeyUsageOptions {
  publish(keyId: string, lastUsedAt: number): Promise<void>;
  logger: Logger;
  /** At most one record per key per this many milliseconds (default one minute). */
  intervalMs?: number;
  now?: () => number;
}

interface KeyUsage {
  /** The newest use seen. */
  lastUsedAt: number;
  /** The newest use published (or being published), and when that was sent. */
  publishedUsedAt: number | undefined;
  publishedAt: number | undefined;
  timer: NodeJS.Timeout | undefined;
}

export function createKeyUsageRecorder(options: KeyUsageOptions) {
  const intervalMs = options.intervalMs ?? 60_000;
  const now = options.now ?? Date.now;
  const usage = new Map<string, KeyUsage>();
  const inFlight = new Set<Promise<void>>();

  const publishNow = (keyId: string, entry: KeyUsage): Promise<void> => {
    const lastUsedAt = entry.lastUsedAt;
    const previouslyPublished = entry.publishedUsedAt;
    entry.publishedAt = now();
    // Counted as published while in flight, so a flush does not send the same use twice.
    entry.publishedUsedAt = lastUsedAt;
    const sending = options
      .publish(keyId, lastUsedAt)
      .catch((error: unknown) => {
        if (entry.publishedUsedAt === lastUsedAt) entry.publishedUsedAt = previouslyPublished;
        options.logger.warn(
          { key_id: keyId, err: (error as Error).message },
          'could not publish API key usage; will retry',
        );
      })
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
    return sending;
  };

  return {
    /** A request was authenticated with `keyId` just now. */
    record(keyId: string): void {
      const at = now();
      let entry = usage.get(keyId);
      if (entry === undefined) {
        entry = { lastUsedAt: at, publishedUsedAt: undefined, publishedAt: undefined, timer: undefined };
        usage.set(keyId, entry);
      }
      entry.lastUsedAt = Math.max(entry.lastUsedAt, at);
      if (entry.timer !== undefined) return;
      const sinceLastPublish = entry.publishedAt === undefined ? Infinity : at - entry.publishedAt;
      if (sinceLastPublish >= intervalMs) {
        void publishNow(keyId, entry);
        return;
      }
      const current = entry;
      current.timer = setTimeout(() => {
        current.timer = undefined;
        void publishNow(keyId, current);
      }, intervalMs - sinceLastPublish);
      current.timer.unref();
    },
    /** Publish every use not yet published (at shutdown) and wait for what is in flight. */
    async flush(): Promise<void> {
      for (const [keyId, entry] of usage) {
        if (entry.timer !== undefined) {
          clearTimeout(entry.timer);
          entry.timer = undefined;
        }
        if (entry.publishedUsedAt === undefined || entry.publishedUsedAt < entry.lastUsedAt) {
          void publishNow(keyId, entry);
        }
      }
      await Promise.all([...inFlight]);
    },
  };
}

export type KeyUsageRecorder = ReturnType<typeof createKeyUsageRecorder>;
