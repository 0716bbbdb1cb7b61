// API key authentication: keys are known only by their SHA-256. Scopes and the 401/403 rules are
// those of CONTRACT.md "Authentication". A gateway knows two kinds of keys: those in the config
// file (`gateway.api_keys`, they bootstrap a new installation) and managed keys created with
// `primoart keys create`, which every gateway reads from the compacted topic primoart.auth.keys.v1.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AuthFailure, AuthFailureReason } from './auth-failures.ts';
import type { ApiKeyConfig, ApiKeyScope } from './config.ts';
import type { RateDecision } from './token-bucket.ts';

export interface AuthenticatedKey {
  /** A managed key's id, or `config:<name>` for a key from the config file. */
  id: string;
  name: string;
  scopes: readonly ApiKeyScope[];
  robotId: string | undefined;
  /** The key's own rate limit in records per second; undefined: `gateway.rate_limit`. */
  recordsPerSecond?: number | undefined;
}

/** The id of a key from the config file: its name, marked so it never clashes with a managed id. */
export function configKeyId(name: string): string {
  return `config:${name}`;
}

/** The id part of a managed key (`pa_<id>_<secret>`), which names it in logs; never the secret. */
export function managedKeyIdOf(presented: string): string | undefined {
  return /^pa_([0-9a-f]{16})_/.exec(presented)?.[1];
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(request: Request): string | undefined {
  const authorization = request.get('authorization');
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  const header = request.get('x-api-key');
  return header === undefined || header.trim() === '' ? undefined : header.trim();
}

/** The managed keys a gateway currently accepts, by hash; kept up to date from the keys topic. */
export function createManagedKeyIndex() {
  const byHash = new Map<string, AuthenticatedKey>();
  const hashById = new Map<string, string>();
  // Ids of revoked keys, so a failed authentication with one can be logged as such.
  const revoked = new Set<string>();
  return {
    /** Set a key (undefined removes it: deleted, or revoked when `revokedNow`). */
    set(id: string, hash: string | undefined, key: AuthenticatedKey | undefined, revokedNow = false): void {
      const previous = hashById.get(id);
      if (previous !== undefined) byHash.delete(previous);
      hashById.delete(id);
      revoked.delete(id);
      if (hash === undefined || key === undefined) {
        if (revokedNow) revoked.add(id);
        return;
      }
      byHash.set(hash, key);
      hashById.set(id, hash);
    },
    byHash: (hash: string): AuthenticatedKey | undefined => byHash.get(hash),
    /** What the index knows of a key id: active, revoked, or nothing. */
    stateOf: (id: string): 'active' | 'revoked' | undefined =>
      hashById.has(id) ? 'active' : revoked.has(id) ? 'revoked' : undefined,
    size: (): number => byHash.size,
  };
}

export type ManagedKeyIndex = ReturnType<typeof createManagedKeyIndex>;

/**
 * The per-key rate limit in records: `admit` before the body is read (no token is taken),
 * `take` once the request's records are counted, `charge` for a request that never counted any
 * (it still costs one record).
 */
export interface KeyRateLimits {
  admit(key: AuthenticatedKey): RateDecision;
  take(key: AuthenticatedKey, records: number): RateDecision;
  charge(key: AuthenticatedKey, records: number): void;
}

/** Failed authentication per source address (auth-failures.ts). */
export interface AuthFailureLimits {
  check(source: string): RateDecision;
  record(failure: AuthFailure): void;
}

export interface KeyStore {
  /** The key a presented secret belongs to, if it is known and not revoked. */
  lookup(presented: string): AuthenticatedKey | undefined;
  /** Why a presented secret was not accepted, for the log (the client is told only "unknown or revoked"). */
  explain(presented: string): { reason: AuthFailureReason; keyId: string | undefined };
  /** Omitted: no rate limit. */
  limits?: KeyRateLimits;
  /** Omitted: failed authentication is neither counted nor limited. */
  failures?: AuthFailureLimits;
}

export interface KeyStoreOptions {
  managed?: ManagedKeyIndex;
  limits?: KeyRateLimits;
  failures?: AuthFailureLimits;
}

/** Config keys ∪ managed keys not revoked. */
export function createKeyStore(keys: readonly ApiKeyConfig[], options: KeyStoreOptions = {}): KeyStore {
  const configKeys = keys.map((key) => ({
    hash: Buffer.from(key.sha256, 'hex'),
    key: {
      id: configKeyId(key.name),
      name: key.name,
      scopes: key.scopes,
      robotId: key.robot_id,
      ...(key.rate_limit === undefined ? {} : { recordsPerSecond: key.rate_limit }),
    },
  }));
  return {
    lookup(presented: string): AuthenticatedKey | undefined {
      const digest = createHash('sha256').update(presented, 'utf8').digest();
      // Compare against every config key so the time taken does not tell which one nearly matched.
      let found: AuthenticatedKey | undefined;
      for (const entry of configKeys) if (timingSafeEqual(entry.hash, digest)) found = entry.key;
      // Managed keys are found by their hash: the lookup time depends only on the digest, which
      // tells an attacker nothing about any key's secret.
      return found ?? options.managed?.byHash(digest.toString('hex'));
    },
    explain(presented: string) {
      const keyId = managedKeyIdOf(presented);
      const state = keyId === undefined ? undefined : options.managed?.stateOf(keyId);
      const reason =
        state === 'revoked' ? 'revoked_key' : state === 'active' ? 'wrong_secret' : 'unknown_key';
      return { reason, keyId };
    },
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.failures === undefined ? {} : { failures: options.failures }),
  };
}

