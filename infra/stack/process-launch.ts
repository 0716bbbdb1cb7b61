// Starting a service's long-running process so that it outlives the CLI: its own session
// (setsid), no terminal, stdout and stderr appended to the service's log file.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LaunchSpec } from './service.ts';
import { spawnIdentity } from './system-user.ts';

export function launchDetached(spec: LaunchSpec, logFile: string, defaultCwd: string): ChildProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = openSync(logFile, 'a', 0o600);
  try {
    writeSync(log, `\n==== primoart: starting ${spec.command} at ${new Date().toISOString()}\n`);
    const identity = spawnIdentity(spec.user, { ...process.env, ...spec.env });
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd ?? defaultCwd,
      env: identity.env,
      ...(identity.uid === undefined ? {} : { uid: identity.uid, gid: identity.gid }),
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

/** Resolves once the child has been spawned (it has a pid) or rejects when it could not be. */
export function spawned(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid ?? -1));
    child.once('error', reject);
  });
}
