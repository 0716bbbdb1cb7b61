// What the gateway reads and writes on the bus, for the ACLs of its Kafka identity (topics/acls.ts).
import type { BusAccess } from '../topics/acls.ts';
import { topics } from '../topics/catalog.ts';

export const gatewayProcessName = 'ingest-gateway';

export const gatewayBusAccess: BusAccess = {
  // Its own views of the managed keys and the definitions.
  reads: [topics.apiKeys.name, topics.synthDefinitions.name],
  writes: [
    topics.synthResults.name,
    topics.synthArtifacts.name,
    topics.otelSpans.name,
    topics.otelMetrics.name,
    topics.otelLogs.name,
    topics.synthDefinitions.name,
    topics.apiKeyUsage.name,
    // Key management is an `admin` scope of the API (docs/CONTRACT.md): the gateway may write keys.
    topics.apiKeys.name,
  ],
};
