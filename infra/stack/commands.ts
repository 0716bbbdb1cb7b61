// `primoart up | down | status | env`: the local stack seen from the operator's terminal.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { table } from '../../core/text-table.ts';
import { workerNames } from '../../workers/bus-access.ts';
import {
  formatClusterStatus,
  formatInstances,
  type InstanceView,
  parseClusterStatus,
  parseWorkerMetrics,
} from './cluster-status.ts';
import { parseStackOptions, type StackCommandOptions, UsageError } from './command-line.ts';
import { createStackContext } from './context.ts';
import {
  changedLayout,
  LayoutError,
  maxInstances,
  readLayout,
  type StackLayout,
  writeLayout,
} from './layout.ts';
import { runningPid } from './pid-file.ts';
import { host, kafkaNodePorts } from './ports.ts';
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
import { scalableWorkers, stackServices } from './services/index.ts';
import { describeKafkaCluster, formattedBrokerCount } from './services/kafka.ts';
import { processService, projectProcessServices } from './services/primoart-processes.ts';
import { projectProcess } from './services/process-list.ts';
import { scrapeConfigFile, writeScrapeConfig } from './services/scrape-config.ts';
import { exportLines } from './shell-quote.ts';
import { acquireStackLock } from './stack-lock.ts';
import { currentPathInputs, resolveStackPaths, stateLayout } from './stack-paths.ts';

const lockWaitMs = 10 * 60_000;

function say(message: string): void {
  process.stderr.write(`primoart: ${message}\n`);
}

/**
 * Parse options and build the context; usage, layout and unknown-service errors become exit code 2.
 * With `allowLayout` (up), the context carries the layout after the flags, and the body also gets
 * the one the state directory held before (for what a scale-down stops).
 */
async function withStack(
  args: string[],
  command: { allowOnly: boolean; createSecrets: boolean; allowInfraOnly?: boolean; allowLayout?: boolean },
  body: (ctx: StackContext, options: StackCommandOptions, previous: StackLayout) => Promise<number>,
): Promise<number> {
  let options: StackCommandOptions;
  try {
    options = parseStackOptions(args, command.allowOnly, command.allowInfraOnly, command.allowLayout);
    const paths = resolveStackPaths(currentPathInputs(options.stateDir));
    const previous = readLayout(paths.stateDir);
    const layout = changedLayout(
      previous,
      {
        ...(options.kafkaBrokers === undefined ? {} : { kafkaBrokers: options.kafkaBrokers }),
        ...(options.scale === undefined ? {} : { scale: options.scale }),
        ...(options.portOffset === undefined ? {} : { portOffset: options.portOffset }),
      },
      scalableWorkers,
    );
    const strayKeys = Object.keys(previous.scale).filter((worker) => !scalableWorkers.includes(worker));
    if (strayKeys.length > 0)
      throw new LayoutError(
        `${paths.stateDir}/stack.json scales ${strayKeys.join(', ')}; only ${scalableWorkers.join(', ')} can be scaled`,
      );
    if ((layout.portOffset ?? 0) !== (previous.portOffset ?? 0) && anyRunning(paths.stateDir))
      throw new LayoutError(
        `the stack in ${paths.stateDir} is running on ports + ${previous.portOffset ?? 0}: ` +
          `run 'primoart down' first to move it to + ${layout.portOffset ?? 0}`,
      );
    if (command.createSecrets) mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
    const ctx = createStackContext({ paths, layout, createSecrets: command.createSecrets });
    const formatted = formattedBrokerCount(ctx);
    if (formatted !== undefined && formatted !== layout.kafkaBrokers)
      throw new LayoutError(
        `this state directory's Kafka was formatted as ${formatted} broker(s); a KRaft quorum's size is ` +
          `fixed when its storage is formatted, so --kafka-brokers ${layout.kafkaBrokers} needs a new ` +
          `state directory (--state-dir), or 'down' and the removal of ${ctx.paths.stateDir}/data/kafka* ` +
          '(its records are lost)',
      );
    return await body(ctx, options, previous);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof LayoutError)) throw error;
    say(error.message);
    return 2;
  }
}

/** Whether any service of this state directory has a live process (a pid file whose process runs). */
function anyRunning(stateDir: string): boolean {
  const runDir = join(stateDir, 'run');
  if (!existsSync(runDir)) return false;
  return readdirSync(runDir)
    .filter((file) => file.endsWith('.pid'))
    .some((file) => runningPid(join(runDir, file)) !== undefined);
}

/**
 * `--only <name>` means every numbered sibling too: each instance of a scaled worker, so `down
 * --only synth-store` (what `primoart test` runs) stops them all, and each node of a Kafka cluster,
 * so `down --only kafka` stops kafka-2 and kafka-3 as well as node 1.
 */
export function withInstances(
  only: string[] | undefined,
  services: readonly ServiceDefinition[],
): string[] | undefined {
  const instanceOf = (service: string, worker: string) =>
    service === worker || new RegExp(`^${worker}-[0-9]+$`).test(service);
  return only?.flatMap((name) => {
    const siblings = services.filter((service) => instanceOf(service.name, name));
    return siblings.length === 0 ? [name] : siblings.map((service) => service.name);
  });
}

/**
 * Instances of scaled workers still running beyond what the layout asks for: what a scale-down
 * stops, and what `down` stops even if stack.json was edited meanwhile.
 */
