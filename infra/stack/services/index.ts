// The local stack's services in start order; dependencies are declared on each service and
// the runner starts those first whatever this order says.
import type { StackLayout } from '../layout.ts';
import type { ServiceDefinition } from '../service.ts';
import { alerta } from './alerta.ts';
import { alertmanager } from './alertmanager.ts';
import { apicurio } from './apicurio.ts';
import { kafkaNodes } from './kafka.ts';
import { minio } from './minio.ts';
import { postgres } from './postgres.ts';
import { projectProcesses, projectProcessServices } from './primoart-processes.ts';
import { victoriaLogs } from './victoria-logs.ts';
import { victoriaMetrics } from './victoria-metrics.ts';
import { vmalert } from './vmalert.ts';

export const stackServices = (layout: StackLayout): ServiceDefinition[] => [
  postgres,
  // Node 1 (`kafka`, what the others depend on) after the rest of the cluster.
  ...kafkaNodes(layout),
  apicurio,
  minio,
  victoriaMetrics,
  victoriaLogs,
  alerta,
  alertmanager,
  vmalert,
  // The gateway and every worker (process-list.ts).
  ...projectProcessServices(layout),
];

/**
 * The project's own processes (not third-party services): tests stop them to run their own. A
 * scaled worker's name stands for all its instances (commands.ts).
 */
export const projectProcessNames: string[] = projectProcesses.map((process) => process.name);

export { scalableWorkers } from './primoart-processes.ts';
