// What the console reads and writes on the bus, for the ACLs of its Kafka identity (topics/acls.ts):
// its own views of the managed API keys and of the maintenance windows; the target SLAs an admin
// sets (synth-store stores them: the console never writes to a store itself) and the maintenance
// windows an admin creates or deletes (every event detector reads them).
import type { BusAccess } from '../topics/acls.ts';
import { topics } from '../topics/catalog.ts';

export const consoleProcessName = 'console';

export const consoleBusAccess: BusAccess = {
  reads: [topics.apiKeys.name, topics.maintenanceWindows.name],
  writes: [topics.slaTargets.name, topics.maintenanceWindows.name],
};
