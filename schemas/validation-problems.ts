// The vocabulary validators report in: problems with a path such as `steps[2].finished_at`,
// collected all at once so a robot author sees every mistake in one answer.

export interface ValidationError {
  /** Where the problem is, e.g. `steps[2].finished_at`, `attributes`; empty for the document itself. */
  path: string;
  /** What is wrong, for a person to read. */
  message: string;
}

export type Validation<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      /** The first problems found, at most the list's limit. */
      errors: ValidationError[];
      /**
       * How many problems were found in all, set when `errors` is full: checks stop early then, so
       * there may be more still. Absent: `errors` are all there are.
       */
      errorCount?: number;
    };

/** Problems an answer names at most: a body of a million bad items must not become a huge answer. */
export const maxReportedProblems = 100;

/**
 * Problems as they are found. Only the first `limit` are kept with their messages; the rest are
 * counted. Checks ask `full` to skip work whose only product would be messages nobody gets.
 */
export class ProblemList {
  readonly errors: ValidationError[] = [];
  readonly limit: number;
  #count = 0;

  constructor(limit: number = maxReportedProblems) {
    this.limit = Math.max(1, limit);
  }

  add(path: string, message: string): void {
    this.#count++;
    if (this.errors.length < this.limit) this.errors.push({ path, message });
  }

  /** Counts a problem whose message would not be kept anyway (the list is full). */
  count(): void {
    this.#count++;
  }

  get empty(): boolean {
    return this.#count === 0;
  }

  get full(): boolean {
    return this.errors.length >= this.limit;
  }

  /** Every problem found, kept or only counted. */
  get total(): number {
    return this.#count;
  }

  /** The failed Validation these problems make. */
  failure<T>(order: (errors: ValidationError[]) => ValidationError[] = (errors) => errors): Validation<T> {
    const errors = order(this.errors);
    return this.full ? { ok: false, errors, errorCount: this.#count } : { ok: false, errors };
  }
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The path of a field; keys that are not plain identifiers are quoted: `attributes["build id"]`. */
export function fieldPath(parent: string, key: string): string {
  if (!identifier.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

export function itemPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "a string", "null", "an array" — for messages like `must be a number, got a string`. */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

function editDistance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, column) => column);
  for (let row = 1; row <= left.length; row++) {
    const current = [row];
    for (let column = 1; column <= right.length; column++) {
      const substitution = (previous[column - 1] ?? 0) + (left[row - 1] === right[column - 1] ? 0 : 1);
      current[column] = Math.min((previous[column] ?? 0) + 1, (current[column - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/** The known field a misspelt one most likely meant, if any is close. */
export function closestField(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(unknown.length / 4)) + 1;
  for (const candidate of known) {
    // The length difference bounds the distance from below: long junk keys are skipped cheaply.
    if (Math.abs(unknown.length - candidate.length) >= bestDistance) continue;
    const distance = editDistance(unknown.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
