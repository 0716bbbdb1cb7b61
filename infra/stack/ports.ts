// The one place for the local stack's ports. Everything binds to 127.0.0.1.
// Ports are moved off the defaults so a system PostgreSQL, Kafka or MinIO on this machine
// does not collide with the stack, and the known default clashes (Kafka controller 9093 =
// Alertmanager 9093, Apicurio management 9000 = MinIO 9000) cannot happen.
import { instancePortBase, instancePortFrom } from '../../workers/instances.ts';

export interface StackPorts {
  postgres: number;
  kafka: number;
  kafkaController: number;
  /** The broker's internal listener (inter-broker, and how `up` bootstraps SCRAM users). */
  kafkaInternal: number;
  registry: number;
  registryManagement: number;
  minio: number;
  minioConsole: number;
  victoriaMetrics: number;
  victoriaLogs: number;
  alerta: number;
  vmalert: number;
  alertmanager: number;
  gateway: number;
  synthStore: number;
  metricsStore: number;
  logsStore: number;
  artifactStore: number;
  baseline: number;
  eventDetector: number;
  alertaForwarder: number;
  console: number;
  /**
   * Where the extra instances of scaled workers listen (`up --scale`): instance i (from 2) of the
   * w-th worker of process-list.ts on this + 10·w + i, a range of their own, so no instance ever
   * takes another service's port.
   */
  workerInstances: number;
}

export const defaultPorts: StackPorts = {
  postgres: 15432,
  kafka: 19092,
  kafkaController: 19093,
  kafkaInternal: 19094,
  registry: 18081,
  registryManagement: 18091,
  minio: 19000,
  minioConsole: 19001,
  victoriaMetrics: 18428,
  victoriaLogs: 19428,
  alerta: 18180,
  vmalert: 18880,
  // Not Alertmanager's default 9093 (and not Kafka's controller port, 19093).
  alertmanager: 18903,
  gateway: 18080,
  synthStore: 18101,
  metricsStore: 18102,
  logsStore: 18103,
  artifactStore: 18104,
  baseline: 18105,
  eventDetector: 18106,
  alertaForwarder: 18107,
  console: 18108,
  workerInstances: instancePortBase,
};

/** Every port moved by `offset` (`up --port-offset`, a second stack beside the default one). */
export function offsetPorts(ports: StackPorts, offset: number): StackPorts {
  return Object.fromEntries(
    Object.entries(ports).map(([name, port]) => [name, port + offset]),
  ) as unknown as StackPorts;
}

/**
 * Node `id` (from 1) of the Kafka cluster: node 1 on the ports above, so a single-broker stack is
 * what it always was, node i on the same ports + 10·(i − 1) (19102/19103/19104 for node 2).
 */
export function kafkaNodePorts(ports: StackPorts, id: number) {
  const shift = 10 * (id - 1);
  return {
    client: ports.kafka + shift,
    controller: ports.kafkaController + shift,
    internal: ports.kafkaInternal + shift,
  };
}

/** The listen port of instance `index` (from 2) of the `slot`-th worker (from 0). */
export const workerInstancePort = (ports: StackPorts, slot: number, index: number): number =>
  instancePortFrom(ports.workerInstances, slot, index);

export const host = '127.0.0.1';
