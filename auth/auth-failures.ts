// Failed authentication: counted, logged without the secret, and slowed down per source address.
//
// Every source address has a bucket of failures (token-bucket.ts): `burst` failures at once,
// refilled at `perSecond`. While a source's bucket is empty its requests are answered 429 with
// Retry-After before their key is even looked at, so a source guessing keys gets no answer about
// them until it slows down; a source that stops failing is let in again as the bucket refills.
// Memory is bounded: at most `maxSources` buckets and log entries, the least recently seen dropped.
//
// Logs: a source's first failure is logged at warn at once; later ones within `logIntervalMs` are
// folded into one line per source at the end of the interval (with their count and reasons), and at
// most `maxSourcesLoggedPerInterval` sources get lines of their own per interval, the rest one
// summary line, so a storm from many addresses cannot flood the log.
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { type BucketLimit, createRateLimiter, type RateDecision } from './token-bucket.ts';

export const authFailureReasons = ['missing_key', 'unknown_key', 'revoked_key', 'wrong_secret'] as const;
export type AuthFailureReason = (typeof authFailureReasons)[number];

export interface AuthFailure {
  /** The client's address (`request.ip`). */
  source: string;
  reason: AuthFailureReason;
  /** The id part of a managed key (`pa_<id>_…`) when the presented key has that form; never the secret. */
  keyId: string | undefined;
}

export interface AuthFailureGuardOptions {
  /** Failures allowed per source: `burst` at once, refilled at `perSecond`. */
  limit: BucketLimit;
  logger: Logger;
  metrics?: Registry;
  /** The process the metrics are named after: `primoart_<process>_auth_failures_total`, …; default `gateway`. */
  process?: 'gateway' | 'console';
  now?: () => number;
  maxSources?: number;
  logIntervalMs?: number;
  maxSourcesLoggedPerInterval?: number;
}

interface PendingLog {
  failures: number;
  throttled: number;
  reasons: Set<AuthFailureReason>;
  keyIds: Set<string>;
}

/** At most this many distinct key ids are named in one log line. */
const maxKeyIdsPerLine = 5;

export function createAuthFailureGuard(options: AuthFailureGuardOptions) {
  const now = options.now ?? Date.now;
  const maxSources = options.maxSources ?? 10_000;
  const logIntervalMs = options.logIntervalMs ?? 60_000;
  const maxLogged = options.maxSourcesLoggedPerInterval ?? 100;
  const { logger } = options;
  const buckets = createRateLimiter({ now, maxKeys: maxSources });
  const registers = options.metrics === undefined ? [] : [options.metrics];
  const processName = options.process ?? 'gateway';
  const failures = new Counter({
    name: `primoart_${processName}_auth_failures_total`,
    help: `Requests answered 401 because they carried no API key or one the ${processName} does not accept, by reason`,
    labelNames: ['reason'],
    registers,
  });
  for (const reason of authFailureReasons) failures.inc({ reason }, 0);
  const throttled = new Counter({
    name: `primoart_${processName}_auth_throttled_total`,
    help: 'Requests answered 429 without looking at their key because their source failed authentication too often',
    registers,
  });

  // Sources logged in the current interval (a failure of a new source is logged at once) and what
  // they did since; insertion order is recency, so the oldest are dropped beyond maxSources.
  const pending = new Map<string, PendingLog>();
  let intervalStartedAt = now();
  let loggedThisInterval = 0;
  let unloggedFailures = 0;

  const flush = (): void => {
    for (const [source, entry] of pending) {
      if (entry.failures + entry.throttled === 0) continue;
      logger.warn(
        {
          source,
          failures: entry.failures,
          throttled: entry.throttled,
          reasons: [...entry.reasons],
          key_ids: [...entry.keyIds],
          interval_ms: logIntervalMs,
        },
        'repeated failed authentication from one source',
      );
    }
    if (unloggedFailures > 0) {
      logger.warn(
        { failures: unloggedFailures, sources_logged: loggedThisInterval, interval_ms: logIntervalMs },
        'failed authentication from more sources than are logged one by one',
      );
    }
    pending.clear();
    intervalStartedAt = now();
    loggedThisInterval = 0;
    unloggedFailures = 0;
  };

  const rollIntervalIfDue = (): void => {
    if (now() - intervalStartedAt >= logIntervalMs) flush();
  };
  const timer = setInterval(rollIntervalIfDue, Math.min(logIntervalMs, 60_000));
  timer.unref();

  const remember = (source: string): PendingLog | undefined => {
    const entry = pending.get(source);
    if (entry !== undefined) {
      pending.delete(source);
      pending.set(source, entry);
      return entry;
    }
    return undefined;
  };

  return {
    /** Whether `source` may try to authenticate; refused: answer 429 with Retry-After. */
    check(source: string): RateDecision {
      const decision = buckets.admit(source, options.limit);
      if (!decision.allowed) {
        throttled.inc();
        rollIntervalIfDue();
        const entry = remember(source);
        if (entry !== undefined) entry.throttled++;
      }
      return decision;
    },
    /** A request from `failure.source` failed authentication. */
    record(failure: AuthFailure): void {
      buckets.charge(failure.source, 1, options.limit);
      failures.inc({ reason: failure.reason });
      rollIntervalIfDue();
      const entry = remember(failure.source);
      if (entry !== undefined) {
        entry.failures++;
        entry.reasons.add(failure.reason);
        if (failure.keyId !== undefined && entry.keyIds.size < maxKeyIdsPerLine)
          entry.keyIds.add(failure.keyId);
        return;
      }
      if (loggedThisInterval >= maxLogged) {
        unloggedFailures++;
        return;
      }
      loggedThisInterval++;
      logger.warn(
        { source: failure.source, reason: failure.reason, key_id: failure.keyId },
        'failed authentication',
      );
      pending.set(failure.source, { failures: 0, throttled: 0, reasons: new Set(), keyIds: new Set() });
      if (pending.size > maxSources) {
        const oldest = pending.keys().next().value;
        if (oldest !== undefined) pending.delete(oldest);
      }
    },
    /** Log what is pending and stop the interval timer (at shutdown). */
    stop(): void {
      clearInterval(timer);
      flush();
    },
    /** Sources with a failure bucket that is not full; for tests. */
    trackedSources: (): number => buckets.trackedKeys(),
  };
}

export type AuthFailureGuard = ReturnType<typeof createAuthFailureGuard>;
