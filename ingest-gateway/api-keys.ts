// The gateway's API key checks: the 401/403 rules of CONTRACT.md "Authentication" on top of the
// shared key lookup (auth/key-store.ts: config keys `gateway.api_keys` ∪ the managed keys of
// primoart.auth.keys.v1), plus what only the gateway does: the rate limit per key in records and
// the failed-authentication throttle per source address.
import type { NextFunction, Request, Response } from 'express';
import type { AuthFailure } from '../auth/auth-failures.ts';
import type { ApiKeyConfig } from '../auth/config-keys.ts';
import {
  type AuthenticatedKey,
  createKeyLookup,
  type KeyLookup,
  type ManagedKeyIndex,
  presentedKey,
} from '../auth/key-store.ts';
import { type ApiKeyScope, hasScope } from '../auth/scopes.ts';
import type { RateDecision } from '../auth/token-bucket.ts';

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

export interface KeyStore extends KeyLookup {
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

/** Config keys ∪ managed keys not revoked, with the gateway's limits. */
export function createKeyStore(keys: readonly ApiKeyConfig[], options: KeyStoreOptions = {}): KeyStore {
  return {
    ...createKeyLookup(keys, options.managed),
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
    if (!hasScope(key.scopes, scope)) {
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