/** A refusal of the auth middleware or of a record charge; headers are already set. */
export interface AuthErrorAnswer {
  status: 401 | 403 | 429;
  /** One line for humans, e.g. the `message` of an OTLP Status. */
  message: string;
  /** The JSON body of the answer (CONTRACT.md "Authentication"). */
  body: Record<string, unknown>;
}

/**
 * Writes a refusal. One function, so a route can answer in its own encoding (OTLP: a
 * google.rpc.Status in the request's encoding); the default writes `body` as JSON.
 */
export type AuthErrorWriter = (response: Response, answer: AuthErrorAnswer) => void;

export const writeJsonAuthError: AuthErrorWriter = (response, answer) => {
  response.status(answer.status).json(answer.body);
};

export interface RequireScopeOptions {
  writeError?: AuthErrorWriter;
}

/** What a request may still spend once its records are counted (see `chargeRecords`). */
interface RecordBudget {
  take(records: number): RateDecision;
  writeError: AuthErrorWriter;
}

declare module 'express-serve-static-core' {
  interface Request {
    apiKey?: AuthenticatedKey;
    recordBudget?: RecordBudget;
  }
}

function rateLimited(
  response: Response,
  writeError: AuthErrorWriter,
  retryAfterSeconds: number,
  message: string,
) {
  response.set('Retry-After', String(retryAfterSeconds));
  writeError(response, {
    status: 429,
    message,
    body: { error: 'rate_limited', message, retry_after_seconds: retryAfterSeconds },
  });
}

/** The address a request came from, as express sees it (`trust proxy` decides about X-Forwarded-For). */
function sourceOf(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}

/**
 * Middleware: 401 without a known key (429 instead once the request's source failed authentication
 * too often; a known key is never throttled that way), 429 when the key is over its rate limit, 403 without the scope (`admin` allows everything).
 * A request let through costs one record of its key's rate limit unless the handler counts its
 * records with `chargeRecords`.
 */
export function requireScope(store: KeyStore, scope: ApiKeyScope, options: RequireScopeOptions = {}) {
  const writeError = options.writeError ?? writeJsonAuthError;
  const unauthorized = (response: Response, message: string) => {
    response.set('WWW-Authenticate', 'Bearer');
    writeError(response, { status: 401, message, body: { error: message } });
  };
  return (request: Request, response: Response, next: NextFunction): void => {
    const source = sourceOf(request);
    const presented = presentedKey(request);
    const key = presented === undefined ? undefined : store.lookup(presented);
    if (key === undefined) {
      // Only failures are throttled: a right key always passes, so clients sharing an address (NAT,
      // a proxy) with someone who keeps guessing are never locked out; secrets are long enough that
      // slowing the guesser down is what matters, not hiding a right guess.
      const throttle = store.failures?.check(source) ?? { allowed: true };
      if (!throttle.allowed) {
        const message = `too many failed authentications from this address; retry after ${throttle.retryAfterSeconds} s`;
        response.set('Retry-After', String(throttle.retryAfterSeconds));
        writeError(response, {
          status: 429,
          message,
          body: {
            error: 'too_many_failed_authentications',
            message,
            retry_after_seconds: throttle.retryAfterSeconds,
          },
        });
        return;
      }
      if (presented === undefined) {
        store.failures?.record({ source, reason: 'missing_key', keyId: undefined });
        unauthorized(response, 'missing API key');
        return;
      }
      if (store.failures !== undefined) store.failures.record({ source, ...store.explain(presented) });
      unauthorized(response, 'unknown or revoked API key');
      return;
    }
    const limits = store.limits;
    const admission = limits?.admit(key) ?? { allowed: true };
    if (!admission.allowed) {
      rateLimited(
        response,
        writeError,
        admission.retryAfterSeconds,
        `too many requests with this API key; retry after ${admission.retryAfterSeconds} s`,
      );
      return;
    }
    if (!key.scopes.includes(scope) && !key.scopes.includes('admin')) {
      const message = `this API key lacks the '${scope}' scope`;
      writeError(response, { status: 403, message, body: { error: message } });
      return;
    }
    request.apiKey = key;
    if (limits !== undefined) {
      let counted = false;
      request.recordBudget = {
        take(records) {
          const decision = limits.take(key, records);
          if (decision.allowed) counted = true;
          return decision;
        },
        writeError,
      };
      response.on('finish', () => {
        if (!counted) limits.charge(key, 1);
      });
    }
    next();
  };
}

/**
 * Charge a request's `records` (results, spans, data points, log records) to its key's rate limit
 * once its body is decoded. False when the key's bucket cannot cover them: the 429 with
 * Retry-After has been written and the handler must stop (nothing is published).
 */
export function chargeRecords(request: Request, response: Response, records: number): boolean {
  const budget = request.recordBudget;
  if (budget === undefined) return true;
  const decision = budget.take(records);
  if (decision.allowed) return true;
  rateLimited(
    response,
    budget.writeError,
    decision.retryAfterSeconds,
    `this request's ${records} records are over this API key's rate limit; retry after ${decision.retryAfterSeconds} s`,
  );
  return false;
}
