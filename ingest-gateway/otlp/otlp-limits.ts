// What one OTLP request may hold, checked while the body is decoded — before the work it would
// cause is done — so that no request can make the gateway decode, map or publish without bound.
// Both encodings apply the same limits (README "OpenTelemetry", CONTRACT.md "OpenTelemetry").
import type protobuf from 'protobufjs';

/**
 * How deep attribute values may nest: an AnyValue inside an ArrayValue or KeyValueList counts one
 * level. Real instrumentation stays far below; the limit stops stack-exhausting bodies early.
 */
export const maxValueDepth = 32;

export interface OtlpLimits {
  /** Spans, data points or log records one request may carry; more is answered 413. */
  maxRecordsPerRequest: number;
  /**
   * Messages (protobuf) or objects (JSON) one request may hold in all — attributes, values, events,
   * links, records —; more is answered 413. Decoded, each costs a few hundred bytes however small
   * it was on the wire: this bounds the decoder's memory where the body limit cannot.
   */
  maxValuesPerRequest: number;
  /** The bytes all records of one request may total once encoded; more is answered 413. */
  maxRequestRecordBytes: number;
}

/** A request over one of the limits above: refused as a whole (413), nothing published. */
export class OtlpLimitError extends Error {
  override readonly name = 'OtlpLimitError';
}

/** The repeated fields whose entries become one record each (spans, data points, log records). */
const recordFields: ReadonlyMap<string, string> = new Map([
  ['ScopeSpans', 'spans'],
  ['ScopeLogs', 'logRecords'],
  ['Gauge', 'dataPoints'],
  ['Sum', 'dataPoints'],
  ['Histogram', 'dataPoints'],
  ['ExponentialHistogram', 'dataPoints'],
  ['Summary', 'dataPoints'],
]);

export function isRecordField(parent: protobuf.Type, field: protobuf.Field): boolean {
  return recordFields.get(parent.name) === field.name;
}

/** The message type whose nesting counts towards maxValueDepth. */
export const valueTypeName = 'AnyValue';

/** Counts the records and values of one request and refuses the one past a limit. */
export class RequestCounter {
  records = 0;
  values = 0;
  private readonly limits: Pick<OtlpLimits, 'maxRecordsPerRequest' | 'maxValuesPerRequest'>;

  constructor(limits: Pick<OtlpLimits, 'maxRecordsPerRequest' | 'maxValuesPerRequest'>) {
    this.limits = limits;
  }

  addRecords(records: number): void {
    this.records += records;
    if (this.records > this.limits.maxRecordsPerRequest) {
      throw new OtlpLimitError(
        `the request carries more than ${this.limits.maxRecordsPerRequest} spans, data points or log ` +
          'records (gateway.otlp.max_records_per_request); send smaller batches',
      );
    }
  }

  addValue(): void {
    if (++this.values > this.limits.maxValuesPerRequest) {
      throw new OtlpLimitError(
        `the request holds more than ${this.limits.maxValuesPerRequest} messages (attributes, values, ` +
          'events, links, records; gateway.otlp.max_values_per_request); send smaller batches',
      );
    }
  }
}

export type RequestLimits = Pick<OtlpLimits, 'maxRecordsPerRequest' | 'maxValuesPerRequest'>;

export function valueDepthError(): string {
  return `attribute values nest deeper than ${maxValueDepth} levels (the maximum depth)`;
}
