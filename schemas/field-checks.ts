// Checks for single JSON values. Each reports its problems at the path it is given and returns the
// checked value, or undefined when the value is unusable.

import { parseRfc3339 } from './rfc3339.ts';
import {
  closestField,
  describeJsonType,
  fieldPath,
  isPlainObject,
  type ProblemList,
} from './validation-problems.ts';

export type Check<T> = (value: unknown, path: string, problems: ProblemList) => T | undefined;

/** A short, printable excerpt of what the client sent, for messages. */
function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

/**
 * How many code points a text over `maxChars` has, as a phrase; undefined when it is within. A code
 * point is one or two UTF-16 units, so the length alone settles most texts without counting.
 */
export function charactersOver(text: string, maxChars: number): string | undefined {
  if (text.length <= maxChars) return undefined;
  if (text.length > 2 * maxChars) return `at least ${Math.ceil(text.length / 2)}`;
  const count = characterCount(text);
  return count > maxChars ? String(count) : undefined;
}

function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function readString(value: unknown, path: string, problems: ProblemList): string | undefined {
  if (typeof value === 'string') return value;
  problems.add(path, `must be a string, got ${describeJsonType(value)}`);
  return undefined;
}

/**
 * Why the stores could not hold this text as it is, if they could not: PostgreSQL text and jsonb
 * refuse U+0000, and a lone surrogate has no UTF-8 form (encoders silently replace it).
 */
export function unstorableTextReason(text: string): string | undefined {
  const nul = text.indexOf('\u0000');
  if (nul !== -1) {
    return `must not contain U+0000 (NUL), which PostgreSQL cannot store; found at position ${nul}`;
  }
  if (!text.isWellFormed()) {
    return 'must be well-formed Unicode: it holds a lone surrogate (\\uD800-\\uDFFF without its pair), which has no UTF-8 form';
  }
  return undefined;
}

function readStorableString(value: unknown, path: string, problems: ProblemList): string | undefined {
  const string = readString(value, path, problems);
  if (string === undefined) return undefined;
  const unstorable = unstorableTextReason(string);
  if (unstorable === undefined) return string;
  problems.add(path, unstorable);
  return undefined;
}

/** A string of at least `minChars` and at most `maxChars` characters (Unicode code points). */
export function text(limits: { minChars?: number; maxChars: number }): Check<string> {
  const { minChars = 0, maxChars } = limits;
  return (value, path, problems) => {
    const string = readString(value, path, problems);
    if (string === undefined) return undefined;
    if (string.length === 0 && minChars > 0) {
      problems.add(path, 'must not be empty');
      return undefined;
    }
    const over = charactersOver(string, maxChars);
    if (over !== undefined) {
      problems.add(path, `must be at most ${maxChars} characters, got ${over}`);
      return undefined;
    }
    if (minChars > 1 && characterCount(string) < minChars) {
      problems.add(path, `must be at least ${minChars} characters`);
      return undefined;
    }
    return readStorableString(string, path, problems);
  };
}

function describeBytes(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB (${bytes} bytes)`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB (${bytes} bytes)`;
  return `${bytes} bytes`;
}

