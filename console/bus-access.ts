// What the console reads and writes on the bus, for the ACLs of its Kafka identity (topics/acls.ts):
// its own view of the managed API keys; and the target SLAs an admin sets (synth-store stores them:
// the console never writes to a store itself).
import type { BusAccess } from '../topics/acls.ts';
import { topics } from '../topics/catalog.ts';

export const consoleProcessName = 'console';

export const consoleBusAccess: BusAccess = {
  reads: [topics.apiKeys.name],
  writes: [topics.slaTargets.name],
};
