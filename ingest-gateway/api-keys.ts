// API key authentication: keys are known only by their SHA-256, compared in constant time.
// Scopes and the 401/403 rules are those of CONTRACT.md "Authentication".
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { ApiKeyConfig, ApiKeyScope } from '../core/config-schema.ts';

export interface AuthenticatedKey {
  name: string;
  scopes: readonly ApiKeyScope[];
  robotId: string | undefined;
}

export function sha256Hex(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
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

export function createKeyStore(keys: readonly ApiKeyConfig[]) {
  const byHash = keys.map((key) => ({ hash: Buffer.from(key.sha256, 'hex'), key }));
  return {
    lookup(presented: string): AuthenticatedKey | undefined {
      const digest = createHash('sha256').update(presented, 'utf8').digest();
      // Compare against every key so the time taken does not tell which one nearly matched.
      let found: ApiKeyConfig | undefined;
      for (const entry of byHash) if (timingSafeEqual(entry.hash, digest)) found = entry.key;
      return found && { name: found.name, scopes: found.scopes, robotId: found.robot_id };
    },
  };
}

export type KeyStore = ReturnType<typeof createKeyStore>;

declare module 'express-serve-static-core' {
  interface Request {
    apiKey?: AuthenticatedKey;
  }
}

/** Middleware: 401 without a known key, 403 without the scope (`admin` allows everything). */
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
    if (!key.scopes.includes(scope) && !key.scopes.includes('admin')) {
      response.status(403).json({ error: `this API key lacks the '${scope}' scope` });
      return;
    }
    request.apiKey = key;
    next();
  };
}