function strayInstances(ctx: StackContext): ServiceDefinition[] {
  return scalableWorkers.flatMap((worker) =>
    Array.from({ length: maxInstances }, (_, i) => processService(projectProcess(worker), i + 1)).filter(
      (service, i) =>
        i + 1 > (ctx.layout.scale[worker] ?? 1) &&
        runningPid(stateLayout.pidFile(ctx.paths, service.name)) !== undefined,
    ),
  );
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
  const command = { allowOnly: true, createSecrets: true, allowInfraOnly: true, allowLayout: true };
  return withStack(args, command, async (ctx, options, previous) => {
    const all = stackServices(ctx.layout);
    const services = ordered('start', all, withInstances(options.only, all));
    if (services === undefined) return 2;
    // With --infra-only, PrimoART's own processes are prepared but not launched. They come last in
    // the start order (they depend on the backing services, never the other way round).
    // Every instance of a scaled worker too (synth-store-2 is PrimoART's own as much as synth-store).
    const own = new Set<string>(projectProcessServices(ctx.layout).map((service) => service.name));
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
      if (JSON.stringify(previous) !== JSON.stringify(ctx.layout)) {
        writeLayout(ctx.paths.stateDir, ctx.layout);
        ctx.progress(`layout: ${describeLayout(ctx.layout)} (kept in ${ctx.paths.stateDir}/stack.json)`);
        // VictoriaMetrics re-reads it: the instances of a scaled worker are scraped from now on.
        if (existsSync(scrapeConfigFile(ctx))) writeScrapeConfig(ctx);
      }
      // A scale-down: the instances beyond the new count leave their group first (it rebalances).
      await stopServices(ctx, strayInstances(ctx).reverse());
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

export function describeLayout(layout: StackLayout): string {
  const scaled = Object.entries(layout.scale).map(([worker, count]) => `${worker} × ${count}`);
  const offset = layout.portOffset ? [`ports + ${layout.portOffset}`] : [];
  return [`${layout.kafkaBrokers} Kafka broker(s)`, ...scaled, ...offset].join(', ');
}

export function downCommand(args: string[]): Promise<number> {
  return withStack(args, { allowOnly: true, createSecrets: false }, async (ctx, options) => {
    const all = [...stackServices(ctx.layout), ...strayInstances(ctx)];
    const services = ordered('stop', all, withInstances(options.only, all));
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
  return table([
    ['SERVICE', 'VERSION', 'PID', 'STATE', 'URL'],
    ...rows.map((row) => [
      row.name,
      row.version,
      row.pid === undefined ? '-' : String(row.pid),
      row.state,
      row.url,
    ]),
  ]);
}

/** The Kafka cluster's brokers, quorum and replication, or why it cannot be read. */
async function kafkaSection(ctx: StackContext, rows: readonly ServiceStatus[]): Promise<string> {
  // One broker has no replication to show, and reading it costs a JVM start: clusters only.
  if (ctx.layout.kafkaBrokers === 1) return '';
  if (!rows.some((row) => /^kafka(-[0-9]+)?$/.test(row.name) && row.pid !== undefined)) return '';
  const expected = Array.from({ length: ctx.layout.kafkaBrokers }, (_, i) => i + 1);
  try {
    const view = parseClusterStatus(await describeKafkaCluster(ctx));
    // Read over the internal listeners; clients know each broker by its client listener.
    const brokers = view.brokers.map((broker) => ({
      ...broker,
      listener: `${host}:${kafkaNodePorts(ctx.ports, broker.id).client}`,
    }));
    return `\nkafka cluster:\n${formatClusterStatus({ ...view, brokers }, expected)}`;
  } catch (error) {
    const reason = (error as Error).message
      .split('\n')
      .find((line) => /Exception|timed out|Timeout/.test(line));
    return `\nkafka cluster: not readable (${reason?.trim() ?? 'see the kafka logs'})\n`;
  }
}

/** Every running worker instance's partitions and lag, from its /metrics. */
async function workersSection(rows: readonly ServiceStatus[]): Promise<string> {
  const workers = new Set(workerNames as readonly string[]);
  const instances = rows.filter(
    (row) => workers.has(row.name.replace(/-[0-9]+$/, '')) || workers.has(row.name),
  );
  const views = await Promise.all(
    instances.map(async (row): Promise<InstanceView> => {
      if (row.pid === undefined) return { name: row.name };
      try {
        const response = await fetch(`${row.url}/metrics`, { signal: AbortSignal.timeout(2_000) });
        return { name: row.name, partitions: parseWorkerMetrics(await response.text()) };
      } catch {
        return { name: row.name };
      }
    }),
  );
  if (views.every((view) => view.partitions === undefined)) return '';
  return `\nworker instances:\n${formatInstances(views)}`;
}

export function statusCommand(args: string[]): Promise<number> {
  return withStack(args, { allowOnly: false, createSecrets: false }, async (ctx) => {
    const rows = await inspectServices(ctx, startOrder(stackServices(ctx.layout)));
    const sections = await Promise.all([kafkaSection(ctx, rows), workersSection(rows)]);
    process.stdout.write(`state directory: ${ctx.paths.stateDir} (${describeLayout(ctx.layout)})\n`);
    process.stdout.write(formatStatusTable(rows));
    process.stdout.write(sections.join(''));
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
      ...stackVariables(ctx, startOrder(stackServices(ctx.layout))),
      PATH: [nodeDir, ...rest].join(':'),
    };
    process.stdout.write(exportLines(variables));
    return 0;
  });
}