/** A string whose UTF-8 encoding is at most `maxBytes` long. */
export function utf8Text(maxBytes: number): Check<string> {
  return (value, path, problems) => {
    const string = readString(value, path, problems);
    if (string === undefined) return undefined;
    const size = Buffer.byteLength(string, 'utf8');
    if (size > maxBytes) {
      problems.add(path, `must be at most ${describeBytes(maxBytes)} of UTF-8, got ${size} bytes`);
      return undefined;
    }
    return readStorableString(string, path, problems);
  };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID in its canonical 8-4-4-4-12 hex form; returned lowercased so one run has one key. */
export const uuid: Check<string> = (value, path, problems) => {
  const string = readString(value, path, problems);
  if (string === undefined) return undefined;
  if (!uuidPattern.test(string)) {
    problems.add(path, `must be a UUID like "0f8e4c2a-7d1b-4e6f-9a3c-5b2d8e1f4a7c", got ${quote(string)}`);
    return undefined;
  }
  return string.toLowerCase();
};

/**
 * The times every store holds: VictoriaMetrics and VictoriaLogs take nothing before the Unix
 * epoch, and years past 9999 have no RFC 3339 form. (PostgreSQL and JavaScript reach further.)
 */
export const storableTimeRange = {
  min: Date.UTC(1970, 0, 1),
  max: Date.UTC(9999, 11, 31, 23, 59, 59, 999),
} as const;

/** An RFC 3339 date-time with an offset, between 1970 and 9999, as epoch milliseconds. */
export const time: Check<number> = (value, path, problems) => {
  const string = readString(value, path, problems);
  if (string === undefined) return undefined;
  const parsed = parseRfc3339(string);
  if (!parsed.ok) {
    problems.add(path, `must be an RFC 3339 time with an offset: ${quote(string)} ${parsed.reason}`);
    return undefined;
  }
  if (parsed.epochMillis < storableTimeRange.min || parsed.epochMillis > storableTimeRange.max) {
    problems.add(
      path,
      `must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z, got ${quote(string)}`,
    );
    return undefined;
  }
  return parsed.epochMillis;
};

export function oneOf<const Value extends string>(values: readonly Value[]): Check<Value> {
  return (value, path, problems) => {
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as Value;
    const got = typeof value === 'string' ? quote(value) : describeJsonType(value);
    problems.add(path, `must be one of ${values.join(', ')}, got ${got}`);
    return undefined;
  };
}

/** A whole JSON number (no fraction, no string) that JavaScript and Avro `long` hold exactly. */
export function integer(limits: { min?: number } = {}): Check<number> {
  const { min = Number.MIN_SAFE_INTEGER } = limits;
  return (value, path, problems) => {
    if (typeof value !== 'number') {
      problems.add(path, `must be an integer, got ${describeJsonType(value)}`);
      return undefined;
    }
    if (!Number.isInteger(value)) {
      problems.add(path, `must be an integer, got ${value}`);
      return undefined;
    }
    if (!Number.isSafeInteger(value)) {
      problems.add(
        path,
        `must be between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}, got ${value}`,
      );
      return undefined;
    }
    if (value < min) {
      problems.add(
        path,
        min === 1 ? `must be greater than 0, got ${value}` : `must be at least ${min}, got ${value}`,
      );
      return undefined;
    }
    return value;
  };
}

export function numberBetween(min: number, max: number): Check<number> {
  return (value, path, problems) => {
    if (typeof value !== 'number') {
      problems.add(path, `must be a number, got ${describeJsonType(value)}`);
      return undefined;
    }
    if (value < min || value > max) {
      problems.add(path, `must be between ${min} and ${max}, got ${value}`);
      return undefined;
    }
    return value;
  };
}

/**
 * An object with only the given fields. Unknown fields are reported at their own path (a typo must
 * not be dropped silently); the object is still returned so its known fields get checked too.
 */
// Each shape's fields as a set: an object may have a hundred thousand keys to look up.
const fieldSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function fieldSetOf(fields: readonly string[]): ReadonlySet<string> {
  let set = fieldSets.get(fields);
  if (set === undefined) {
    set = new Set(fields);
    fieldSets.set(fields, set);
  }
  return set;
}

export function knownFieldsObject(
  value: unknown,
  path: string,
  problems: ProblemList,
  shape: { fields: readonly string[]; describedAs: string },
): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) {
    problems.add(path, `must be ${shape.describedAs}, got ${describeJsonType(value)}`);
    return undefined;
  }
  const known = fieldSetOf(shape.fields);
  for (const key of Object.keys(value)) {
    if (known.has(key)) continue;
    if (problems.full) {
      // Only counted: a suggestion costs an edit distance per known field.
      problems.count();
      continue;
    }
    const suggestion = closestField(key, shape.fields);
    const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
    problems.add(fieldPath(path, key), `is not a field of ${shape.describedAs}${hint}`);
  }
  return value;
}

/** Reads the fields of one object that knownFieldsObject accepted. */
export class FieldReader {
  readonly #object: Record<string, unknown>;
  readonly #path: string;
  readonly #problems: ProblemList;

  constructor(object: Record<string, unknown>, path: string, problems: ProblemList) {
    this.#object = object;
    this.#path = path;
    this.#problems = problems;
  }

  pathOf(key: string): string {
    return fieldPath(this.#path, key);
  }

  required<T>(key: string, check: Check<T>): T | undefined {
    if (!Object.hasOwn(this.#object, key)) {
      this.#problems.add(this.pathOf(key), 'is required');
      return undefined;
    }
    return check(this.#object[key], this.pathOf(key), this.#problems);
  }

  /** Absent and null both mean "not sent"; either gives null (as does an invalid value, reported). */
  optional<T>(key: string, check: Check<T>): T | null {
    const value = Object.hasOwn(this.#object, key) ? this.#object[key] : null;
    if (value === null || value === undefined) return null;
    return check(value, this.pathOf(key), this.#problems) ?? null;
  }

  /** Whether the field was sent with a value (not absent, not null). */
  has(key: string): boolean {
    return Object.hasOwn(this.#object, key) && this.#object[key] !== null;
  }
}
