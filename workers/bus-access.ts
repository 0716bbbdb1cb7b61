// What each worker reads and writes on the bus, for the ACLs of its Kafka identity (topics/acls.ts).
// A worker's harness inputs are its definition's `topics` (test/unit/workers/bus-access.test.ts
// checks each definition against this, so the two cannot drift apart); the rest is what its main.ts
// opens besides: compacted views it reads, topics it produces to. Every worker dead-letters through
// its harness. Only the catalog is imported: `primoart env` and `status` load this.
import type { BusAccess } from '../topics/acls.ts';
import { topics } from '../topics/catalog.ts';

const deadLetters = topics.deadLetters.name;

export const workerBusAccess = {
  'synth-store': {
    reads: [
      topics.synthResults.name,
      topics.synthDefinitions.name,
      topics.baselines.name,
      topics.forecasts.name,
      topics.events.name,
      topics.slaTargets.name,
    ],
    writes: [deadLetters],
  },
  'artifact-store': { reads: [topics.synthArtifacts.name], writes: [deadLetters] },
  'logs-store': {
    reads: [topics.synthResults.name, topics.otelLogs.name, topics.otelSpans.name],
    writes: [deadLetters],
  },
  'metrics-store': {
    reads: [topics.synthResults.name, topics.otelMetrics.name, topics.otelSpans.name, topics.baselines.name],
    writes: [deadLetters],
  },
  baseline: {
    reads: [topics.synthResults.name],
    writes: [topics.baselines.name, topics.forecasts.name, deadLetters],
  },
  'event-detector': {
    // Results through the harness; baselines, definitions (for crons) and the API's maintenance
    // windows through views.
    reads: [
      topics.synthResults.name,
      topics.baselines.name,
      topics.synthDefinitions.name,
      topics.maintenanceWindows.name,
    ],
    writes: [topics.events.name, deadLetters],
  },
  'alerta-forwarder': { reads: [topics.events.name], writes: [deadLetters] },
} as const satisfies Record<string, BusAccess>;

export type WorkerName = keyof typeof workerBusAccess;
export const workerNames = Object.keys(workerBusAccess) as WorkerName[];
