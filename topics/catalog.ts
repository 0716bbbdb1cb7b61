// The topic catalog: the one place where topic names, partitions, retention, cleanup, key and
// value schema are stated. `primoart topics apply` makes the cluster match it.

import { type RecordSchema, synthArtifactSchema, transactionResultSchema } from '../schemas/index.ts';

export interface TopicSpec {
  name: string;
  partitions: number;
  /** The Avro record type of the values, or null for raw copies (dead letters). */
  valueSchema: RecordSchema | null;
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
} as const satisfies Record<string, TopicSpec>;

export const catalog: readonly TopicSpec[] = Object.values(topics);

export function topicConfigEntries(spec: TopicSpec): Record<string, string> {
  return {
    'cleanup.policy': spec.cleanupPolicy,
    'retention.ms': String(spec.retentionMs),
    'max.message.bytes': String(spec.maxMessageBytes),
  };
}

/** The schema-registry subject of a topic's values (TopicNameStrategy). */
export function valueSubject(topicName: string): string {
  return `${topicName}-value`;
}
