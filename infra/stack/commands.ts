// `primoart up | down | status | env`: the local stack seen from the operator's terminal.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseStackOptions, type StackCommandOptions, UsageError } from './command-line.ts';
import { createStackContext } from './context.ts';
import {
  inspectServices,
  prepareServices,
  ServiceStartError,
  type ServiceStatus,
  startServices,
  stopServices,
} from './runner.ts';
import { secretsFile } from './secrets.ts';
import type { ServiceDefinition, StackContext } from './service.ts';
import { startOrder, stopOrder } from './service-order.ts';
import { projectProcessNames, stackServices } from './services/index.ts';
import { exportLines } from './shell-quote.ts';
import { acquireStackLock } from './stack-lock.ts';
import { currentPathInputs, resolveStackPaths, stateLayout } from './stack-paths.ts';

const lockWaitMs = 10 * 60_000;

function say(message: string): void {
  process.stderr.write(`primoart: ${message}\n`);
}

/** Parse options and build the context; usage and unknown-service errors become exit code 2. */
async function withStack(
  args: string[],
  command: { allowOnly: boolean; createSecrets: boolean; allowInfraOnly?: boolean },
  body: (ctx: StackContext, options: StackCommandOptions) => Promise<number>,
): Promise<number> {
  let options: StackCommandOptions;
  try {
    options = parseStackOptions(args, command.allowOnly, command.allowInfraOnly);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    say(error.message);
    return 2;
  }
  const paths = resolveStackPaths(currentPathInputs(options.stateDir));
  if (command.createSecrets) mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const ctx = createStackContext({ paths, createSecrets: command.createSecrets });
  return body(ctx, options);
}

function ordered(
  kind: 'start' | 'stop',
  services: readonly ServiceDefinition[],
  only?: string[],
): ServiceDefinition[] | undefined {
  try {
    return kind === 'start' ? startOrder(services, only) : stopOrder(services, only);
  } catch (error) {
    say((error as Error).message);
    return undefined;
  }
}

async function locked(ctx: StackContext, body: () => Promise<number>): Promise<number> {
  const release = await acquireStackLock(stateLayout.lockFile(ctx.paths), {
    waitMs: lockWaitMs,
    onWait: (holder) => ctx.progress(`waiting for another primoart up/down (pid ${holder}) to finish`),
  });
  try {
    return await body();
  } finally {
    release();
  }
}

export function upCommand(args: string[]): Promise<number> {
  const command = { allowOnly: true, createSecrets: true, allowInfraOnly: true };
  return withStack(args, command, async (ctx, options) => {
    const services = ordered('start', stackServices, options.only);
    if (services === undefined) return 2;
    // With --infra-only, PrimoART's own processes are prepared but not launched. They come last in
    // the start order (they depend on the backing services, never the other way round).
    const own = new Set<string>(projectProcessNames);
    const launched = options.infraOnly ? services.filter((s) => !own.has(s.name)) : services;
    const prepared = options.infraOnly ? services.filter((s) => own.has(s.name)) : [];
    const began = Date.now();
    ctx.progress(
      `state directory ${ctx.paths.stateDir}; starting ${launched.map((s) => s.name).join(', ')}` +
        (prepared.length === 0
          ? ''
          : `; preparing without starting ${prepared.map((s) => s.name).join(', ')}`),
    );
    return locked(ctx, async () => {
      try {
        await startServices(ctx, launched);
        await prepareServices(ctx, prepared);
      } catch (error) {
        if (!(error instanceof ServiceStartError)) throw error;
        say(error.message);
        if (error.logTail !== '') {
          process.stderr.write(`---- last lines of ${error.logFile} ----\n${error.logTail}\n----\n`);
        }
        return 1;
      }
      ctx.progress(
        `up: ${launched.length} service(s) ready` +
          (prepared.length === 0 ? '' : `, ${prepared.length} prepared`) +
          ` in ${((Date.now() - began) / 1000).toFixed(1)} s`,
      );
      return 0;
    });
  });
}

export function downCommand(args: string[]): Promise<number> {
  return withStack(args, { allowOnly: true, createSecrets: false }, async (ctx, options) => {
    const services = ordered('stop', stackServices, options.only);
    if (services === undefined) return 2;
    if (!existsSync(ctx.paths.stateDir)) {
      ctx.progress(`no local stack in ${ctx.paths.stateDir}; nothing to stop`);
      return 0;
    }
    return locked(ctx, async () => {
      await stopServices(ctx, services);
      return 0;
    });
  });
}

export function formatStatusTable(rows: readonly ServiceStatus[]): string {
  const header = ['SERVICE', 'VERSION', 'PID', 'STATE', 'URL'];
  const cells = rows.map((row) => [
    row.name,
    row.version,
    row.pid === undefined ? '-' : String(row.pid),
    row.state,
    row.url,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((cell) => (cell[column] ?? '').length)),
  );
  return [header, ...cells]
    .map((cell) =>
      cell
        .map((text, column) => text.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

export function statusCommand(args: string[]): Promise<number> {
  return withStack(args, { allowOnly: false, createSecrets: false }, async (ctx) => {
    const rows = await inspectServices(ctx, startOrder(stackServices));
    process.stdout.write(`state directory: ${ctx.paths.stateDir}\n`);
    process.stdout.write(formatStatusTable(rows));
    return rows.every((row) => row.state === 'healthy') ? 0 : 1;
  });
}

/** The variables `primoart env` exports, in a stable order. */
export function stackVariables(
  ctx: StackContext,
  services: readonly ServiceDefinition[],
): Record<string, string> {
  const variables: Record<string, string> = {
    PRIMOART_STATE_DIR: ctx.paths.stateDir,
    PRIMOART_ADMIN_KEY: ctx.secrets.adminApiKey,
  };
  for (const service of services) Object.assign(variables, service.env(ctx));
  return variables;
}

export function envCommand(args: string[]): Promise<number> {
  return withStack(args, { allowOnly: false, createSecrets: false }, async (ctx) => {
    if (!existsSync(secretsFile(ctx.paths.stateDir))) {
      say(`no local stack in ${ctx.paths.stateDir} (run 'primoart up' first, or pass --state-dir)`);
      return 1;
    }
    // The project's Node 24 first on PATH, so `node --test …` and `node scripts/bench/…` in the
    // same shell run TypeScript instead of the machine's older Node ("Unknown file extension .ts").
    // A plain value (this process's PATH), so `primoart test` can read the lines back as they are.
    const nodeDir = dirname(process.execPath);
    const rest = (process.env.PATH ?? '').split(':').filter((dir) => dir !== '' && dir !== nodeDir);
    const variables = {
      ...stackVariables(ctx, startOrder(stackServices)),
      PATH: [nodeDir, ...rest].join(':'),
    };
    process.stdout.write(exportLines(variables));
    return 0;
  });
}
