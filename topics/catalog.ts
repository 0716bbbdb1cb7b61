// The topic catalog: the one place where topic names, partitions, retention, cleanup, key and
// value schema are stated. `primoart topics apply` makes the cluster match it.

import {
  apiKeySchema,
  apiKeyUsageSchema,
  baselineSchema,
  deadLetterReplaySchema,
  detectedEventSchema,
  maintenanceWindowRecordSchema,
  otelLogRecordSchema,
  otelMetricPointSchema,
  otelSpanSchema,
  type RecordSchema,
  slaTargetSchema,
  synthArtifactSchema,
  transactionDefinitionSchema,
  transactionForecastSchema,
  transactionResultSchema,
} from '../schemas/index.ts';

/** A topic; `Value` is the TypeScript type of its records, so its codec needs no type argument. */
export interface TopicSpec<Value = unknown> {
  name: string;
  partitions: number;
  /** The Avro record type of the values, or null for raw copies (dead letters). */
  valueSchema: RecordSchema<Value> | null;
  /** What the message key is; it decides ordering (one key → one partition → in order). */
  key: string;
  retentionMs: number;
  cleanupPolicy: 'delete' | 'compact';
  maxMessageBytes: number;
  description: string;
}

const day = 24 * 60 * 60 * 1000;
const MiB = 1024 * 1024;

export const topics = {
  synthResults: {
    name: 'primoart.synth.results.v1',
    partitions: 6,
    valueSchema: transactionResultSchema,
    key: 'transaction_id',
    // Long enough to rebuild baselines (28-day window) by replay.
    retentionMs: 35 * day,
    cleanupPolicy: 'delete',
    // A result carries a log of up to 1 MiB plus steps; screenshots travel separately.
    maxMessageBytes: 4 * MiB,
    description: 'one record per robot run, as accepted by the gateway',
  },
  synthArtifacts: {
    name: 'primoart.synth.artifacts.v1',
    partitions: 6,
    valueSchema: synthArtifactSchema,
    key: 'object_key',
    retentionMs: 7 * day,
    cleanupPolicy: 'delete',
    // A screenshot is at most 5 MiB decoded.
    maxMessageBytes: 8 * MiB,
    description: 'screenshot bytes of failed steps, one record per image',
  },
  deadLetters: {
    name: 'primoart.deadletter.v1',
    partitions: 3,
    valueSchema: null,
    key: 'original key',
    retentionMs: 30 * day,
    cleanupPolicy: 'delete',
    maxMessageBytes: 8 * MiB,
    description: 'poison messages, byte for byte, with error and origin in headers',
  },
  deadLetterReplays: {
    name: 'primoart.deadletter.replays.v1',
    partitions: 1,
    valueSchema: deadLetterReplaySchema,
    key: 'dead letter (partition:offset)',
    // Compacted: one small record per dead letter ever sent back, kept so none is sent twice.
    retentionMs: -1,
    cleanupPolicy: 'compact',
    maxMessageBytes: MiB,
    description: 'the dead letters `primoart dlq replay` sent back, so a second replay skips them',
  },
  apiKeys: {
    name: 'primoart.auth.keys.v1',
    partitions: 1,
    valueSchema: apiKeySchema,
    key: 'key id',
    // Compacted: the latest record of every key is kept forever (revoked keys stay listed).
    retentionMs: -1,
    cleanupPolicy: 'compact',
    maxMessageBytes: MiB,
    description: 'managed API keys (SHA-256 only), materialised by every gateway',
  },
  apiKeyUsage: {
    name: 'primoart.auth.key-usage.v1',
    partitions: 1,
    valueSchema: apiKeyUsageSchema,
    key: 'key id',
    retentionMs: -1,
    cleanupPolicy: 'compact',
    maxMessageBytes: MiB,
    description: 'when each API key was last used, at most one record per key per minute per gateway',
  },
  synthDefinitions: {
    name: 'primoart.synth.definitions.v1',
    partitions: 3,
    valueSchema: transactionDefinitionSchema,
    key: 'uuid',
    // Compacted: the latest version of every definition is kept forever; a tombstone deletes one.
    retentionMs: -1,
    cleanupPolicy: 'compact',
    // A definition's code is at most 256 KiB; the gateway publishes a request in chunks under 1 MiB.
    maxMessageBytes: 2 * MiB,
    description: 'transaction definitions (what robots run), materialised by every gateway',
  },
  // OpenTelemetry received over OTLP/HTTP: one record per span, data point or log record.
  otelSpans: {
    name: 'primoart.otel.spans.v1',
    partitions: 6,
    valueSchema: otelSpanSchema,
    key: 'trace_id (hex): one trace stays in order on one partition',
    retentionMs: 7 * day,
    cleanupPolicy: 'delete',
    // The gateway refuses (partial success) a span whose record would be larger.
    maxMessageBytes: 4 * MiB,
    description: 'OpenTelemetry spans received by the gateway, one record per span',
  },
  otelMetrics: {
    name: 'primoart.otel.metrics.v1',
    partitions: 6,
    valueSchema: otelMetricPointSchema,
    key: 'series_id: hash of metric name, resource and point attributes',
    retentionMs: 7 * day,
    cleanupPolicy: 'delete',
    maxMessageBytes: 4 * MiB,
    description: 'OpenTelemetry metric data points received by the gateway, one record per point',
  },
  otelLogs: {
    name: 'primoart.otel.logs.v1',
    partitions: 6,
    valueSchema: otelLogRecordSchema,
    key: 'service.name of the resource (unknown_service without one)',
    retentionMs: 7 * day,
    cleanupPolicy: 'delete',
    maxMessageBytes: 4 * MiB,
    description: 'OpenTelemetry log records received by the gateway, one record per log record',
  },
  baselines: {
    name: 'primoart.baselines.v1',
    partitions: 3,
    valueSchema: baselineSchema,
    key: 'series key: <transaction_id>|run|<location or *> or <transaction_id>|step-<index>|<location or *>',
    // Compacted: the latest baseline of every series is kept; the worker rebuilds it from results.
    retentionMs: -1,
    cleanupPolicy: 'compact',
    // 168 hour-of-week bands of a few numbers each: a record is a few KiB.
    maxMessageBytes: MiB,
    description:
      'the current baseline of every series (duration quantiles, availability), by the baseline worker',
  },
  forecasts: {
    name: 'primoart.forecasts.v1',
    partitions: 3,
    valueSchema: transactionForecastSchema,
    key: 'transaction_id',
    // Compacted: the latest forecast of every transaction is kept; the worker rebuilds it from results.
    retentionMs: -1,
    cleanupPolicy: 'compact',
    // Seven days of two numbers and two trends: well under a KiB.
    maxMessageBytes: MiB,
    description:
      "each transaction's daily p50 duration and availability for the next 7 days, by the baseline worker",
  },
  events: {
    name: 'primoart.events.v1',
    partitions: 6,
    valueSchema: detectedEventSchema,
    // One transaction's events stay in order, so an open reaches Alerta before its clear.
    key: 'transaction_id',
    // As long as the results: synth-store and the forwarder can be replayed over the same span.
    retentionMs: 35 * day,
    cleanupPolicy: 'delete',
    maxMessageBytes: MiB,
    description:
      'problems opening and clearing, by the event detector; stored by synth-store, sent to Alerta',
  },
  slaTargets: {
    name: 'primoart.console.sla-targets.v1',
    partitions: 1,
    valueSchema: slaTargetSchema,
    key: 'the object, a JSON array: ["project", name], ["service", project, service] or ["transaction", transaction_id]',
    // Compacted: the current target of every object is kept forever; synth-store keeps every change.
    retentionMs: -1,
    cleanupPolicy: 'compact',
    maxMessageBytes: MiB,
    description: 'target SLA % per project, service and transaction, set through the console (admin)',
  },
  maintenanceWindows: {
    name: 'primoart.maintenance-windows.v1',
    partitions: 1,
    valueSchema: maintenanceWindowRecordSchema,
    key: 'the window id (a UUID)',
    // Compacted: every window's record is kept until it is deleted (a tombstone); every event
    // detector and console reads the topic whole into memory.
    retentionMs: -1,
    cleanupPolicy: 'compact',
    maxMessageBytes: MiB,
    description: 'maintenance windows managed through the console (admin), read by every event detector',
  },
} as const satisfies Record<string, TopicSpec>;

