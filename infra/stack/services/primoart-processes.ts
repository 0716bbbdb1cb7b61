// The project's own processes, run by the stack like any other service: the ingest gateway, the
// console and the workers of process-list.ts, each `node scripts/cli.ts …` with the generated stack config.
import { join } from 'node:path';
import { host } from '../ports.ts';
import type { ServiceDefinition, StackContext } from '../service.ts';
import { probeHttpOk } from './http-probe.ts';
import { stackConfigFile, writeStackConfig } from './primoart-config.ts';
import { type ProjectProcess, projectProcess, projectProcesses } from './process-list.ts';

export { type ProjectProcess, projectProcesses } from './process-list.ts';

const cli = (ctx: StackContext) => join(ctx.paths.repoDir, 'scripts', 'cli.ts');
const projectVersion = '0.1.0';

function cliStep(ctx: StackContext, args: string[]): Promise<string> {
  return ctx.exec(process.execPath, [cli(ctx), ...args, '--config.file', stackConfigFile(ctx)], {
    timeoutMs: 120_000,
  });
}

/** A process of the list as a stack service: its launch settings, port, dependencies and probe. */
export function processService(definition: ProjectProcess): ServiceDefinition {
  const port = (ctx: StackContext) => ctx.ports[definition.port];
  return {
    name: definition.name,
    version: projectVersion,
    dependsOn: ['kafka', 'registry', ...definition.needs],
    async install() {},
    async init(ctx) {
      writeStackConfig(ctx);
      if (definition.kind !== 'gateway') return;
      // The bus the gateway publishes to: topics as the catalog says, schemas registered.
      ctx.progress('gateway: applying the topic catalog and registering schemas');
      await cliStep(ctx, ['topics', 'apply']);
      await cliStep(ctx, ['schemas', 'register']);
    },
    launch: (ctx) => ({
      command: process.execPath,
      args: [...definition.nodeArgs, cli(ctx), ...definition.cliArgs, '--config.file', stackConfigFile(ctx)],
      ...(Object.keys(definition.env).length === 0 ? {} : { env: { ...definition.env } }),
    }),
    probe: (ctx) => probeHttpOk(`http://${host}:${port(ctx)}/-/ready`),
    env: (ctx): Record<string, string> =>
      definition.kind === 'gateway'
        ? { PRIMOART_GATEWAY_URL: `http://${host}:${port(ctx)}`, PRIMOART_CONFIG_FILE: stackConfigFile(ctx) }
        : definition.kind === 'console'
          ? { PRIMOART_CONSOLE_URL: `http://${host}:${port(ctx)}` }
          : {},
    url: (ctx) => `http://${host}:${port(ctx)}`,
    startTimeoutMs: definition.startTimeoutMs,
  };
}

/** Every process of the list, in its order. */
export const projectProcessServices: ServiceDefinition[] = projectProcesses.map(processService);

const service = (name: string): ServiceDefinition => {
  const index = projectProcesses.indexOf(projectProcess(name));
  return projectProcessServices[index] as ServiceDefinition;
};
export const gateway = service('gateway');
export const consoleService = service('console');
export const synthStore = service('synth-store');
export const artifactStore = service('artifact-store');
export const logsStore = service('logs-store');
export const metricsStore = service('metrics-store');
export const baseline = service('baseline');
export const eventDetector = service('event-detector');
export const alertaForwarder = service('alerta-forwarder');
