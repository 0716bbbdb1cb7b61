// Managed API keys: their format and their records on the bus.
//
// A key is `pa_<id>_<secret>`: `pa_` marks a PrimoART key (secret scanners can match it), `<id>` is
// 16 lowercase hex characters naming the key in `primoart keys list|revoke` and in logs, and
// `<secret>` is 32 random bytes in base64url (43 characters). Only the SHA-256 of the whole string
// is stored (topic primoart.auth.keys.v1); the key itself is printed once, by `primoart keys create`.
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../core/sha256.ts';
import type { ApiKeyRecord, ApiKeyUsageRecord } from '../schemas/record-types.ts';
import type { ApiKeyScope } from './scopes.ts';

// The values of primoart.auth.keys.v1 (keyed by `id`) and primoart.auth.key-usage.v1 (keyed by `key_id`).
export type { ApiKeyRecord, ApiKeyUsageRecord };

export const managedKeyIdPattern = /^[0-9a-f]{16}$/;

export interface NewApiKey {
  /** Shown once, never stored. */
  key: string;
  record: ApiKeyRecord;
}

export function generateApiKey(options: {
  name?: string;
  scopes: readonly ApiKeyScope[];
  robotId?: string;
  /** Records per second; omitted: the gateway's default. */
  recordsPerSecond?: number;
  now?: number;
}): NewApiKey {
  const id = randomBytes(8).toString('hex');
  const key = `pa_${id}_${randomBytes(32).toString('base64url')}`;
  return {
    key,
    record: {
      id,
      name: options.name ?? `key-${id}`,
      scopes: [...options.scopes],
      robot_id: options.robotId?.toLowerCase() ?? null,
      sha256: sha256Hex(key),
      created_at: options.now ?? Date.now(),
      revoked_at: null,
      records_per_second: options.recordsPerSecond ?? null,
    },
  };
}

/** Parse `--rate-limit N` (records per second, > 0, fractions allowed); throws naming what is wrong. */
export function parseRateLimit(value: string): number {
  const trimmed = value.trim();
  const number = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(number > 0) || !Number.isFinite(number)) {
    throw new Error(`--rate-limit must be a number of records per second above 0, not '${value}'`);
  }
  return number;
}
