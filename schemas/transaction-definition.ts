// Validation of the body of `POST /api/v1/transactions/` (CONTRACT.md "Transaction definitions"):
// an array of definitions, every problem reported at a path such as `[2].cron`. The call is
// all-or-nothing, so the body is valid only when every item is; there is no per-item verdict.

import { CronExpressionParser } from 'cron-parser';
import { type Check, FieldReader, knownFieldsObject, text, utf8Text, uuid } from './field-checks.ts';
import type { TransactionDefinitionRecord } from './record-types.ts';
import {
  describeJsonType,
  fieldPath,
  isPlainObject,
  itemPath,
  ProblemList,
  type Validation,
} from './validation-problems.ts';

export const transactionDefinitionLimits = {
  nameMaxChars: 256,
  /** A robot script; large enough for real journeys, small enough for one Kafka record. */
  codeMaxBytes: 256 * 1024,
  /** A run longer than a day is not a synthetic transaction. */
  targetDurationMaxSeconds: 24 * 60 * 60,
  maxMetadataEntries: 64,
  metadataKeyMaxChars: 128,
  metadataValueMaxChars: 1024,
  descriptionMaxChars: 4096,
  maxDefinitionsPerRequest: 1000,
} as const;

/** A definition as an admin sends it, after validation (uuid lowercased, cron trimmed): its record less the time. */
export type ValidTransactionDefinition = Omit<TransactionDefinitionRecord, 'updated_at'>;

/** The fields an item may have, in the contract's order. */
export const transactionDefinitionFields = [
  'uuid',
  'name',
  'cron',
  'code',
  'target_duration',
  'metadata',
  'description',
] as const;

const limits = transactionDefinitionLimits;
const definitionShape = { fields: transactionDefinitionFields, describedAs: 'a transaction definition' };

/** Field names of the cron expression, for messages. */
const cronFieldNames = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'];

/**
 * A standard 5-field cron expression. cron-parser checks ranges, steps, names and impossible dates;
 * its 6-field (seconds) form, `@daily`-style macros and `H` (a random time on every parse, so robots
 * would disagree on the schedule) are refused.
 */
const cron: Check<string> = (value, path, problems) => {
  if (typeof value !== 'string') {
    problems.add(path, `must be a cron expression string, got ${describeJsonType(value)}`);
    return undefined;
  }
  const expression = value.trim();
  const fields = expression === '' ? [] : expression.split(/\s+/);
  if (fields.length !== cronFieldNames.length) {
    problems.add(
      path,
      `must be a cron expression of 5 fields (${cronFieldNames.join(' ')}), got ${fields.length}: ${JSON.stringify(value)}`,
    );
    return undefined;
  }
  if ((expression.match(/[a-z]+/gi) ?? []).some((word) => word.toUpperCase() === 'H')) {
    problems.add(path, `must not use H (hashed, random) values: ${JSON.stringify(value)}`);
    return undefined;
  }
  try {
    // cron-parser reads 6 fields with seconds first; robots run at second 0.
    CronExpressionParser.parse(`0 ${expression}`, { tz: 'UTC' }).next();
  } catch (error) {
    problems.add(path, `is not a valid cron expression: ${(error as Error).message}`);
    return undefined;
  }
  return expression;
};

const targetDuration: Check<number> = (value, path, problems) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    problems.add(path, `must be a number of seconds, got ${describeJsonType(value)}`);
    return undefined;
  }
  if (value <= 0) {
    problems.add(path, `must be greater than 0, got ${value}`);
    return undefined;
  }
  if (value > limits.targetDurationMaxSeconds) {
    problems.add(path, `must be at most ${limits.targetDurationMaxSeconds} seconds (a day), got ${value}`);
    return undefined;
  }
  return value;
};

const metadataKey = text({ minChars: 1, maxChars: limits.metadataKeyMaxChars });
const metadataValue = text({ maxChars: limits.metadataValueMaxChars });

const metadata: Check<Record<string, string>> = (value, path, problems) => {
  if (!isPlainObject(value)) {
    problems.add(path, `must be an object of string values, got ${describeJsonType(value)}`);
    return undefined;
  }
  const entries = Object.entries(value);
  if (entries.length > limits.maxMetadataEntries) {
    problems.add(path, `must have at most ${limits.maxMetadataEntries} entries, got ${entries.length}`);
  }
  for (const [key, entry] of entries) {
    const entryPath = fieldPath(path, key);
    metadataKey(key, entryPath, problems);
    metadataValue(entry, entryPath, problems);
  }
  return Object.fromEntries(entries) as Record<string, string>;
};

function readDefinition(
  value: unknown,
  path: string,
  problems: ProblemList,
): Partial<ValidTransactionDefinition> | undefined {
  const object = knownFieldsObject(value, path, problems, definitionShape);
  if (object === undefined) return undefined;
  const fields = new FieldReader(object, path, problems);
  return {
    uuid: fields.required('uuid', uuid),
    name: fields.required('name', text({ minChars: 1, maxChars: limits.nameMaxChars })),
    cron: fields.required('cron', cron),
    code: fields.required('code', (code, codePath) => {
      const checked = utf8Text(limits.codeMaxBytes)(code, codePath, problems);
      if (checked === '') problems.add(codePath, 'must not be empty');
      return checked === '' ? undefined : checked;
    }),
    target_duration: fields.required('target_duration', targetDuration),
    metadata: fields.optional('metadata', metadata) ?? {},
    description: fields.optional('description', text({ maxChars: limits.descriptionMaxChars })),
  };
}

/** Validates a whole POST body; valid only when every definition in it is. */
export function validateDefinitionUpsert(body: unknown): Validation<ValidTransactionDefinition[]> {
  const problems = new ProblemList();
  if (!Array.isArray(body)) {
    problems.add('', `must be an array of transaction definitions, got ${describeJsonType(body)}`);
    return { ok: false, errors: problems.errors };
  }
  if (body.length === 0) problems.add('', 'must hold at least 1 transaction definition');
  if (body.length > limits.maxDefinitionsPerRequest) {
    problems.add(
      '',
      `must hold at most ${limits.maxDefinitionsPerRequest} transaction definitions, got ${body.length}`,
    );
    return { ok: false, errors: problems.errors };
  }
  const definitions = body.map((item, position) => readDefinition(item, itemPath('', position), problems));
  const firstPositionOfUuid = new Map<string, number>();
  definitions.forEach((definition, position) => {
    if (definition?.uuid === undefined) return;
    const first = firstPositionOfUuid.get(definition.uuid);
    if (first === undefined) {
      firstPositionOfUuid.set(definition.uuid, position);
    } else {
      problems.add(
        fieldPath(itemPath('', position), 'uuid'),
        `must be unique in one request; [${first}] already defines ${definition.uuid}`,
      );
    }
  });
  if (!problems.empty) return { ok: false, errors: problems.errors };
  // Every field was checked above; with no problems reported none of them is undefined.
  return { ok: true, value: definitions as ValidTransactionDefinition[] };
}
