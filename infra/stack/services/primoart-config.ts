// The config file the stack's own processes (gateway, workers) run with: generated on every `up`
// from the stack's ports and secrets into <stateDir>/primoart.yml (mode 0600: it holds passwords).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { sha256Hex } from '../../../core/sha256.ts';
import { kafkaAdminIdentity, kafkaProcessIdentities } from '../kafka-identities.ts';
import { host } from '../ports.ts';
import type { StackContext } from '../service.ts';
import { stateLayout } from '../stack-paths.ts';
import { alerta } from './alerta.ts';
import { apicurio } from './apicurio.ts';
import { kafka, kafkaAuthenticated, kafkaCredentials } from './kafka.ts';
import { minio } from './minio.ts';
import { postgres } from './postgres.ts';
import { projectProcesses } from './process-list.ts';
import { victoriaLogs } from './victoria-logs.ts';
import { victoriaMetrics } from './victoria-metrics.ts';

export const stackConfigFile = (ctx: StackContext): string => join(ctx.paths.stateDir, 'primoart.yml');
/** The config of a scaled worker's instance `<worker>-<i>`: the stack's, but for its listen address. */
export const instanceConfigFile = (ctx: StackContext, instance: string): string =>
  join(ctx.paths.stateDir, `primoart.${instance}.yml`);

/** What an instance's config changes: its worker's listen address. */
export interface InstanceOverride {
  /** The instance's service name (`synth-store-2`), which names its file. */
  name: string;
  worker: string;
  listen: string;
}

/**
 * The CLI logs in as the admin (`kafka.sasl`), each process as its own identity, whose ACLs
 * `primoart topics apply` (the gateway's init) derives. Nothing while the running Kafka is one
 * from before authentication (see kafkaAuthenticated).
 */
function kafkaIdentitiesSection(ctx: StackContext): Record<string, unknown> {
  if (!kafkaAuthenticated(ctx)) return {};
  return {
    sasl: kafkaCredentials(ctx, kafkaAdminIdentity),
    identities: Object.fromEntries(
      kafkaProcessIdentities.map((identity) => [identity, kafkaCredentials(ctx, identity)]),
    ),
  };
}

/** Only what the services say about themselves (their `env`), so there is one source for each URL. */
export function stackConfig(ctx: StackContext): Record<string, unknown> {
  const variable = (service: { env(ctx: StackContext): Record<string, string> }, name: string): string => {
    const value = service.env(ctx)[name];
    if (value === undefined) throw new Error(`stack config: no ${name}`);
    return value;
  };
  const consoleListen = `${host}:${ctx.ports.console}`;
  // What a worker's section holds besides its listen address and state file.
  const workerExtras: Record<string, Record<string, unknown>> = {
    // Alerts link their problem's page in the stack's own console.
    'alerta-forwarder': { forwarding: { console_url: `http://${consoleListen}` } },
  };
  return {
    environment: 'production',
    log: { level: 'info' },
    kafka: {
      brokers: variable(kafka, 'PRIMOART_KAFKA_BROKERS').split(','),
      client_id: 'primoart',
      ...kafkaIdentitiesSection(ctx),
    },
    schema_registry: { url: variable(apicurio, 'PRIMOART_REGISTRY_URL') },
    postgres: { url: variable(postgres, 'PRIMOART_PG_URL') },
    minio: {
      endpoint: variable(minio, 'PRIMOART_MINIO_URL'),
      access_key: variable(minio, 'PRIMOART_MINIO_ACCESS_KEY'),
      secret_key: variable(minio, 'PRIMOART_MINIO_SECRET_KEY'),
    },
    victoria_logs: { url: variable(victoriaLogs, 'PRIMOART_VL_URL') },
    victoria_metrics: { url: variable(victoriaMetrics, 'PRIMOART_VM_URL') },
    // Every stack process sends heartbeats here; the alerta-forwarder sends the alerts.
    alerta: {
      url: variable(alerta, 'PRIMOART_ALERTA_URL'),
      api_key: variable(alerta, 'PRIMOART_ALERTA_KEY'),
    },
    gateway: {
      listen: `${host}:${ctx.ports.gateway}`,
      api_keys: [{ name: 'admin', sha256: sha256Hex(ctx.secrets.adminApiKey), scopes: ['admin'] }],
    },
    console: {
      listen: consoleListen,
      api_keys: [{ name: 'admin', sha256: sha256Hex(ctx.secrets.adminApiKey), scopes: ['admin'] }],
    },
    workers: Object.fromEntries(
      projectProcesses
        .filter((process) => process.kind === 'worker')
        .map((worker) => [
          worker.name,
          {
            listen: `${host}:${ctx.ports[worker.port]}`,
            ...(worker.stateFile === undefined
              ? {}
              : { state_file: join(stateLayout.dataDir(ctx.paths, worker.name), worker.stateFile) }),
            ...workerExtras[worker.name],
          },
        ]),
    ),
  };
}

export function writeStackConfig(ctx: StackContext, instance?: InstanceOverride): string {
  const config = stackConfig(ctx);
  if (instance !== undefined) {
    const workers = config.workers as Record<string, Record<string, unknown>>;
    workers[instance.worker] = { ...workers[instance.worker], listen: instance.listen };
  }
  const file = instance === undefined ? stackConfigFile(ctx) : instanceConfigFile(ctx, instance.name);
  writeFileSync(
    file,
    `# Written by 'primoart up' for the local stack; edits are overwritten.\n${stringify(config)}`,
    { mode: 0o600 },
  );
  return file;
}
