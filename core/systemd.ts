// Under systemd (unit `Type=notify`) the process says READY=1 once it serves, and STOPPING=1 when
// it begins to shut down. Node cannot send unix datagrams, so this runs `systemd-notify`, a child
// process: the unit therefore needs `NotifyAccess=all` (with the default `main` systemd ignores
// messages that do not come from the main PID). Outside systemd (no NOTIFY_SOCKET) nothing is sent.
import { execFile } from 'node:child_process';
import type { Logger } from 'pino';

export type SystemdState = 'ready' | 'stopping';

const stateArguments: Record<SystemdState, string[]> = {
  ready: ['--ready', 'STATUS=serving'],
  stopping: ['STOPPING=1', 'STATUS=shutting down'],
};

export function notifySystemd(
  state: SystemdState,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (env.NOTIFY_SOCKET === undefined || env.NOTIFY_SOCKET === '') return Promise.resolve();
  return new Promise((resolve) => {
    execFile('systemd-notify', stateArguments[state], { env, timeout: 5000 }, (error, _stdout, stderr) => {
      // A failed notification is not fatal: systemd's own start timeout reports it.
      if (error !== null) {
        logger.warn({ error: stderr.trim() || error.message, state }, 'systemd-notify failed');
      } else {
        logger.debug({ state }, 'systemd notified');
      }
      resolve();
    });
  });
}
