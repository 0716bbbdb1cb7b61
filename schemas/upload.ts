// The upload endpoint's body is either one TransactionResult or a batch `{"results": [...]}`.
// A batch envelope that breaks its own rules is refused as a whole; otherwise each item is judged
// on its own, so valid items are accepted even when their neighbours are not.

import { knownFieldsObject } from './field-checks.ts';
import { batchPayloadFields, type ValidTransactionResult } from './record-types.ts';
import { type TransactionResultValidationOptions, validateTransactionResult } from './transaction-result.ts';
import {
  describeJsonType,
  isPlainObject,
  maxReportedProblems,
  ProblemList,
  type Validation,
  type ValidationError,
} from './validation-problems.ts';

export const batchLimits = {
  minResults: 1,
  maxResults: 100,
  /**
   * Problems named across all items of one answer at most; every rejected item still names at
   * least one (and at most maxReportedProblems), the rest are counted in its error_count.
   */
  maxErrorsPerBatch: 1000,
} as const;

export interface BatchItemValidation {
  /** The item's result_id as sent, when it is a string of at most 64 characters, so a rejected item can still be named. */
  claimedResultId: string | null;
  validation: Validation<ValidTransactionResult>;
}

export type UploadValidation =
  | { kind: 'single'; validation: Validation<ValidTransactionResult> }
  | { kind: 'batch'; items: BatchItemValidation[] }
  | { kind: 'invalid_batch'; errors: ValidationError[] };

/** A rejected item is named by the result_id it claims, when that is a string of a UUID's size. */
function claimedResultId(item: unknown): string | null {
  if (!isPlainObject(item) || typeof item.result_id !== 'string') return null;
  // Echoing a megabyte "id" back would let a request choose the size of its answer.
  return item.result_id.length <= 64 ? item.result_id : null;
}

const batchShape = { fields: Object.keys(batchPayloadFields), describedAs: 'a batch object' };

/** A body is a batch when it is an object with a `results` field (a TransactionResult has none). */
export function isBatchUpload(input: unknown): boolean {
  return isPlainObject(input) && Object.hasOwn(input, 'results');
}

/**
 * Judges an upload body, yielding after each batch item so that a caller on a server can let other
 * requests run in between (a batch of 100 results of 500 steps is ~100 times one result's work).
 */
export function* judgeUpload(
  input: unknown,
  options: TransactionResultValidationOptions,
): Generator<void, UploadValidation, void> {
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
  let errorBudget = batchLimits.maxErrorsPerBatch;
  const items: BatchItemValidation[] = [];
  for (const item of results as unknown[]) {
    const maxErrors = Math.max(1, Math.min(options.maxErrors ?? maxReportedProblems, errorBudget));
    const validation = validateTransactionResult(item, { ...options, maxErrors });
    if (!validation.ok) errorBudget -= validation.errors.length;
    items.push({ claimedResultId: claimedResultId(item), validation });
    yield;
  }
  return { kind: 'batch', items };
}

/** judgeUpload in one go. */
export function validateUpload(
  input: unknown,
  options: TransactionResultValidationOptions,
): UploadValidation {
  const judging = judgeUpload(input, options);
  for (;;) {
    const step = judging.next();
    if (step.done) return step.value;
  }
}
