// The project's own processes, once: the ingest gateway, the console and every worker, with what each deployment
// needs to run them. The local stack (primoart-processes.ts, primoart-config.ts, scrape-config.ts)
// runs them from this list, and `primoart deployments generate` (infra/deployments/) writes the
// compose services, the container config and the systemd units from it, so a worker added here
// runs everywhere. Plain data: no service of the stack is imported.
import { consoleProcessName } from '../../../console/bus-access.ts';
import { gatewayProcessName } from '../../../ingest-gateway/bus-access.ts';
import { gatewayEnv, gatewayNodeArgs } from '../../../ingest-gateway/launch-settings.ts';
import type { WorkerName } from '../../../workers/bus-access.ts';
import type { StackPorts } from '../ports.ts';

export interface ProjectProcess {
  /** The service name in the stack, in compose, in `primoart status`, and the scrape job. */
  name: string;
  kind: 'gateway' | 'console' | 'worker';
  /** What follows `scripts/cli.ts`, before `--config.file`. */
  cliArgs: readonly string[];
  /** Node options placed before the script (launch settings only a launcher can give). */
  nodeArgs: readonly string[];
  /** Environment the process must start with (read before any JavaScript runs). */
  env: Readonly<Record<string, string>>;
  /** Its Kafka identity: `kafka.identities.<identity>`, SCRAM user `primoart-<identity>`. */
  kafkaIdentity: string;
  /** Its listen port (`/-/ready`, `/metrics`). */
  port: keyof StackPorts;
  /** Services it needs besides Kafka and the registry (by their stack and compose names). */
  needs: readonly string[];
  /** How long it may take to become ready. */
  startTimeoutMs: number;
  /** The SQLite file it keeps (`workers.<name>.state_file`), for the workers with state. */
  stateFile?: string;
}

const worker = (
  name: WorkerName,
  port: keyof StackPorts,
  needs: readonly string[],
  extra: Partial<Pick<ProjectProcess, 'startTimeoutMs' | 'stateFile'>> = {},
): ProjectProcess => ({
  name,
  kind: 'worker',
  cliArgs: ['worker', name],
  nodeArgs: [],
  env: {},
  kafkaIdentity: name,
  port,
  // The gateway's start applies the topic catalog and registers the schemas workers read with.
  needs: ['gateway', ...needs],
  startTimeoutMs: extra.startTimeoutMs ?? 60_000,
  ...(extra.stateFile === undefined ? {} : { stateFile: extra.stateFile }),
});

export const projectProcesses: readonly ProjectProcess[] = [
  {
    name: 'gateway',
    kind: 'gateway',
    cliArgs: ['gateway'],
    nodeArgs: gatewayNodeArgs,
    env: gatewayEnv,
    kafkaIdentity: gatewayProcessName,
    port: 'gateway',
    needs: [],
    startTimeoutMs: 60_000,
  },
  {
    name: consoleProcessName,
    kind: 'console',
    cliArgs: ['console'],
    nodeArgs: [],
    env: {},
    kafkaIdentity: consoleProcessName,
    port: 'console',
    // The gateway's start applies the topic catalog (the console's ACLs) and registers the schemas.
    needs: ['gateway', 'postgres', 'minio', 'victoria-metrics', 'victoria-logs'],
    startTimeoutMs: 60_000,
  },
  // Ready once its database is migrated: a migration that backfills (0005's rollups) takes minutes
  // on a database of millions of runs (~2.5 min for 5.2 M here).
  worker('synth-store', 'synthStore', ['postgres'], { startTimeoutMs: 20 * 60_000 }),
  worker('artifact-store', 'artifactStore', ['minio']),
  worker('logs-store', 'logsStore', ['victoria-logs']),
  worker('metrics-store', 'metricsStore', ['victoria-metrics']),
  worker('baseline', 'baseline', [], { stateFile: 'baseline.sqlite' }),
  // Ready only once it has read the whole compacted baselines topic: one record per series ever
  // seen (a few KiB each), which takes a while on a long-lived stack.
  worker('event-detector', 'eventDetector', [], { startTimeoutMs: 5 * 60_000, stateFile: 'detector.sqlite' }),
  worker('alerta-forwarder', 'alertaForwarder', ['alerta'], { stateFile: 'forwarder.sqlite' }),
];

export const projectProcess = (name: string): ProjectProcess => {
  const found = projectProcesses.find((process) => process.name === name);
  if (found === undefined) throw new Error(`no project process ${name}`);
  return found;
};
