// API keys stated in the config file (`gateway.api_keys`, `console.api_keys`): they bootstrap a new
// installation before any managed key exists. Known only by their SHA-256, like managed keys.
import { z } from 'zod';
import { apiKeyScopes } from './scopes.ts';

export const apiKeyConfigSchema = z.strictObject({
  name: z.string().min(1),
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, { error: 'expected the SHA-256 of the key as 64 hex characters' })
    .transform((hash) => hash.toLowerCase()),
  scopes: z.array(z.enum(apiKeyScopes)).min(1),
  /** Binds a robot key to the robot it may upload results for. */
  robot_id: z.uuid({ error: 'expected a UUID' }).optional(),
  /** This key's rate limit in records per second (default: gateway.rate_limit.records_per_second). */
  rate_limit: z.number().positive().optional(),
});

export type ApiKeyConfig = z.output<typeof apiKeyConfigSchema>;

/** A list of config keys: no name and no hash twice (each reported at its path under `api_keys`). */
export const apiKeyConfigListSchema = z
  .array(apiKeyConfigSchema)
  .default([])
  .superRefine((keys, ctx) => {
    const seenNames = new Set<string>();
    const seenHashes = new Set<string>();
    keys.forEach((key, index) => {
      if (seenNames.has(key.name)) {
        ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate key name "${key.name}"` });
      }
      if (seenHashes.has(key.sha256)) {
        ctx.addIssue({ code: 'custom', path: [index, 'sha256'], message: 'the same key hash appears twice' });
      }
      seenNames.add(key.name);
      seenHashes.add(key.sha256);
    });
  });
