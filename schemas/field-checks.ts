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

/** A string of at least `minChars` and at most `maxChars` characters (Unicode code points). */
export function text(limits: { minChars?: number; maxChars?: number } = {}): Check<string> {
  const { minChars = 0, maxChars = Number.POSITIVE_INFINITY } = limits;
  return (value, path, problems) => {
    const string = readString(value, path, problems);
    if (string === undefined) return undefined;
    const count = characterCount(string);
    if (count < minChars) {
      problems.add(path, minChars === 1 ? 'must not be empty' : `must be at least ${minChars} characters`);
      return undefined;
    }
    if (count > maxChars) {
      problems.add(path, `must be at most ${maxChars} characters, got ${count}`);
      return undefined;
    }
    return string;
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
    return string;
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

/** An RFC 3339 date-time with an offset, as epoch milliseconds. */
export const time: Check<number> = (value, path, problems) => {
  const string = readString(value, path, problems);
  if (string === undefined) return undefined;
  const parsed = parseRfc3339(string);
  if (!parsed.ok) {
    problems.add(path, `must be an RFC 3339 time with an offset: ${quote(string)} ${parsed.reason}`);
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
  for (const key of Object.keys(value)) {
    if (shape.fields.includes(key)) continue;
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
