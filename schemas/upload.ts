// The upload endpoint's body is either one TransactionResult or a batch `{"results": [...]}`.
// A batch envelope that breaks its own rules is refused as a whole; otherwise each item is judged
// on its own, so valid items are accepted even when their neighbours are not.

import { knownFieldsObject } from './field-checks.ts';
import { batchPayloadFields, type ValidTransactionResult } from './record-types.ts';
import { type TransactionResultValidationOptions, validateTransactionResult } from './transaction-result.ts';
import {
  describeJsonType,
  isPlainObject,
  ProblemList,
  type Validation,
  type ValidationError,
} from './validation-problems.ts';

export const batchLimits = { minResults: 1, maxResults: 100 } as const;

export interface BatchItemValidation {
  /** The item's result_id as sent, when it is a string, so a rejected item can still be named. */
  claimedResultId: string | null;
  validation: Validation<ValidTransactionResult>;
}

export type UploadValidation =
  | { kind: 'single'; validation: Validation<ValidTransactionResult> }
  | { kind: 'batch'; items: BatchItemValidation[] }
  | { kind: 'invalid_batch'; errors: ValidationError[] };

const batchShape = { fields: Object.keys(batchPayloadFields), describedAs: 'a batch object' };

/** A body is a batch when it is an object with a `results` field (a TransactionResult has none). */
export function isBatchUpload(input: unknown): boolean {
  return isPlainObject(input) && Object.hasOwn(input, 'results');
}

export function validateUpload(
  input: unknown,
  options: TransactionResultValidationOptions,
): UploadValidation {
  if (!isBatchUpload(input)) return { kind: 'single', validation: validateTransactionResult(input, options) };
  const problems = new ProblemList();
  const envelope = knownFieldsObject(input, '', problems, batchShape);
  const results = envelope?.results;
  if (!Array.isArray(results)) {
    problems.add(
      'results',
      `must be an array of TransactionResult objects, got ${describeJsonType(results)}`,
    );
  } else if (results.length < batchLimits.minResults) {
    problems.add('results', 'must hold at least 1 result');
  } else if (results.length > batchLimits.maxResults) {
    problems.add('results', `must hold at most ${batchLimits.maxResults} results, got ${results.length}`);
  }
  if (!problems.empty || !Array.isArray(results)) return { kind: 'invalid_batch', errors: problems.errors };
  return {
    kind: 'batch',
    items: results.map((item: unknown) => ({
      claimedResultId: isPlainObject(item) && typeof item.result_id === 'string' ? item.result_id : null,
      validation: validateTransactionResult(item, options),
    })),
  };
}
