// A MinIO or VictoriaLogs of one test's own: the binary, flags and environment the stack launches
// (infra/stack/services/), with a temporary state directory, free loopback ports and throw-away
// credentials. A test stops it as `primoart down` stops the stack's (the service's stop signal,
// SIGKILL after the same bound) and starts it again on the same port and data: a real outage of the
// real server, without failing the other tests that share the stack's.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createStackContext } from '../../infra/stack/context.ts';
import { defaultPorts, type StackPorts } from '../../infra/stack/ports.ts';
import { defaultStopTimeoutMs } from '../../infra/stack/runner.ts';
import type { ServiceDefinition } from '../../infra/stack/service.ts';
import { minio } from '../../infra/stack/services/minio.ts';
import { victoriaLogs } from '../../infra/stack/services/victoria-logs.ts';
import { currentPathInputs, resolveStackPaths } from '../../infra/stack/stack-paths.ts';
import { freePort, waitFor } from './stack.ts';

export interface PrivateStore {
  /** What `primoart env` would print for it (PRIMOART_MINIO_URL, PRIMOART_VL_URL, …). */
  env: Record<string, string>;
  /** Stop it as `primoart down --only <service>` does; resolves once the process is gone. */
  stop(): Promise<void>;
  /** Start it again on the same ports and data, resolving once its readiness probe passes. */
  start(): Promise<void>;
  /** Stop it and remove its state directory. */
  destroy(): Promise<void>;
}

async function startPrivate(service: ServiceDefinition, ports: Partial<StackPorts>): Promise<PrivateStore> {
  const stateDir = mkdtempSync(join(tmpdir(), `primoart-${service.name}-`));
  // The stack's cache (where `up` built the binaries), a state directory of the test's own, and
  // credentials generated for this instance alone (createSecrets: false writes none to disk).
  const { repoDir, cacheDir } = resolveStackPaths(currentPathInputs(undefined));
  const ctx = createStackContext({
    paths: { repoDir, cacheDir, stateDir },
    ports: { ...defaultPorts, ...ports },
    createSecrets: false,
    progress: () => undefined,
  });
  const logFile = join(stateDir, `${service.name}.log`);
  let server: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    const spec = service.launch(ctx);
    mkdirSync(spec.cwd ?? stateDir, { recursive: true });
    const log = openSync(logFile, 'a', 0o600);
    let child: ChildProcess;
    try {
      // Not detached (unlike the stack's): an interrupted test run takes its server down with it.
      child = spawn(spec.command, spec.args, {
        cwd: spec.cwd ?? stateDir,
        env: { ...process.env, ...spec.env },
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    server = child;
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('error', () => undefined);
    await waitFor(
      `a private ${service.name} on ${service.url?.(ctx)}`,
      async () => {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`exited early:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
        return service.probe(ctx);
      },
      60_000,
      100,
    );
  }

  async function stop(): Promise<void> {
    const child = server;
    server = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(service.stopSignal ?? 'SIGTERM');
    const stopped = await Promise.race([
      exited.then(() => true),
      sleep(service.stopTimeoutMs ?? defaultStopTimeoutMs, false),
    ]);
    if (!stopped) {
      child.kill('SIGKILL');
      await exited;
    }
  }

  try {
    await start();
  } catch (error) {
    await stop();
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  return {
    env: service.env(ctx),
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A MinIO of the test's own; `server` is the `minio` config section without its bucket. */
export async function startPrivateMinio() {
  const store = await startPrivate(minio, { minio: await freePort(), minioConsole: await freePort() });
  const server = {
    endpoint: store.env.PRIMOART_MINIO_URL as string,
    access_key: store.env.PRIMOART_MINIO_ACCESS_KEY as string,
    secret_key: store.env.PRIMOART_MINIO_SECRET_KEY as string,
  };
  return { ...store, server };
}

/** A VictoriaLogs of the test's own, at `url`. */
export async function startPrivateVictoriaLogs() {
  const store = await startPrivate(victoriaLogs, { victoriaLogs: await freePort() });
  return { ...store, url: store.env.PRIMOART_VL_URL as string };
}
