// The gateway's section of primoart.yml (`gateway:`), owned here as every component owns its
// config: its keys, their defaults and their checks. The entry point hands `gatewayConfig` to the
// config loader (scripts/components.ts); core knows none of these keys.
import { z } from 'zod';
import { apiKeyConfigListSchema } from '../auth/config-keys.ts';
import { type ConfigOwner, hostPort, positiveInt } from '../core/config-schema.ts';

export const gatewaySchema = z.strictObject({
  listen: hostPort,
  body_limit_bytes: positiveInt.default(32 * 1024 * 1024),
  api_keys: apiKeyConfigListSchema,
  /**
   * A token bucket per API key per gateway instance counting records (results, spans, data
   * points, log records); over it, requests are answered 429. And one per source address
   * counting failed authentications. See ingest-gateway/README.md "Rate limit".
   */
  rate_limit: z
    .strictObject({
      records_per_second: z.number().positive().default(100_000),
      burst: positiveInt.default(200_000),
      requests_per_second: z
        .unknown()
        .refine((value) => value === undefined, {
          error: 'replaced by records_per_second: the limit counts records, not requests',
        })
        .optional(),
      failed_auth_burst: positiveInt.default(20),
      failed_auth_per_minute: z.number().positive().default(10),
    })
    .prefault({}),
  /** The OTLP/HTTP receiver's request limits and decoder threads (ingest-gateway/README.md "OpenTelemetry"). */
  otlp: z
    .strictObject({
      /** Spans, data points or log records per request; more is answered 413. */
      max_records_per_request: positiveInt.default(20_000),
      /** Messages (attributes, values, events, links, records) per request; more is answered 413. */
      max_values_per_request: positiveInt.default(2_000_000),
      /** What one request's records may total once encoded (Avro); more is answered 413. */
      max_request_record_bytes: positiveInt.default(64 * 1024 * 1024),
      /** Worker threads that decode OTLP requests off the event loop. */
      decode_threads: positiveInt.default(2),
      /** Requests waiting for a decoder thread; more are answered 503 with Retry-After. */
      decode_queue: positiveInt.default(64),
    })
    .prefault({}),
});

export const gatewayConfig = {
  name: 'ingest-gateway',
  path: ['gateway'],
  configSchema: gatewaySchema,
} as const satisfies ConfigOwner<typeof gatewaySchema>;

export type GatewayConfig = z.output<typeof gatewaySchema>;
