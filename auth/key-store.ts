// Which key a request presents and whether it is known: keys are known only by their SHA-256.
// Two kinds: those in the config file (they bootstrap a new installation) and managed keys created
// with `primoart keys create`, which every gateway and console reads from the compacted topic
// primoart.auth.keys.v1 into a ManagedKeyIndex (key-view.ts). What each process then does with a
// key (the gateway's record rate limits, the console's read scope) is its own.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { AuthFailureReason } from './auth-failures.ts';
import type { ApiKeyConfig } from './config-keys.ts';
import type { ApiKeyScope } from './scopes.ts';

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

/** The managed keys a process currently accepts, by hash; kept up to date from the keys topic. */
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

export interface KeyLookup {
  /** The key a presented secret belongs to, if it is known and not revoked. */
  lookup(presented: string): AuthenticatedKey | undefined;
  /**
   * The key whose SHA-256 is `digest` (hex), if it is still known and not revoked: how the web
   * console's sessions, which keep only the digest, find their key again on every request.
   */
  lookupDigest(digest: string): AuthenticatedKey | undefined;
  /** Why a presented secret was not accepted, for the log (the client is told only "unknown or revoked"). */
  explain(presented: string): { reason: AuthFailureReason; keyId: string | undefined };
}

/** Config keys ∪ managed keys not revoked. */
export function createKeyLookup(keys: readonly ApiKeyConfig[], managed?: ManagedKeyIndex): KeyLookup {
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
  const byDigest = (digest: Buffer): AuthenticatedKey | undefined => {
    if (digest.length !== 32) return undefined;
    // Compare against every config key so the time taken does not tell which one nearly matched.
    let found: AuthenticatedKey | undefined;
    for (const entry of configKeys) if (timingSafeEqual(entry.hash, digest)) found = entry.key;
    // Managed keys are found by their hash: the lookup time depends only on the digest, which
    // tells an attacker nothing about any key's secret.
    return found ?? managed?.byHash(digest.toString('hex'));
  };
  return {
    lookup: (presented: string) => byDigest(createHash('sha256').update(presented, 'utf8').digest()),
    lookupDigest: (digest: string) =>
      /^[0-9a-f]{64}$/.test(digest) ? byDigest(Buffer.from(digest, 'hex')) : undefined,
    explain(presented: string) {
      const keyId = managedKeyIdOf(presented);
      const state = keyId === undefined ? undefined : managed?.stateOf(keyId);
      const reason =
        state === 'revoked' ? 'revoked_key' : state === 'active' ? 'wrong_secret' : 'unknown_key';
      return { reason, keyId };
    },
  };
}
