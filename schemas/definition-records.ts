// The two faces of a stored transaction definition: the Avro record on
// primoart.synth.definitions.v1, and the JSON object `GET /api/v1/transactions/` answers with.
import type { TransactionDefinitionRecord } from './record-types.ts';
import type { ValidTransactionDefinition } from './transaction-definition.ts';

export type { TransactionDefinitionRecord };

/** The wire shape of a stored definition: the POSTed fields plus `updated_at` (RFC 3339, UTC). */
export interface StoredTransactionDefinition extends ValidTransactionDefinition {
  updated_at: string;
}

export function toDefinitionRecord(
  definition: ValidTransactionDefinition,
  updatedAt: Date,
): TransactionDefinitionRecord {
  return {
    uuid: definition.uuid,
    name: definition.name,
    cron: definition.cron,
    code: definition.code,
    target_duration: definition.target_duration,
    metadata: definition.metadata,
    description: definition.description,
    updated_at: updatedAt.getTime(),
  };
}

/** A decoded record as the API shows it; fields are listed explicitly so the JSON order is fixed. */
export function toStoredDefinition(record: TransactionDefinitionRecord): StoredTransactionDefinition {
  return {
    uuid: record.uuid,
    name: record.name,
    cron: record.cron,
    code: record.code,
    target_duration: record.target_duration,
    metadata: { ...record.metadata },
    description: record.description ?? null,
    updated_at: new Date(record.updated_at).toISOString(),
  };
}
