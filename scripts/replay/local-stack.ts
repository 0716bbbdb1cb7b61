// The local stack as `primoart replay` sees it: which of its services run a worker's instances, and
// stopping and starting those with the runner's own functions (pid files, stop timeouts, readiness),
// under the lock `up` and `down` take, so none of them starts an instance meanwhile.
import { existsSync } from 'node:fs';
import { loadConfig } from '../../core/config.ts';
import type { PrimoartConfig } from '../../core/config-schema.ts';
import { createStackContext } from '../../infra/stack/context.ts';
import { maxInstances } from '../../infra/stack/layout.ts';
import { runningPid } from '../../infra/stack/pid-file.ts';
import { startServices, stopServices } from '../../infra/stack/runner.ts';
import { secretsFile } from '../../infra/stack/secrets.ts';
import type { ServiceDefinition, StackContext } from '../../infra/stack/service.ts';
import { alertmanager } from '../../infra/stack/services/alertmanager.ts';
import { stackConfigFile } from '../../infra/stack/services/primoart-config.ts';
import { processService } from '../../infra/stack/services/primoart-processes.ts';
import { projectProcess } from '../../infra/stack/services/process-list.ts';
import { acquireStackLock } from '../../infra/stack/stack-lock.ts';
import { currentPathInputs, resolveStackPaths, stateLayout } from '../../infra/stack/stack-paths.ts';

export interface LocalStack {
  ctx: StackContext;
  /** The config the stack's own processes run with (`<state dir>/primoart.yml`). */
  config(): Promise<PrimoartConfig | undefined>;
  /** The services running an instance of this worker now (`W`, `W-2`, …; scaled down ones too). */
  runningInstances(worker: string): ServiceDefinition[];
  stop(services: readonly ServiceDefinition[]): Promise<void>;
  start(services: readonly ServiceDefinition[]): Promise<void>;
  /** The stack's Alertmanager, while it runs (a replay silences its own lag alerts there). */
  alertmanagerUrl(): string | undefined;
  /** Runs `body` holding the stack's lock (what `up` and `down` hold). */
  locked<T>(body: () => Promise<T>): Promise<T>;
}

/**
 * The stack of this state directory (`--state-dir`, else the default `primoart env` reports), or
 * undefined when there is none (no secrets: `up` never ran there). `say` gets the runner's lines.
 */
export function localStack(
  stateDir: string | undefined,
  say: (line: string) => void,
): LocalStack | undefined {
  const paths = resolveStackPaths(currentPathInputs(stateDir));
  if (!existsSync(secretsFile(paths.stateDir))) return undefined;
  const ctx = createStackContext({ paths, createSecrets: false, progress: say });
  return {
    ctx,
    async config() {
      const file = stackConfigFile(ctx);
      return existsSync(file) ? loadConfig(file) : undefined;
    },
    runningInstances(worker) {
      return Array.from({ length: maxInstances }, (_, i) =>
        processService(projectProcess(worker), i + 1),
      ).filter((service) => runningPid(stateLayout.pidFile(ctx.paths, service.name)) !== undefined);
    },
    alertmanagerUrl() {
      return runningPid(stateLayout.pidFile(ctx.paths, alertmanager.name)) === undefined
        ? undefined
        : String(alertmanager.env(ctx).PRIMOART_ALERTMANAGER_URL);
    },
    // The group's members leave it as they stop (a clean stop hands back the partitions).
    stop: (services) => stopServices(ctx, [...services].reverse()),
    start: (services) => startServices(ctx, services),
    async locked(body) {
      const release = await acquireStackLock(stateLayout.lockFile(ctx.paths), {
        waitMs: 10 * 60_000,
        onWait: (holder) => say(`waiting for another primoart up/down (pid ${holder}) to finish`),
      });
      try {
        return await body();
      } finally {
        release();
      }
    },
  };
}
