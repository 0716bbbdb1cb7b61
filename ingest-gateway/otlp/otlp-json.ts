// OTLP/JSON → the plain message shape, walking the proto's own reflection so both encodings
// decode the same fields. The OTLP/JSON rules (OTLP specification, "JSON Protobuf Encoding"):
// keys are lowerCamelCase (the proto field names are accepted too), trace and span ids are hex
// strings rather than base64, enums are integers (names are accepted too), 64-bit integers are
// decimal strings or numbers, unknown fields are ignored.
import protobuf from 'protobufjs';
import {
  isRecordField,
  maxValueDepth,
  RequestCounter,
  type RequestLimits,
  valueDepthError,
  valueTypeName,
} from './otlp-limits.ts';
import type { InvalidHexId, PlainMessage } from './plain-message.ts';

export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

/** Ids that OTLP/JSON writes as hex; every other bytes field is base64. */
const hexIdFields = new Set(['traceId', 'spanId', 'parentSpanId']);
const longTypes = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const int32Types = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);

const snakeNames = new Map<string, string>();
/** The proto field name of a lowerCamelCase one; computed once per field (it runs for every value). */
function snakeCase(name: string): string {
  let snake = snakeNames.get(name);
  if (snake === undefined) {
    snake = name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    snakeNames.set(name, snake);
  }
  return snake;
}

function fail(path: string, expected: string, value: unknown): never {
  const shown = JSON.stringify(value);
  throw new OtlpDecodeError(
    `${path}: expected ${expected}, got ${shown === undefined ? typeof value : shown.slice(0, 60)}`,
  );
}

function scalar(field: protobuf.Field, value: unknown, path: string): unknown {
  const type = field.type;
  if (field.resolvedType instanceof protobuf.Enum) {
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (typeof value === 'string' && field.resolvedType.values[value] !== undefined) {
      return field.resolvedType.values[value];
    }
    return fail(path, `an enum integer of ${field.resolvedType.name}`, value);
  }
  if (type === 'string') return typeof value === 'string' ? value : fail(path, 'a string', value);
  if (type === 'bool') return typeof value === 'boolean' ? value : fail(path, 'true or false', value);
  if (type === 'double' || type === 'float') {
    if (typeof value === 'number') return value;
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    return fail(path, 'a number', value);
  }
  if (longTypes.has(type)) {
    // A number beyond 2^53 already lost digits in JSON.parse; it is taken as it came (times lose < 1 µs).
    if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value).toString();
    if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value).toString();
    return fail(path, 'an integer (number or decimal string)', value);
  }
  if (int32Types.has(type)) {
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
    return fail(path, 'an integer', value);
  }
  if (type === 'bytes') {
    if (typeof value !== 'string') return fail(path, 'a string', value);
    if (hexIdFields.has(field.name)) {
      return /^(?:[0-9a-fA-F]{2})*$/.test(value)
        ? Buffer.from(value, 'hex')
        : ({ invalidHex: value } satisfies InvalidHexId);
    }
    return Buffer.from(value, 'base64');
  }
  return fail(path, `a value of type ${type}`, value);
}

interface Walk {
  counter: RequestCounter;
}

function plainFromJson(
  type: protobuf.Type,
  value: unknown,
  path: string,
  walk: Walk,
  valueDepth = 0,
): PlainMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(path || '(body)', `a JSON object (${type.name})`, value);
  }
  // The only recursion in the OTLP messages is through AnyValue, so this also bounds the stack.
  const depth = type.name === valueTypeName ? valueDepth + 1 : valueDepth;
  if (depth > maxValueDepth) throw new OtlpDecodeError(`${path}: ${valueDepthError()}`);
  walk.counter.addValue();
  const json = value as Record<string, unknown>;
  const plain: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    field.resolve();
    const raw = json[field.name] ?? json[snakeCase(field.name)];
    const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
    if (field.repeated) {
      if (raw === undefined || raw === null) {
        plain[field.name] = [];
        continue;
      }
      if (!Array.isArray(raw)) fail(fieldPath, 'an array', raw);
      // Counted before the entries are walked: an oversized request costs no more than the limit.
      if (isRecordField(type, field)) walk.counter.addRecords(raw.length);
      plain[field.name] = raw.map((entry, index) =>
        field.resolvedType instanceof protobuf.Type
          ? plainFromJson(field.resolvedType, entry, `${fieldPath}[${index}]`, walk, depth)
          : scalar(field, entry, `${fieldPath}[${index}]`),
      );
      continue;
    }
    if (raw === undefined || raw === null) continue;
    plain[field.name] =
      field.resolvedType instanceof protobuf.Type
        ? plainFromJson(field.resolvedType, raw, fieldPath, walk, depth)
        : scalar(field, raw, fieldPath);
  }
  return plain;
}

/**
 * Decode an OTLP/JSON request body of `type`; throws OtlpDecodeError naming the first problem, or
 * OtlpLimitError when it is over one of `limits`.
 */
export function decodeOtlpJson(type: protobuf.Type, body: Buffer, limits: RequestLimits): PlainMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.length === 0 ? '{}' : body.toString('utf8'));
  } catch (error) {
    throw new OtlpDecodeError(`the body is not valid JSON: ${(error as Error).message}`);
  }
  return plainFromJson(type, parsed, '', { counter: new RequestCounter(limits) });
}
