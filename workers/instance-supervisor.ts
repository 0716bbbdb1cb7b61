// `primoart worker <name> --instances N`: N processes of one worker on one consumer group, so the
// topic's partitions spread over them. Instance i (0-based) serves HTTP on the configured
// `workers.<name>.listen` port + i (port 0: each picks a free port, logged at start), so
// /metrics and /-/ready of instance i are at that address. Each child gets a copy of the config
// file that differs only in that listen address (kept private, removed on exit; `${ENV}`
// references stay unexpanded for the child to expand).
//
// SIGTERM/SIGINT go to every child and the supervisor exits once all have stopped (non-zero if any
// failed). A child that exits on its own is restarted after a backoff (1 s doubling to 30 s, reset
// once it ran for a minute); meanwhile the group rebalances its partitions onto the others.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { loadConfig, parseConfigArgs, workerSection } from '../core/index.ts';

export interface SupervisorOptions {
  name: string;
  instances: number;
  /** The worker's arguments other than --instances (only --config.file is understood). */
  args: string[];
  cliPath: string;
  restart: { initialMs: number; maxMs: number; stableAfterMs: number };
}

export const defaultRestart = { initialMs: 1000, maxMs: 30_000, stableAfterMs: 60_000 };

/** Splits `--instances N` / `--instances=N` off the arguments; undefined when absent. */
export function parseInstancesArg(args: string[]): { instances: number | undefined; rest: string[] } {
  const rest: string[] = [];
  let instances: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--instances') {
      instances = args[i + 1] ?? '';
      i++;
    } else if (arg.startsWith('--instances=')) instances = arg.slice('--instances='.length);
    else rest.push(arg);
  }
  if (instances === undefined) return { instances: undefined, rest };
  const count = Number(instances);
  if (!Number.isInteger(count) || count < 1 || count > 64)
    throw new Error(`--instances must be a whole number from 1 to 64, got '${instances}'`);
  return { instances: count, rest };
}

/** `host:port` of instance `index`, from the configured `host:port`. */
export function instanceListen(listen: string, index: number): string {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon);
  const port = Number(listen.slice(colon + 1));
  return `${host}:${port === 0 ? 0 : port + index}`;
}

/** The config file's text with only `workers.<name>.listen` replaced. */
export function configForInstance(text: string, name: string, listen: string): string {
  const document = parseDocument(text);
  document.setIn(['workers', name, 'listen'], listen);
  return document.toString();
}

export async function superviseInstances(options: SupervisorOptions): Promise<number> {
  const { name, instances, cliPath, restart } = options;
  const { configFile, rest } = parseConfigArgs(options.args);
  if (rest.length > 0) throw new Error(`unexpected argument ${rest[0]} (only --config.file is understood)`);
  // Fail here, once, on a broken config rather than in N children.
  const listen = workerSection(await loadConfig(configFile), name).listen;
  const text = readFileSync(configFile, 'utf8');
  const directory = mkdtempSync(join(tmpdir(), `primoart-${name}-`));
  const say = (message: string) => process.stderr.write(`primoart worker ${name}: ${message}\n`);

  const children: Array<ChildProcess | undefined> = [];
  const restartTimers = new Set<NodeJS.Timeout>();
  let stopping = false;
  let worstCode = 0;
  let resolveAllExited: () => void = () => undefined;
  const allExited = new Promise<void>((resolve) => {
    resolveAllExited = resolve;
  });
  const running = () => children.filter((child) => child !== undefined).length;

  function start(index: number, delayMs: number): void {
    const file = join(directory, `instance-${index}.yml`);
    writeFileSync(file, configForInstance(text, name, instanceListen(listen, index)), { mode: 0o600 });
    const child = spawn(process.execPath, [cliPath, 'worker', name, '--config.file', file], {
      stdio: ['ignore', 'inherit', 'inherit'],
      // Its own process group: a terminal's Ctrl-C reaches only the supervisor, which forwards it
      // once (a second signal would make a worker exit without finishing its batch).
      detached: true,
      env: { ...process.env, PRIMOART_INSTANCE: String(index) },
    });
    const startedAt = Date.now();
    children[index] = child;
    say(`instance ${index} pid ${child.pid} on ${instanceListen(listen, index)}`);
    child.on('exit', (code, signal) => {
      children[index] = undefined;
      const exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : 15);
      if (stopping) {
        if (exitCode !== 0) worstCode = Math.max(worstCode, exitCode);
        if (running() === 0) resolveAllExited();
        return;
      }
      const nextDelay =
        Date.now() - startedAt >= restart.stableAfterMs
          ? restart.initialMs
          : Math.min(restart.maxMs, delayMs === 0 ? restart.initialMs : delayMs * 2);
      say(`instance ${index} exited (${signal ?? `code ${code}`}); restarting in ${nextDelay} ms`);
      const timer = setTimeout(() => {
        restartTimers.delete(timer);
        if (!stopping) start(index, nextDelay);
      }, nextDelay);
      restartTimers.add(timer);
    });
  }

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping ${running()} instance(s)`);
    for (const timer of restartTimers) clearTimeout(timer);
    restartTimers.clear();
    for (const child of children) child?.kill(signal);
    if (running() === 0) resolveAllExited();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  for (let index = 0; index < instances; index++) start(index, 0);
  await allExited;
  rmSync(directory, { recursive: true, force: true });
  return worstCode;
}