export const catalog: readonly TopicSpec[] = Object.values(topics);

// Kafka compacts only closed segments, and by default a segment closes at 1 GiB or after 7 days:
// a compacted topic rewritten often (baselines: every batch republishes the series it touched)
// would keep every old record in its active segment, and every reader that materialises it
// (the detector's view, a new synth-store group) would read them all. Small segments that roll
// hourly and a low dirty ratio keep such a topic near one record per key.
const compactedSegmentEntries = {
  'segment.bytes': String(16 * 1024 * 1024),
  'segment.ms': String(60 * 60 * 1000),
  'min.cleanable.dirty.ratio': '0.1',
};

export function topicConfigEntries(spec: TopicSpec): Record<string, string> {
  return {
    'cleanup.policy': spec.cleanupPolicy,
    'retention.ms': String(spec.retentionMs),
    'max.message.bytes': String(spec.maxMessageBytes),
    ...(spec.cleanupPolicy === 'compact' ? compactedSegmentEntries : {}),
  };
}

/**
 * How a cluster of this many brokers replicates every topic: on min(3, brokers) of them, and a write
 * (acks=all) acknowledged once RF − 1 (at least 1) have it, so one broker of three may be down and
 * producers still succeed, and no acknowledged record lives on one disk alone.
 */
export function replicationOf(brokers: number): { replicationFactor: number; minInsyncReplicas: number } {
  const replicationFactor = Math.max(1, Math.min(3, brokers));
  return { replicationFactor, minInsyncReplicas: Math.max(1, replicationFactor - 1) };
}

/** The schema-registry subject of a topic's values (TopicNameStrategy). */
export function valueSubject(topicName: string): string {
  return `${topicName}-value`;
}
