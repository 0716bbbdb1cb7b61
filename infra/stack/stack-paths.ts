// Where the local stack keeps its downloads (cache, shared) and its data (state, per stack).
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StackPaths } from './service.ts';

export interface PathInputs {
  /** `--state-dir`, when given. */
  stateDirFlag?: string;
  env: NodeJS.ProcessEnv;
  isRoot: boolean;
  home: string;
}

/**
 * The state directory defaults to /var/lib/primoart for root, so that the `postgres` system
 * user can reach its data directory (root's home is not traversable by other users).
 */
export function resolveStackPaths(inputs: PathInputs, repoDir = repositoryDir()): StackPaths {
  const { env, home } = inputs;
  const cacheDir = env.PRIMOART_CACHE_DIR || join(env.XDG_CACHE_HOME || join(home, '.cache'), 'primoart');
  const stateDir =
    inputs.stateDirFlag ||
    env.PRIMOART_STATE_DIR ||
    (inputs.isRoot
      ? '/var/lib/primoart'
      : join(env.XDG_STATE_HOME || join(home, '.local', 'state'), 'primoart'));
  return { repoDir, cacheDir: resolve(cacheDir), stateDir: resolve(stateDir) };
}

export function currentPathInputs(stateDirFlag: string | undefined): PathInputs {
  return {
    ...(stateDirFlag === undefined ? {} : { stateDirFlag }),
    env: process.env,
    isRoot: process.getuid?.() === 0,
    home: homedir(),
  };
}

export function repositoryDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** The per-service locations inside a state directory. */
export const stateLayout = {
  dataDir: (paths: StackPaths, service: string) => join(paths.stateDir, 'data', service),
  configDir: (paths: StackPaths, service: string) => join(paths.stateDir, 'config', service),
  logFile: (paths: StackPaths, service: string) => join(paths.stateDir, 'logs', `${service}.log`),
  pidFile: (paths: StackPaths, service: string) => join(paths.stateDir, 'run', `${service}.pid`),
  lockFile: (paths: StackPaths) => join(paths.stateDir, 'run', 'stack.lock'),
};
