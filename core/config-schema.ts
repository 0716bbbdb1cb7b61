// The shape of primoart.yml: every section, every default, in one place.
// Objects are strict: an unknown key is a reported problem, so a typo is never silently ignored.
// Sections that only some processes need (postgres, minio, …) are optional here; the process that
// needs one asks for it with `requireSection`, which fails start-up naming the missing section.
import { z } from 'zod';
import { detectionSchema, maintenanceWindowsSchema } from '../workers/event-detector/detection-config.ts';

const hostPortPattern = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** `host:port` (IPv6 as `[::1]:port`); port 0 asks the OS for a free port. */
export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const match = hostPortPattern.exec(value);
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (port > 65535) return undefined;
  const host = (match[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  return { host, port };
}

const hostPort = z.string().refine((value) => parseHostPort(value) !== undefined, {
  message: 'expected host:port',
});
const positiveInt = z.number().int().min(1);
const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

export const logLevels = ['trace', 'debug', 'info', 'warn', 'error'] as const;

export const apiKeyScopes = ['results:write', 'otlp:write', 'definitions:read', 'admin'] as const;

const apiKeySchema = z.strictObject({
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

const workerSchema = z.strictObject({
  listen: hostPort,
  /** Consumer group; default `primoart.<worker>`. Instances of one worker share it to split partitions. */
  group_id: z.string().min(1).optional(),
  batch: z
    .strictObject({
      max_records: positiveInt.default(500),
      max_bytes: positiveInt.default(8 * 1024 * 1024),
      max_wait_ms: positiveInt.default(200),
    })
    .prefault({}),
  retry: z
    .strictObject({
      initial_ms: positiveInt.default(200),
      max_ms: positiveInt.default(10_000),
    })
    .prefault({}),
  /** A worker that keeps local state (the baseline model's SQLite file): its path. Required by such a worker. */
  state_file: z.string().min(1).optional(),
  /** alerta-forwarder only; defaults in workers/alerta-forwarder/forwarder-options.ts. */
  forwarding: z
    .strictObject({
      /** `origin` of the alerts sent. */
      origin: z.string().min(1).optional(),
      /** Events older than this when read (a replay, a long outage) are not sent. */
      max_event_age_ms: positiveInt.optional(),
      /** How often Alerta's heartbeats are turned into HeartbeatFail/Slow/OK alerts. */
      heartbeat_check_interval_ms: positiveInt.optional(),
      /** Heartbeats expired for longer than this are deleted (a retired instance) and their alert closed. */
      heartbeat_forget_after_ms: positiveInt.optional(),
      /** Only heartbeats whose origin starts with this are watched. */
      heartbeat_origin_prefix: z.string().min(1).optional(),
    })
    .optional(),
  /** baseline: the model's knobs (defaults and why in workers/baseline/settings.ts and its README). */
  model: z
    .strictObject({
      /** Runs older than this many days before their series' newest run leave the model. */
      window_days: positiveInt.optional(),
      /** A series is `learning` (nothing judged against it) until its window holds this many runs. */
      learning_min_samples: positiveInt.optional(),
      /** An hour-of-week bucket is used once it holds this many non-FAIL runs; before, all hours are. */
      bucket_min_samples: positiveInt.optional(),
    })
    .optional(),
  /** event-detector: the rules' thresholds (defaults in workers/event-detector/detector-options.ts). */
  detection: detectionSchema.optional(),
  /** event-detector: when problems are recorded but not alerted. */
  maintenance_windows: maintenanceWindowsSchema.optional(),
});

/**
 * A SASL/SCRAM identity on Kafka. The password is given inline (or as `${VAR}`) or, so that a
 * process can be handed only its own secret (a systemd credential, a compose secret), as a file.
 */
const kafkaCredentialsSchema = z
  .strictObject({
    mechanism: z.enum(['scram-sha-256', 'scram-sha-512']).default('scram-sha-512'),
    username: z.string().min(1),
    password: z.string().min(1).optional(),
    /** Read at connect time; one trailing newline is ignored. */
    password_file: z.string().min(1).optional(),
  })
  .refine(
    (credentials) => (credentials.password === undefined) !== (credentials.password_file === undefined),
    {
      error: 'expected exactly one of password and password_file',
    },
  );

export const configSchema = z.strictObject({
  /** Environment for results that carry none. */
  environment: z.string().min(1).default('production'),
  log: z.strictObject({ level: z.enum(logLevels).default('info') }).prefault({}),
  kafka: z.strictObject({
    brokers: z.array(hostPort).min(1),
    client_id: z.string().min(1).default('primoart'),
    connect_timeout_ms: positiveInt.default(3000),
    request_timeout_ms: positiveInt.default(30_000),
    consumer: z
      .strictObject({
        /**
         * How long the group coordinator waits for a silent consumer (a crashed worker) before it
         * hands its partitions to the others. Kafka accepts 6 s to 30 min unless the broker's
         * group.min/max.session.timeout.ms say otherwise.
         */
        session_timeout_ms: z.number().int().min(6000).max(1_800_000).default(30_000),
      })
      .prefault({}),
    /** The identity of every process without one in `identities`, and of the CLI; none = no authentication. */
    sasl: kafkaCredentialsSchema.optional(),
    /**
     * One identity per process, keyed by the process name (`ingest-gateway`, or a worker's name),
     * so that each has only the ACLs it needs (infra/README.md "Kafka security").
     */
    identities: z
      .record(
        z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'expected a process name in kebab-case' }),
        kafkaCredentialsSchema,
      )
      .default({}),
  }),
  schema_registry: z.strictObject({ url: httpUrl }),
  postgres: z
    .strictObject({
      url: z.url({ protocol: /^postgres(ql)?$/, error: 'expected a postgres:// URL' }),
      pool_max: positiveInt.default(10),
    })
    .optional(),
  minio: z
    .strictObject({
      endpoint: httpUrl,
      access_key: z.string().min(1),
      secret_key: z.string().min(1),
      bucket: z.string().min(3).default('primoart-artifacts'),
      region: z.string().min(1).default('us-east-1'),
    })
    .optional(),
  victoria_metrics: z.strictObject({ url: httpUrl }).optional(),
  victoria_logs: z.strictObject({ url: httpUrl }).optional(),
  /**
   * Alerta: where the alerta-forwarder sends alerts and every process its heartbeats. Keys left out
   * take their defaults from workers/alerta-forwarder/forwarder-options.ts.
   */
  alerta: z
    .strictObject({
      url: httpUrl,
      api_key: z.string().min(1),
      /** Replaces every alert's environment (it must be in Alerta's ALLOWED_ENVIRONMENTS). */
      environment: z.string().min(1).optional(),
      /** Alerta's ALLOWED_ENVIRONMENTS; an event's environment is sent as one of them (workers/alerta-forwarder/README.md). */
      allowed_environments: z.array(z.string().min(1)).min(1).optional(),
      /** Environment names robots send → one of allowed_environments; added to the forwarder's defaults. */
      environment_map: z.record(z.string().min(1), z.string().min(1)).optional(),
      /** Where an environment neither allowed nor mapped goes (default production). */
      unknown_environment: z.string().min(1).optional(),
      /** The service of alerts whose events carry none. */
      fallback_service: z.string().min(1).optional(),
      request_timeout_ms: positiveInt.optional(),
      heartbeat_interval_ms: positiveInt.optional(),
      /** Whole seconds: Alerta's heartbeat timeout is in seconds. */
      heartbeat_timeout_ms: positiveInt
        .refine((ms) => ms % 1000 === 0, { error: 'expected whole seconds (a multiple of 1000)' })
        .optional(),
    })
    .optional(),
  startup: z
    .strictObject({
      /** How long start-up keeps retrying a dependency before giving up with a named error. */
      dependency_timeout_ms: positiveInt.default(30_000),
      /** How long a stop (drain, commit, close) may take before the process exits non-zero. */
      shutdown_timeout_ms: positiveInt.default(15_000),
    })
    .prefault({}),
  gateway: z
    .strictObject({
      listen: hostPort,
      body_limit_bytes: positiveInt.default(32 * 1024 * 1024),
      api_keys: z.array(apiKeySchema).default([]),
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
    })
    .superRefine((gateway, ctx) => {
      const seenNames = new Set<string>();
      const seenHashes = new Set<string>();
      gateway.api_keys.forEach((key, index) => {
        if (seenNames.has(key.name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['api_keys', index, 'name'],
            message: `duplicate key name "${key.name}"`,
          });
        }
        if (seenHashes.has(key.sha256)) {
          ctx.addIssue({
            code: 'custom',
            path: ['api_keys', index, 'sha256'],
            message: 'the same key hash appears twice',
          });
        }
        seenNames.add(key.name);
        seenHashes.add(key.sha256);
      });
    })
    .optional(),
  /** One section per worker, keyed by the worker's name. */
  workers: z
    .record(
      z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'expected a worker name in kebab-case' }),
      workerSchema,
    )
    .default({}),
});

export type PrimoartConfig = z.output<typeof configSchema>;
export type LogLevel = (typeof logLevels)[number];
export type ApiKeyScope = (typeof apiKeyScopes)[number];
export type ApiKeyConfig = z.output<typeof apiKeySchema>;
export type WorkerConfig = z.output<typeof workerSchema>;
export type GatewayConfig = NonNullable<PrimoartConfig['gateway']>;
export type KafkaConfig = PrimoartConfig['kafka'];
export type KafkaCredentials = NonNullable<KafkaConfig['sasl']>;
export type PostgresConfig = NonNullable<PrimoartConfig['postgres']>;
export type MinioConfig = NonNullable<PrimoartConfig['minio']>;
export type AlertaConfig = NonNullable<PrimoartConfig['alerta']>;
