// Running a command to completion for install/init/afterStart steps.
import { spawn } from 'node:child_process';
import type { ExecOptions } from './service.ts';
import { spawnIdentity } from './system-user.ts';

const defaultExecTimeoutMs = 10 * 60_000;
const tailLines = 30;

export function lastLines(text: string, count: number): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-count).join('\n');
}

/**
 * Run `command` and resolve with its stdout. A non-zero exit, a signal or the time-out rejects
 * with an Error naming the command and carrying the tail of its combined output.
 */
export function execToCompletion(
  command: string,
  args: string[],
  options: ExecOptions = {},
): Promise<string> {
  const identity = spawnIdentity(options.user, { ...process.env, ...options.env });
  const shown = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: identity.env,
      ...(identity.uid === undefined ? {} : { uid: identity.uid, gid: identity.gid }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let combined = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      combined += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      combined += chunk;
    });
    const timeoutMs = options.timeoutMs ?? defaultExecTimeoutMs;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${shown}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(stdout);
      const why = timedOut
        ? `timed out after ${timeoutMs / 1000} s`
        : signal
          ? `killed by ${signal}`
          : `exited with ${code}`;
      const tail = lastLines(combined, tailLines);
      reject(new Error(`${shown} ${why}${tail ? `:\n${tail}` : ''}`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}
