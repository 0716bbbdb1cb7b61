// Every process kind with its bus access, for `primoart topics apply` (ACLs) and the local stack
// (one Kafka identity each): the gateway, the console and every worker.
import { consoleBusAccess, consoleProcessName } from '../console/bus-access.ts';
import { gatewayBusAccess, gatewayProcessName } from '../ingest-gateway/bus-access.ts';
import type { BusAccess } from '../topics/acls.ts';
import { workerBusAccess, workerNames } from '../workers/bus-access.ts';

export const processBusAccess: Readonly<Record<string, BusAccess>> = {
  [gatewayProcessName]: gatewayBusAccess,
  [consoleProcessName]: consoleBusAccess,
  ...workerBusAccess,
};

export { workerNames };
