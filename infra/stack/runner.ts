// Starting, stopping and inspecting services: ordering is decided by the caller
// (service-order.ts); this file owns processes, pid files, logs and readiness, once for all.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { logSize, logTail } from './log-tail.ts';
import { isAlive, readPidFile, removePidFile, runningPid, writePidFile } from './pid-file.ts';
import { launchDetached, spawned } from './process-launch.ts';
import type { ServiceDefinition, StackContext } from './service.ts';
import { stateLayout } from './stack-paths.ts';
import { grantTraverse, prepareStateDir, privateUmask, withUmask } from './state-permissions.ts';
import { lookupSystemUser } from './system-user.ts';

export interface RunnerTiming {
  /** Pause between readiness probes. */
  probeIntervalMs: number;
  /** Upper bound for one probe. */
  probeTimeoutMs: number;
  /** How many log lines a failure report shows. */
  failureLogLines: number;
}

export const defaultTiming: RunnerTiming = {
  probeIntervalMs: 500,
  probeTimeoutMs: 5_000,
  failureLogLines: 30,
};
const defaultStartTimeoutMs = 60_000;
export const defaultStopTimeoutMs = 30_000;

export class ServiceStartError extends Error {
  readonly service: string;
  readonly logTail: string;
  readonly logFile: string;
  constructor(service: string, reason: string, logFile: string, logTail: string) {
    super(`${service} failed to start: ${reason}`);
    this.service = service;
    this.logFile = logFile;
    this.logTail = logTail;
  }
}

/** One probe, bounded in time; a throwing probe counts as "not ready". */
async function probeOnce(
  service: ServiceDefinition,
  ctx: StackContext,
  timing: RunnerTiming,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timing.probeTimeoutMs);
  });
  try {
    return await Promise.race([service.probe(ctx).catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** Start each service in the given order; throws ServiceStartError at the first failure. */
export async function startServices(
  ctx: StackContext,
  services: readonly ServiceDefinition[],
  timing: RunnerTiming = defaultTiming,
): Promise<void> {
  // Everything the stack writes from here on (config, logs, pid files, what init steps and the
  // services themselves create) is private to the runner's user; installs keep the caller's umask
  // (downloads and builds go to the cache, and apt-get's package scripts expect the usual 022).
  const callerUmask = process.umask(privateUmask);
  try {
    prepareStateDir(ctx.paths.stateDir);
    for (const service of services) await startService(ctx, service, timing, callerUmask);
  } finally {
    process.umask(callerUmask);
  }
}

async function startService(
  ctx: StackContext,
  service: ServiceDefinition,
  timing: RunnerTiming,
  installUmask: number,
): Promise<void> {
  const { name } = service;
  const pidFile = stateLayout.pidFile(ctx.paths, name);
  const logFile = stateLayout.logFile(ctx.paths, name);
  const startTimeoutMs = service.startTimeoutMs ?? defaultStartTimeoutMs;
  const began = Date.now();

  const existing = runningPid(pidFile);
  if (existing !== undefined) {
    if (await probeOnce(service, ctx, timing)) {
      ctx.progress(`${name}: already running (pid ${existing})`);
      return;
    }
    ctx.progress(
      `${name}: running (pid ${existing}) but not ready; waiting up to ${startTimeoutMs / 1000} s`,
    );
    const outcome = await waitUntilReady(ctx, service, timing, startTimeoutMs, () =>
      isAlive({ pid: existing, startTime: '' }),
    );
    if (outcome !== 'ready') {
      const reason =
        outcome === 'exited'
          ? `pid ${existing} exited`
          : `pid ${existing} still not ready after ${startTimeoutMs / 1000} s`;
      throw new ServiceStartError(name, reason, logFile, logTail(logFile, 0, timing.failureLogLines));
    }
    ctx.progress(`${name}: ready after ${seconds(began)}`);
    return;
  }

  await prepareService(ctx, service, installUmask);

  const logOffset = logSize(logFile);
  const child = launchDetached(service.launch(ctx), logFile, stateLayout.dataDir(ctx.paths, name));
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = signal ? `the process was killed by ${signal}` : `the process exited with code ${code}`;
  });
  let pid: number;
  try {
    pid = await spawned(child);
  } catch (error) {
    throw new ServiceStartError(name, (error as Error).message, logFile, '');
  }
  writePidFile(pidFile, pid);
  ctx.progress(`${name}: started (pid ${pid}), waiting until ready`);

  const outcome = await waitUntilReady(ctx, service, timing, startTimeoutMs, () => exit === undefined);
  if (outcome !== 'ready') {
    const reason =
      outcome === 'exited' ? (exit ?? 'the process exited') : `not ready after ${startTimeoutMs / 1000} s`;
    await terminate(child, pid);
    removePidFile(pidFile);
    throw new ServiceStartError(name, reason, logFile, logTail(logFile, logOffset, timing.failureLogLines));
  }
  await step(name, 'after start', logFile, async () => service.afterStart?.(ctx));
  const where = service.url ? ` at ${service.url(ctx)}` : '';
  ctx.progress(`${name}: ready${where} after ${seconds(began)}`);
}

/**
 * Install and initialise each service without launching it (`up --infra-only` for PrimoART's own
 * processes: their config written, the topic catalog applied, the schemas registered).
 */
export async function prepareServices(
  ctx: StackContext,
  services: readonly ServiceDefinition[],
): Promise<void> {
  const callerUmask = process.umask(privateUmask);
  try {
    prepareStateDir(ctx.paths.stateDir);
    for (const service of services) {
      await prepareService(ctx, service, callerUmask);
      ctx.progress(`${service.name}: prepared, not started`);
    }
  } finally {
    process.umask(callerUmask);
  }
}

async function prepareService(
  ctx: StackContext,
  service: ServiceDefinition,
  installUmask: number,
): Promise<void> {
  const { name } = service;
  const logFile = stateLayout.logFile(ctx.paths, name);
  await step(name, 'install', logFile, () => withUmask(installUmask, () => service.install(ctx)));
  await step(name, 'data directory', logFile, async () => dataDirectory(ctx, service));
  await step(name, 'init', logFile, async () => service.init?.(ctx));
}

/** The service's data directory, owned by the system user it runs as when that is another one. */
function dataDirectory(ctx: StackContext, service: ServiceDefinition): void {
  const dir = stateLayout.dataDir(ctx.paths, service.name);
  const user = service.systemUser?.();
  const account = user === undefined ? undefined : lookupSystemUser(user);
  if (account === undefined || account.uid === process.getuid?.()) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } else {
    grantTraverse(ctx.paths.stateDir, dir, account);
  }
}

