// What the console reads on the bus, for the ACLs of its Kafka identity (topics/acls.ts): only its
// own view of the managed API keys. It writes nothing.
import type { BusAccess } from '../topics/acls.ts';
import { topics } from '../topics/catalog.ts';

export const consoleProcessName = 'console';

export const consoleBusAccess: BusAccess = {
  reads: [topics.apiKeys.name],
  writes: [],
};
