// The project's own processes, run by the stack like any other service: the ingest gateway, the
// console and the workers of process-list.ts, each `node scripts/cli.ts …` with the generated stack
// config. A worker scaled with `up --scale <worker>=N` runs N services on its one consumer group:
// `<worker>` and `<worker>-2` … `<worker>-N`, each on a port of its own (ports.ts) and with a config
// file of its own that differs only in that listen address.
import { join } from 'node:path';
import { instanceName, instancesOf, type StackLayout } from '../layout.ts';
import { host, workerInstancePort } from '../ports.ts';
import type { ServiceDefinition, StackContext } from '../service.ts';
import { probeHttpOk } from './http-probe.ts';
import { instanceConfigFile, stackConfigFile, writeStackConfig } from './primoart-config.ts';
import { type ProjectProcess, projectProcess, projectProcesses } from './process-list.ts';

export { type ProjectProcess, projectProcesses } from './process-list.ts';

const cli = (ctx: StackContext) => join(ctx.paths.repoDir, 'scripts', 'cli.ts');
const projectVersion = '0.1.0';

function cliStep(ctx: StackContext, args: string[]): Promise<string> {
  return ctx.exec(process.execPath, [cli(ctx), ...args, '--config.file', stackConfigFile(ctx)], {
    timeoutMs: 120_000,
  });
}

/** The workers `up --scale` may run several of: those whose whole state is in their store. */
export const scalableWorkers: readonly string[] = projectProcesses
  .filter((process) => process.kind === 'worker' && process.stateFile === undefined)
  .map((process) => process.name);

const workerSlot = (name: string): number =>
  projectProcesses
    .filter((process) => process.kind === 'worker')
    .findIndex((process) => process.name === name);

/** Instance `index` (from 1) of a process's listen port: the first on its own, the others in their range. */
export function instancePort(ctx: StackContext, definition: ProjectProcess, index: number): number {
  return index === 1
    ? ctx.ports[definition.port]
    : workerInstancePort(ctx.ports, workerSlot(definition.name), index);
}

/** A process of the list as a stack service: its launch settings, port, dependencies and probe. */
export function processService(definition: ProjectProcess, index = 1): ServiceDefinition {
  const port = (ctx: StackContext) => instancePort(ctx, definition, index);
  const name = instanceName(definition.name, index);
  const configFile = (ctx: StackContext) =>
    index === 1 ? stackConfigFile(ctx) : instanceConfigFile(ctx, name);
  return {
    name,
    version: projectVersion,
    dependsOn: ['kafka', 'registry', ...definition.needs],
    async install() {},
    async init(ctx) {
      writeStackConfig(ctx);
      if (index !== 1)
        writeStackConfig(ctx, { worker: definition.name, listen: `${host}:${port(ctx)}`, name });
      if (definition.kind !== 'gateway') return;
      // The bus the gateway publishes to: topics as the catalog says, schemas registered.
      ctx.progress('gateway: applying the topic catalog and registering schemas');
      await cliStep(ctx, ['topics', 'apply']);
      await cliStep(ctx, ['schemas', 'register']);
    },
    launch: (ctx) => ({
      command: process.execPath,
      args: [...definition.nodeArgs, cli(ctx), ...definition.cliArgs, '--config.file', configFile(ctx)],
      ...(Object.keys(definition.env).length === 0 ? {} : { env: { ...definition.env } }),
    }),
    probe: (ctx) => probeHttpOk(`http://${host}:${port(ctx)}/-/ready`),
    env: (ctx): Record<string, string> =>
      index !== 1
        ? {}
        : definition.kind === 'gateway'
          ? {
              PRIMOART_GATEWAY_URL: `http://${host}:${port(ctx)}`,
              PRIMOART_CONFIG_FILE: stackConfigFile(ctx),
            }
          : definition.kind === 'console'
            ? { PRIMOART_CONSOLE_URL: `http://${host}:${port(ctx)}` }
            : {},
    url: (ctx) => `http://${host}:${port(ctx)}`,
    startTimeoutMs: definition.startTimeoutMs,
  };
}

/** Every process of the list, in its order, each scaled worker's instances after its first. */
export function projectProcessServices(layout: StackLayout): ServiceDefinition[] {
  return projectProcesses.flatMap((definition) =>
    Array.from({ length: instancesOf(layout, definition.name) }, (_, i) => processService(definition, i + 1)),
  );
}

const service = (name: string): ServiceDefinition => processService(projectProcess(name));
export const gateway = service('gateway');
export const consoleService = service('console');
export const synthStore = service('synth-store');
export const artifactStore = service('artifact-store');
export const logsStore = service('logs-store');
export const metricsStore = service('metrics-store');
export const baseline = service('baseline');
export const eventDetector = service('event-detector');
export const alertaForwarder = service('alerta-forwarder');
