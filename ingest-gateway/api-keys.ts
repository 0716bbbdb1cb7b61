// API key authentication: keys are known only by their SHA-256. Scopes and the 401/403 rules are
// those of CONTRACT.md "Authentication". A gateway knows two kinds of keys: those in the config
// file (`gateway.api_keys`, they bootstrap a new installation) and managed keys created with
// `primoart keys create`, which every gateway reads from the compacted topic primoart.auth.keys.v1.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { ApiKeyConfig, ApiKeyScope } from '../core/config-schema.ts';
import type { RateDecision } from './token-bucket.ts';

export interface AuthenticatedKey {
  /** A managed key's id, or `config:<name>` for a key from the config file. */
  id: string;
  name: string;
  scopes: readonly ApiKeyScope[];
  robotId: string | undefined;
}

export function sha256Hex(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The id of a key from the config file: its name, marked so it never clashes with a managed id. */
export function configKeyId(name: string): string {
  return `config:${name}`;
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
  return {
    /** Set a key (undefined removes it: revoked or deleted). */
    set(id: string, hash: string | undefined, key: AuthenticatedKey | undefined): void {
      const previous = hashById.get(id);
      if (previous !== undefined) byHash.delete(previous);
      hashById.delete(id);
      if (hash === undefined || key === undefined) return;
      byHash.set(hash, key);
      hashById.set(id, hash);
    },
    byHash: (hash: string): AuthenticatedKey | undefined => byHash.get(hash),
    size: (): number => byHash.size,
  };
}

export type ManagedKeyIndex = ReturnType<typeof createManagedKeyIndex>;

export interface KeyStore {
  /** The key a presented secret belongs to, if it is known and not revoked. */
  lookup(presented: string): AuthenticatedKey | undefined;
  /**
   * Called once for every authenticated request (usage, rate limit). A refusal is answered 429
   * with Retry-After. Omitted: every authenticated request goes on.
   */
  admit?(key: AuthenticatedKey): RateDecision;
}

export interface KeyStoreOptions {
  managed?: ManagedKeyIndex;
  admit?(key: AuthenticatedKey): RateDecision;
}

/** Config keys ∪ managed keys not revoked. */
export function createKeyStore(keys: readonly ApiKeyConfig[], options: KeyStoreOptions = {}): KeyStore {
  const configKeys = keys.map((key) => ({
    hash: Buffer.from(key.sha256, 'hex'),
    key: { id: configKeyId(key.name), name: key.name, scopes: key.scopes, robotId: key.robot_id },
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
    ...(options.admit === undefined ? {} : { admit: options.admit }),
  };
}

declare module 'express-serve-static-core' {
  interface Request {
    apiKey?: AuthenticatedKey;
  }
}

/**
 * Middleware: 401 without a known key, 429 when the key is over its rate limit, 403 without the
 * scope (`admin` allows everything).
 */
export function requireScope(store: KeyStore, scope: ApiKeyScope) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const presented = presentedKey(request);
    if (presented === undefined) {
      response.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'missing API key' });
      return;
    }
    const key = store.lookup(presented);
    if (key === undefined) {
      response.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'unknown or revoked API key' });
      return;
    }
    const admission = store.admit?.(key) ?? { allowed: true };
    if (!admission.allowed) {
      response
        .status(429)
        .set('Retry-After', String(admission.retryAfterSeconds))
        .json({
          error: 'rate_limited',
          message: `too many requests with this API key; retry after ${admission.retryAfterSeconds} s`,
          retry_after_seconds: admission.retryAfterSeconds,
        });
      return;
    }
    if (!key.scopes.includes(scope) && !key.scopes.includes('admin')) {
      response.status(403).json({ error: `this API key lacks the '${scope}' scope` });
      return;
    }
    request.apiKey = key;
    next();
  };
}
