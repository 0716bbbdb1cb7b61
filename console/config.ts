// The console's section of primoart.yml (`console:`), owned here as every component owns its
// config: its keys, their defaults and their checks, registered with core's loader by
// scripts/components.ts. The stores' addresses are core's shared sections (postgres, minio,
// victoria_metrics, victoria_logs); the console only reads them.
import { z } from 'zod';
import { apiKeyConfigListSchema } from '../auth/config-keys.ts';
import { type ConfigOwner, hostPort, positiveInt } from '../core/config-schema.ts';
import { isTimeZone } from '../core/time-zone.ts';

export const consoleSchema = z.strictObject({
  listen: hostPort,
  /** Keys stated in the file (bootstrap), besides the managed keys of primoart.auth.keys.v1. */
  api_keys: apiKeyConfigListSchema,
  /** Failed authentications per source address before 429 (as the gateway's, auth/auth-failures.ts). */
  failed_auth_burst: positiveInt.default(20),
  failed_auth_per_minute: z.number().positive().default(10),
  /** How often each store is probed for the 503 of the endpoints that need it (console/stores.ts). */
  store_probe_interval_ms: positiveInt.default(2000),
  /** A probe slower than this counts its store as down. */
  store_probe_timeout_ms: positiveInt.default(1500),
  /**
   * The longest period (`from`–`to`) a question may ask about; longer is a 400. A quarter (92 days,
   * the longest quarter) by default: a report over longer reads that many days of rollups.
   */
  max_period_days: positiveInt.default(92),
  /**
   * PostgreSQL's `statement_timeout` on every console session: a question slower than this fails
   * (500 after the store recheck) instead of holding a connection and a core.
   */
  statement_timeout_ms: positiveInt.default(30_000),
  /** The bound of a streamed CSV export's statement (it reads every matching run). */
  export_statement_timeout_ms: positiveInt.default(600_000),
  /** Streamed CSV exports at once (each holds a PostgreSQL connection); more are 503 too_many_exports. */
  max_concurrent_exports: positiveInt.default(2),
  /**
   * How long a PUT of a target SLA waits for synth-store to store its change (read back from
   * PostgreSQL) before answering `stored: false` (console/api/targets.ts).
   */
  target_stored_within_ms: positiveInt.default(5000),
  /** How long a PUT of a target SLA waits for Kafka to acknowledge the change. */
  target_publish_timeout_ms: positiveInt.default(5000),
  /** How long a create or delete of a maintenance window waits for Kafka to acknowledge it. */
  maintenance_publish_timeout_ms: positiveInt.default(5000),
  /**
   * How long a create or delete of a maintenance window, once acknowledged, waits for this console's
   * view of the topic to show it (console/api/maintenance-windows.ts); it answers either way.
   */
  maintenance_visible_within_ms: positiveInt.default(5000),
  /** A web console session ends this long after its login (console/web/sessions.ts). */
  session_ttl_ms: positiveInt.default(12 * 3_600_000),
  /** … or after this long without a request. */
  session_idle_ms: positiveInt.default(2 * 3_600_000),
  /** Sessions at once; the oldest ends to make room. */
  max_sessions: positiveInt.default(10_000),
  /** The time zone the web console shows times in until a user picks another. */
  time_zone: z
    .string()
    .refine(isTimeZone, { message: 'not an IANA time zone name (e.g. Europe/Berlin, UTC)' })
    .default('UTC'),
  /**
   * The URL users open the console at, when a proxy serves it (e.g. https://primoart.example.com):
   * an https one marks the session cookie Secure even when the proxy speaks plain HTTP to us.
   */
  public_url: z.url({ protocol: /^https?$/ }).optional(),
});

export const consoleConfig = {
  name: 'console',
  path: ['console'],
  configSchema: consoleSchema,
} as const satisfies ConfigOwner<typeof consoleSchema>;

export type ConsoleConfig = z.output<typeof consoleSchema>;
