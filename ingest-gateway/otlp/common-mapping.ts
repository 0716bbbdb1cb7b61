// Mapping the parts every signal shares: attributes and values, resource, scope, ids and times.

import type {
  AnyValueRecord,
  KeyValueRecord,
  ResourceRecord,
  ScopeRecord,
} from '../../schemas/record-types.ts';
import {
  bigIntField,
  has,
  isInvalidHexId,
  message,
  messages,
  numberField,
  type PlainMessage,
  text,
} from './plain-message.ts';

/** A record the gateway refuses; counted in partialSuccess with this message. */
export class RecordRejection extends Error {
  override readonly name = 'RecordRejection';
}

const maxValueDepth = 32;

const emptyValue = (): AnyValueRecord => ({
  string_value: null,
  bool_value: null,
  int_value: null,
  double_value: null,
  bytes_value: null,
  array_value: null,
  kvlist_value: null,
});

export function anyValue(value: PlainMessage | undefined, depth = 0): AnyValueRecord {
  const result = emptyValue();
  if (value === undefined) return result;
  if (depth > maxValueDepth)
    throw new RecordRejection(`an attribute value nests over ${maxValueDepth} levels`);
  if (has(value, 'stringValue')) result.string_value = text(value, 'stringValue');
  else if (has(value, 'boolValue')) result.bool_value = value.boolValue === true;
  else if (has(value, 'intValue')) {
    const int = bigIntField(value, 'intValue');
    // Avro longs travel as JS numbers here: integers beyond ±(2^53−1) keep their digits as a string.
    if (int >= BigInt(Number.MIN_SAFE_INTEGER) && int <= BigInt(Number.MAX_SAFE_INTEGER)) {
      result.int_value = Number(int);
    } else result.string_value = int.toString();
  } else if (has(value, 'doubleValue')) result.double_value = numberField(value, 'doubleValue');
  else if (has(value, 'bytesValue')) result.bytes_value = Buffer.from(value.bytesValue as Uint8Array);
  else if (has(value, 'arrayValue')) {
    const array = message(value, 'arrayValue') ?? {};
    result.array_value = messages(array, 'values').map((entry) => anyValue(entry, depth + 1));
  } else if (has(value, 'kvlistValue')) {
    result.kvlist_value = keyValues(messages(message(value, 'kvlistValue') ?? {}, 'values'), depth + 1);
  }
  return result;
}

export function keyValues(list: PlainMessage[], depth = 0): KeyValueRecord[] {
  return list.map((entry) => ({ key: text(entry, 'key'), value: anyValue(message(entry, 'value'), depth) }));
}

export function attributesOf(from: PlainMessage, field = 'attributes'): KeyValueRecord[] {
  return keyValues(messages(from, field));
}

export function resourceOf(container: PlainMessage): ResourceRecord {
  const resource = message(container, 'resource') ?? {};
  return {
    attributes: attributesOf(resource),
    dropped_attributes_count: numberField(resource, 'droppedAttributesCount'),
    schema_url: text(container, 'schemaUrl'),
  };
}

export function scopeOf(container: PlainMessage): ScopeRecord {
  const scope = message(container, 'scope') ?? {};
  return {
    name: text(scope, 'name'),
    version: text(scope, 'version'),
    attributes: attributesOf(scope),
    dropped_attributes_count: numberField(scope, 'droppedAttributesCount'),
    schema_url: text(container, 'schemaUrl'),
  };
}

/** The resource's `service.name` when it is a string. */
export function serviceNameOf(resource: ResourceRecord): string | null {
  return (
    resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.string_value ?? null
  );
}

const isAllZero = (bytes: Buffer) => bytes.every((byte) => byte === 0);

/**
 * A trace (16 bytes) or span (8 bytes) id as lowercase hex. Empty gives null when `optional`;
 * wrong lengths, all-zero ids and non-hex OTLP/JSON strings are refused.
 */
export function idHex(from: PlainMessage, field: string, bytes: 8 | 16, optional: boolean): string | null {
  const value = from[field];
  if (isInvalidHexId(value)) {
    throw new RecordRejection(`${field} "${value.invalidHex.slice(0, 40)}" is not hex`);
  }
  const id = value instanceof Uint8Array ? Buffer.from(value) : Buffer.alloc(0);
  if (id.length === 0 && optional) return null;
  if (id.length !== bytes) throw new RecordRejection(`${field} must be ${bytes} bytes, got ${id.length}`);
  if (isAllZero(id)) throw new RecordRejection(`${field} is all zeros`);
  return id.toString('hex');
}

/** A time in nanoseconds since the epoch → microseconds (sub-microsecond digits are cut off). */
export function micros(from: PlainMessage, field: string): number {
  return Number(bigIntField(from, field) / 1000n);
}

/** Same, null when the time is 0 (not set). */
export function optionalMicros(from: PlainMessage, field: string): number | null {
  const value = micros(from, field);
  return value === 0 ? null : value;
}

/** A 64-bit count as a JS number; refuses counts no Avro long in JS can carry exactly. */
export function safeCount(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < 0n) {
    throw new RecordRejection(`${what} ${value} is outside 0…2^53−1`);
  }
  return Number(value);
}

/** Rejections of one request, summarised for partialSuccess.errorMessage. */
export class Rejections {
  count = 0;
  private readonly messages: string[] = [];

  add(path: string, error: unknown, records = 1): void {
    if (!(error instanceof RecordRejection)) throw error;
    this.count += records;
    if (this.messages.length < 5) this.messages.push(`${path}: ${error.message}`);
  }

  summary(): string {
    if (this.count === 0) return '';
    const more = this.count > this.messages.length ? ` (first ${this.messages.length} shown)` : '';
    return `${this.count} rejected${more}: ${this.messages.join('; ')}`;
  }
}