/** A failing install/init/afterStart step is reported with the service's name. */
async function step(name: string, what: string, logFile: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    throw new ServiceStartError(name, `${what}: ${(error as Error).message}`, logFile, '');
  }
}

async function waitUntilReady(
  ctx: StackContext,
  service: ServiceDefinition,
  timing: RunnerTiming,
  timeoutMs: number,
  stillRunning: () => boolean,
): Promise<'ready' | 'exited' | 'timeout'> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!stillRunning()) return 'exited';
    if (await probeOnce(service, ctx, timing)) return 'ready';
    if (!stillRunning()) return 'exited';
    if (Date.now() >= deadline) return 'timeout';
    await sleep(timing.probeIntervalMs);
  }
}

/** A launch that never became ready is killed with its whole process group. */
async function terminate(child: ChildProcess, pid: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(pid, 'SIGKILL');
  await Promise.race([exited, sleep(5_000)]);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

/** Stop each service in the given order: stop signal, bounded wait, then SIGKILL. Data is kept. */
export async function stopServices(ctx: StackContext, services: readonly ServiceDefinition[]): Promise<void> {
  for (let i = 0; i < services.length; ) {
    const first = services[i] as ServiceDefinition;
    let end = i + 1;
    while (
      first.stopTogether !== undefined &&
      end < services.length &&
      services[end]?.stopTogether === first.stopTogether
    )
      end++;
    await Promise.all(services.slice(i, end).map((service) => stopService(ctx, service)));
    i = end;
  }
}

async function stopService(ctx: StackContext, service: ServiceDefinition): Promise<void> {
  const pidFile = stateLayout.pidFile(ctx.paths, service.name);
  const record = readPidFile(pidFile);
  if (record === undefined || !isAlive(record)) {
    removePidFile(pidFile);
    ctx.progress(`${service.name}: not running`);
    return;
  }
  const began = Date.now();
  const signal = service.stopSignal ?? 'SIGTERM';
  process.kill(record.pid, signal);
  const stopTimeoutMs = service.stopTimeoutMs ?? defaultStopTimeoutMs;
  const deadline = Date.now() + stopTimeoutMs;
  while (isAlive(record) && Date.now() < deadline) await sleep(100);
  if (isAlive(record)) {
    ctx.progress(`${service.name}: still running ${stopTimeoutMs / 1000} s after ${signal}; sending SIGKILL`);
    signalGroup(record.pid, 'SIGKILL');
    while (isAlive(record)) await sleep(100);
  }
  removePidFile(pidFile);
  ctx.progress(`${service.name}: stopped (pid ${record.pid}) in ${seconds(began)}`);
}

export type ServiceState = 'healthy' | 'running-unhealthy' | 'stopped';

export interface ServiceStatus {
  name: string;
  version: string;
  pid?: number;
  state: ServiceState;
  url: string;
}

export async function inspectServices(
  ctx: StackContext,
  services: readonly ServiceDefinition[],
  timing: RunnerTiming = defaultTiming,
): Promise<ServiceStatus[]> {
  return Promise.all(
    services.map(async (service): Promise<ServiceStatus> => {
      const pid = runningPid(stateLayout.pidFile(ctx.paths, service.name));
      const url = service.url?.(ctx) ?? '';
      const base = { name: service.name, version: service.version, url };
      if (pid === undefined) return { ...base, state: 'stopped' };
      const healthy = await probeOnce(service, ctx, timing);
      return { ...base, pid, state: healthy ? 'healthy' : 'running-unhealthy' };
    }),
  );
}
