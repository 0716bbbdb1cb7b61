// The record types of the bus, each parsed once from its .avsc file. The topic catalog names which
// topic carries which of these; `primoart schemas register|check` iterates over them.
//
// Types are built with avsc's defaults and no logical-type classes: timestamp-millis values are
// epoch-millisecond numbers, uuid values are strings, and ["null", T] unions are unwrapped (a value or
// null). Codecs that encode these records must build their types the same way.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import type {
  ApiKeyRecord,
  ApiKeyUsageRecord,
  DeadLetterReplayRecord,
  DetectedEventRecord,
  MaintenanceWindowRecord,
  OtelLogRecord,
  OtelMetricPointRecord,
  OtelSpanRecord,
  SeriesBaselineRecord,
  SlaTargetRecord,
  SynthArtifactRecord,
  TransactionDefinitionRecord,
  TransactionForecastRecord,
  TransactionResultRecord,
} from './record-types.ts';

/** One record type; `Value` is the TypeScript type of its values as avsc encodes and decodes them. */
export interface RecordSchema<Value = unknown> {
  /** The name the topic catalog uses, also the .avsc file's base name, e.g. `transaction-result`. */
  name: string;
  /** Full Avro name, e.g. `io.primoart.synth.v1.TransactionResult`. */
  fullName: string;
  /** Absolute path of the working-copy .avsc file (the newest version). */
  avscPath: string;
  /** The parsed JSON of the .avsc file, as registered with the schema registry. */
  schema: avro.Schema;
  avroType: avro.Type;
  /** Never set: carries `Value` to whoever opens a codec for the record (`codecFor`). */
  readonly valueType?: Value;
}

function loadRecordSchema<Value>(name: string): RecordSchema<Value> {
  const avscPath = path.join(import.meta.dirname, `${name}.avsc`);
  const schema = JSON.parse(readFileSync(avscPath, 'utf8')) as avro.Schema;
  const avroType = avro.Type.forSchema(schema);
  if (avroType.name === undefined) throw new Error(`${avscPath}: the top-level type must be a named record`);
  return { name, fullName: avroType.name, avscPath, schema, avroType };
}

// Each schema with the TypeScript type of its values (record-types.ts, generated from the same file).
export const transactionResultSchema = loadRecordSchema<TransactionResultRecord>('transaction-result');
export const synthArtifactSchema = loadRecordSchema<SynthArtifactRecord>('synth-artifact');
export const apiKeySchema = loadRecordSchema<ApiKeyRecord>('api-key');
export const apiKeyUsageSchema = loadRecordSchema<ApiKeyUsageRecord>('api-key-usage');
export const transactionDefinitionSchema =
  loadRecordSchema<TransactionDefinitionRecord>('transaction-definition');
export const otelSpanSchema = loadRecordSchema<OtelSpanRecord>('otel-span');
export const otelMetricPointSchema = loadRecordSchema<OtelMetricPointRecord>('otel-metric-point');
export const otelLogRecordSchema = loadRecordSchema<OtelLogRecord>('otel-log-record');
export const baselineSchema = loadRecordSchema<SeriesBaselineRecord>('baseline');
export const detectedEventSchema = loadRecordSchema<DetectedEventRecord>('detected-event');
export const transactionForecastSchema = loadRecordSchema<TransactionForecastRecord>('transaction-forecast');
export const slaTargetSchema = loadRecordSchema<SlaTargetRecord>('sla-target');
export const maintenanceWindowRecordSchema = loadRecordSchema<MaintenanceWindowRecord>('maintenance-window');
export const deadLetterReplaySchema = loadRecordSchema<DeadLetterReplayRecord>('dead-letter-replay');

export const recordSchemas: readonly RecordSchema[] = [
  transactionResultSchema,
  synthArtifactSchema,
  apiKeySchema,
  apiKeyUsageSchema,
  transactionDefinitionSchema,
  otelSpanSchema,
  otelMetricPointSchema,
  otelLogRecordSchema,
  baselineSchema,
  detectedEventSchema,
  transactionForecastSchema,
  slaTargetSchema,
  maintenanceWindowRecordSchema,
  deadLetterReplaySchema,
];

/** The record schema the topic catalog calls `name`; throws naming the known ones otherwise. */
export function recordType(name: string): RecordSchema {
  const found = recordSchemas.find((record) => record.name === name);
  if (found === undefined) {
    const known = recordSchemas.map((record) => record.name).join(', ');
    throw new Error(`unknown record schema "${name}"; schemas/index.ts knows: ${known}`);
  }
  return found;
}

export { type AvroResultRecords, fromAvroArtifact, fromAvroResult, toAvroResult } from './avro-mapping.ts';
export {
  type CompatibilityProblem,
  checkBackwardTransitive,
  checkReadsEveryWriter,
  type PublishedVersion,
  publishedVersions,
  schemaHistoryDirectory,
} from './compatibility.ts';
export {
  type StoredTransactionDefinition,
  toDefinitionRecord,
  toStoredDefinition,
} from './definition-records.ts';
export { screenshotObjectKey } from './object-key.ts';
export type {
  Location,
  RunStatus,
  ScreenshotContentType,
  ScreenshotRef,
  Step,
  SynthArtifact,
  SynthArtifactRecord,
  SynthResult,
  TransactionDefinitionRecord,
  TransactionResultPayload,
  TransactionResultRecord,
  ValidTransactionResult,
} from './record-types.ts';
export {
  transactionDefinitionFields,
  transactionDefinitionLimits,
  type ValidTransactionDefinition,
  validateDefinitionUpsert,
} from './transaction-definition.ts';
export {
  type TransactionResultValidationOptions,
  transactionResultLimits,
  validateTransactionResult,
} from './transaction-result.ts';
export {
  type BatchItemValidation,
  batchLimits,
  isBatchUpload,
  judgeUpload,
  type UploadValidation,
  validateUpload,
} from './upload.ts';
export type { Validation, ValidationError } from './validation-problems.ts';
