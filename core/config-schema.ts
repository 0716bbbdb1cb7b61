// The shape of primoart.yml. Core states the sections every process shares (kafka, the stores'
// addresses, log, startup, …); each component (the gateway, each worker) owns its own section, the
// way an OpenTelemetry Collector component owns its config: its schema and defaults live with the
// component, and the entry point hands the list of owners to the loader (`configSchemaFor`).
// Objects are strict: an unknown key is a reported problem, so a typo is never silently ignored,
// and a key under the wrong component is one too.
// Sections that only some processes need (postgres, minio, …) are optional here; the process that
// needs one asks for it with `requireSection`, which fails start-up naming the missing section.
import { z } from 'zod';

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

/** Validators a component's schema shares with core's sections. */
export const hostPort = z.string().refine((value) => parseHostPort(value) !== undefined, {
  message: 'expected host:port',
});
export const positiveInt = z.number().int().min(1);
export const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

export const logLevels = ['trace', 'debug', 'info', 'warn', 'error'] as const;

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

/**
 * Alerta: where alerts are sent and every worker sends its heartbeats (the heartbeats' and the
 * forwarder's keys). A key left out takes the default stated here, and only here.
 */
export const alertaSchema = z.strictObject({
  url: httpUrl,
  api_key: z.string().min(1),
  /** Replaces every alert's environment (it must be in Alerta's ALLOWED_ENVIRONMENTS); none by default. */
  environment: z.string().min(1).optional(),
  /**
   * Alerta's ALLOWED_ENVIRONMENTS; an event's environment is sent as one of them
   * (workers/alerta-forwarder/README.md). The default is Alerta's own (the stack's Alerta uses it too).
   */
  allowed_environments: z
    .array(z.string().min(1))
    .min(1)
    .default(['production', 'staging', 'development', 'test']),
  /** Environment names robots send → one of allowed_environments; the entries given add to (or replace) these. */
  environment_map: z
    .record(z.string().min(1), z.string().min(1))
    .default({})
    .transform(
      (given): Record<string, string> => ({
        prod: 'production',
        prd: 'production',
        live: 'production',
        stage: 'staging',
        stg: 'staging',
        preprod: 'staging',
        'pre-prod': 'staging',
        uat: 'staging',
        dev: 'development',
        qa: 'test',
        testing: 'test',
        ...given,
      }),
    ),
  /** Where an environment neither allowed nor mapped goes: Alerta's own DEFAULT_ENVIRONMENT, so it is shown. */
  unknown_environment: z.string().min(1).default('production'),
  /** The service of alerts whose events carry none (Alerta refuses an empty list). */
  fallback_service: z.string().min(1).default('PrimoART'),
  /** Per request to Alerta (alerts and heartbeats): connect, headers and body. */
  request_timeout_ms: positiveInt.default(10_000),
  /** A quarter of the timeout, so one lost beat is no alert. */
  heartbeat_interval_ms: positiveInt.default(30_000),
  /** Alerta reports an origin stale once no heartbeat came for this long; whole seconds (Alerta's unit). */
  heartbeat_timeout_ms: positiveInt
    .refine((ms) => ms % 1000 === 0, { error: 'expected whole seconds (a multiple of 1000)' })
    .default(120_000),
});

const sharedShape = {
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
  alerta: alertaSchema.optional(),
  startup: z
    .strictObject({
      /** How long start-up keeps retrying a dependency before giving up with a named error. */
      dependency_timeout_ms: positiveInt.default(30_000),
      /** How long a stop (drain, commit, close) may take before the process exits non-zero. */
      shutdown_timeout_ms: positiveInt.default(15_000),
    })
    .prefault({}),
};

/** Core's own sections, without any component's. */
export const sharedConfigSchema = z.strictObject(sharedShape);

/** What every component section holds: the address its process serves health and metrics on. */
export interface ProcessSection {
  listen: string;
}

/**
 * A component's config section, as its owner states it (OpenTelemetry Collector's component.Config
 * with its factory's defaults): where the section sits in the file and its schema.
 */
export interface ConfigOwner<S extends z.ZodType = z.ZodType> {
  /** The process name: `ingest-gateway`, `synth-store`, … */
  name: string;
  /** Where its section sits: `['gateway']`, or `['workers', '<name>']` for a worker. */
  path: readonly [string] | readonly [string, string];
  /** Validates the section and fills in its defaults; its output has the process's `listen`. */
  configSchema: S;
}

/**
 * The whole file's schema: core's sections and one optional section per owner. Owners under one
 * parent key (`workers`) share a strict mapping, so a section no owner claims is an unknown key.
 */
export function configSchemaFor(owners: readonly ConfigOwner[]) {
  const shape: Record<string, z.ZodType> = { ...sharedShape };
  const nested = new Map<string, Record<string, z.ZodType>>();
  for (const owner of owners) {
    const [parent, child] = owner.path;
    if (parent in sharedShape) throw new Error(`${owner.name}: section ${parent} belongs to core`);
    if (child === undefined) {
      shape[parent] = owner.configSchema.optional();
      continue;
    }
    const children = nested.get(parent) ?? {};
    children[child] = owner.configSchema.optional();
    nested.set(parent, children);
  }
  for (const [parent, children] of nested) shape[parent] = z.strictObject(children).prefault({});
  // The file always has a `workers` mapping, also with no worker registered.
  shape.workers ??= z.strictObject({}).prefault({});
  return z.strictObject(shape);
}

export type SharedConfig = z.output<typeof sharedConfigSchema>;

/**
 * A validated file: core's sections typed; a component reads its own section with `sectionOf`
 * (core/config.ts), typed by its schema.
 */
export type PrimoartConfig = SharedConfig & {
  workers: Readonly<Record<string, ProcessSection>>;
  readonly [section: string]: unknown;
};

export type LogLevel = (typeof logLevels)[number];
export type KafkaConfig = PrimoartConfig['kafka'];
export type KafkaCredentials = NonNullable<KafkaConfig['sasl']>;
export type PostgresConfig = NonNullable<PrimoartConfig['postgres']>;
export type MinioConfig = NonNullable<PrimoartConfig['minio']>;
export type AlertaConfig = NonNullable<PrimoartConfig['alerta']>;
