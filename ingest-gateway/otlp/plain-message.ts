// The one shape both OTLP encodings are decoded into before mapping: plain objects with the
// lowerCamelCase field names of the proto, 64-bit integers as decimal strings, bytes as Buffers,
// enums as numbers, absent scalars absent and absent repeated fields as empty arrays (what
// protobufjs' toObject gives with these options). Readers below apply the proto3 defaults.

export type PlainMessage = { readonly [field: string]: unknown };

/** An OTLP/JSON trace or span id that is not hex: kept so the record can be rejected by name. */
export interface InvalidHexId {
  invalidHex: string;
}

export const toObjectOptions = { longs: String, enums: Number, defaults: false, arrays: true } as const;

export function isInvalidHexId(value: unknown): value is InvalidHexId {
  return typeof value === 'object' && value !== null && 'invalidHex' in value;
}

export function message(from: PlainMessage, field: string): PlainMessage | undefined {
  const value = from[field];
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value)
    ? (value as PlainMessage)
    : undefined;
}

export function messages(from: PlainMessage, field: string): PlainMessage[] {
  const value = from[field];
  return Array.isArray(value) ? (value as PlainMessage[]) : [];
}

export function text(from: PlainMessage, field: string): string {
  const value = from[field];
  return typeof value === 'string' ? value : '';
}

export function numberField(from: PlainMessage, field: string): number {
  const value = from[field];
  return typeof value === 'number' ? value : 0;
}

export function has(from: PlainMessage, field: string): boolean {
  return from[field] !== undefined && from[field] !== null;
}

/** A 64-bit integer field (decimal string or number), 0 when absent. */
export function bigIntField(from: PlainMessage, field: string): bigint {
  return toBigInt(from[field]);
}

export function toBigInt(value: unknown): bigint {
  if (typeof value === 'string' && value !== '') return BigInt(value);
  if (typeof value === 'number') return BigInt(value);
  return 0n;
}

export function bigIntList(from: PlainMessage, field: string): bigint[] {
  const value = from[field];
  return Array.isArray(value) ? value.map(toBigInt) : [];
}

export function numberList(from: PlainMessage, field: string): number[] {
  const value = from[field];
  return Array.isArray(value) ? value.map((entry) => (typeof entry === 'number' ? entry : 0)) : [];
}
