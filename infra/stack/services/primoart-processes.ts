// The project's own processes, run by the stack like any other service: the ingest gateway and
// the workers, each `node scripts/cli.ts …` with the generated stack config.
import { join } from 'node:path';
import { gatewayEnv, gatewayNodeArgs } from '../../../ingest-gateway/launch-settings.ts';
import { host } from '../ports.ts';
import type { ServiceDefinition, StackContext } from '../service.ts';
import { probeHttpOk } from './http-probe.ts';
import { stackConfigFile, writeStackConfig } from './primoart-config.ts';

const cli = (ctx: StackContext) => join(ctx.paths.repoDir, 'scripts', 'cli.ts');
const projectVersion = '0.1.0';

function cliStep(ctx: StackContext, args: string[]): Promise<string> {
  return ctx.exec(process.execPath, [cli(ctx), ...args, '--config.file', stackConfigFile(ctx)], {
    timeoutMs: 120_000,
  });
}

export const gateway: ServiceDefinition = {
  name: 'gateway',
  version: projectVersion,
  dependsOn: ['kafka', 'registry'],
  async install() {},
  async init(ctx) {
    writeStackConfig(ctx);
    // The bus the gateway publishes to: topics as the catalog says, schemas registered.
    ctx.progress('gateway: applying the topic catalog and registering schemas');
    await cliStep(ctx, ['topics', 'apply']);
    await cliStep(ctx, ['schemas', 'register']);
  },
  launch: (ctx) => ({
    command: process.execPath,
    args: [...gatewayNodeArgs, cli(ctx), 'gateway', '--config.file', stackConfigFile(ctx)],
    env: { ...gatewayEnv },
  }),
  probe: (ctx) => probeHttpOk(`http://${host}:${ctx.ports.gateway}/-/ready`),
  env: (ctx) => ({
    PRIMOART_GATEWAY_URL: `http://${host}:${ctx.ports.gateway}`,
    PRIMOART_CONFIG_FILE: stackConfigFile(ctx),
  }),
  url: (ctx) => `http://${host}:${ctx.ports.gateway}`,
  startTimeoutMs: 60_000,
};

/** A worker of the project run by the stack: `primoart worker <name>` with the stack config. */
export function workerService(
  name: string,
  port: (ctx: StackContext) => number,
  dependsOn: string[],
  startTimeoutMs = 60_000,
): ServiceDefinition {
  return {
    name,
    version: projectVersion,
    // The gateway's init applies the topic catalog and registers the schemas workers read with.
    dependsOn: ['kafka', 'registry', 'gateway', ...dependsOn],
    async install() {},
    async init(ctx) {
      writeStackConfig(ctx);
    },
    launch: (ctx) => ({
      command: process.execPath,
      args: [cli(ctx), 'worker', name, '--config.file', stackConfigFile(ctx)],
    }),
    probe: (ctx) => probeHttpOk(`http://${host}:${port(ctx)}/-/ready`),
    env: () => ({}),
    url: (ctx) => `http://${host}:${port(ctx)}`,
    startTimeoutMs,
  };
}

export const synthStore = workerService('synth-store', (ctx) => ctx.ports.synthStore, ['postgres']);
export const artifactStore = workerService('artifact-store', (ctx) => ctx.ports.artifactStore, ['minio']);
export const logsStore = workerService('logs-store', (ctx) => ctx.ports.logsStore, ['victoria-logs']);
export const baseline = workerService('baseline', (ctx) => ctx.ports.baseline, ['kafka']);
// Ready only once it has read the whole compacted baselines topic: one record per series ever seen
// (a few KiB each), which takes a while on a long-lived stack.
export const eventDetector = workerService(
  'event-detector',
  (ctx) => ctx.ports.eventDetector,
  ['kafka'],
  5 * 60_000,
);
export const alertaForwarder = workerService('alerta-forwarder', (ctx) => ctx.ports.alertaForwarder, [
  'alerta',
]);
export const metricsStore = workerService('metrics-store', (ctx) => ctx.ports.metricsStore, [
  'victoria-metrics',
]);
