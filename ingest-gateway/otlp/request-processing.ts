// One OTLP request, from body bytes to Kafka-ready records: decode (with the request limits),
// map to one record per span, data point or log record, and encode each in the Confluent wire
// format. Everything here is CPU work proportional to the request, so the gateway runs it in a
// worker thread (otlp-worker.ts) and its event loop only sends the packed result to Kafka.
import avro from 'avsc';
import { RecordRejection, type Rejections } from './common-mapping.ts';
import { decodeRequest, OtlpDecodeError, type OtlpEncoding, OtlpLimitError } from './decode.ts';
import { logRecordsFromRequest } from './log-mapping.ts';
import { metricPointsFromRequest } from './metric-mapping.ts';
import type { OtlpLimits } from './otlp-limits.ts';
import type { PlainMessage } from './plain-message.ts';
import { otlpTypes } from './protobuf-types.ts';
import { type Mapped, spansFromRequest } from './trace-mapping.ts';

export type SignalName = 'traces' | 'metrics' | 'logs';

const signals = {
  traces: { requestType: otlpTypes.traceRequest, map: spansFromRequest },
  metrics: { requestType: otlpTypes.metricsRequest, map: metricPointsFromRequest },
  logs: { requestType: otlpTypes.logsRequest, map: logRecordsFromRequest },
} satisfies Record<SignalName, unknown>;

export interface ProcessJob {
  signal: SignalName;
  encoding: OtlpEncoding;
  body: Uint8Array;
  /** Epoch milliseconds, stamped on every record. */
  receivedAt: number;
}

export type ProcessResult =
  /** Not a valid request: 400, nothing published. */
  | { kind: 'undecodable'; message: string }
  /** Over a request limit: 413, nothing published. */
  | { kind: 'over-limit'; message: string }
  | {
      kind: 'records';
      /** Records accepted, packed (see packRecords). */
      count: number;
      packed: Uint8Array;
      /** Records refused (partial success), with the summary for errorMessage. */
      rejected: number;
      errorMessage: string;
    };

/** How one signal's records become Kafka values: the Avro type of its topic and the schema id. */
export interface SignalEncoding {
  schema: unknown;
  schemaId: number;
  /** The largest value a record may be (the topic's message size less framing); larger are refused. */
  maxValueBytes: number;
}

export type RecordEncoder = (record: unknown) => Buffer;

/** Confluent wire format: magic byte 0, the schema id (4 bytes, big-endian), the Avro body. */
export function confluentEncoder(schema: unknown, schemaId: number): RecordEncoder {
  const type = avro.Type.forSchema(schema as avro.Schema);
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return (record) => Buffer.concat([header, type.toBuffer(record)]);
}

/**
 * Records as one buffer, so a worker hands them over without copying: per record the key's
 * length (u32 BE) and UTF-8 bytes, then the value's length and bytes.
 */
export function packRecords(records: Array<{ key: Buffer; value: Buffer }>): Uint8Array {
  let total = 0;
  for (const { key, value } of records) total += 8 + key.length + value.length;
  // Not from the shared allocation pool: the buffer is transferred to another thread.
  const packed = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (const { key, value } of records) {
    at = packed.writeUInt32BE(key.length, at);
    at += key.copy(packed, at);
    at = packed.writeUInt32BE(value.length, at);
    at += value.copy(packed, at);
  }
  return packed;
}

/** The records of packRecords again, as views into `packed` (nothing is copied). */
export function* unpackRecords(packed: Uint8Array): Generator<{ key: Buffer; value: Buffer }> {
  const buffer = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  let at = 0;
  while (at < buffer.length) {
    const keyLength = buffer.readUInt32BE(at);
    const key = buffer.subarray(at + 4, at + 4 + keyLength);
    at += 4 + keyLength;
    const valueLength = buffer.readUInt32BE(at);
    const value = buffer.subarray(at + 4, at + 4 + valueLength);
    at += 4 + valueLength;
    yield { key, value };
  }
}

export interface Processor {
  process(job: ProcessJob): ProcessResult;
}

export function createProcessor(options: {
  limits: OtlpLimits;
  encodings: Record<SignalName, SignalEncoding>;
}): Processor {
  const { limits } = options;
  const encoders = Object.fromEntries(
    Object.entries(options.encodings).map(([signal, encoding]) => [
      signal,
      { encode: confluentEncoder(encoding.schema, encoding.schemaId), maxValueBytes: encoding.maxValueBytes },
    ]),
  ) as Record<SignalName, { encode: RecordEncoder; maxValueBytes: number }>;

  return {
    process(job) {
      const signal = signals[job.signal];
      let decoded: PlainMessage;
      try {
        decoded = decodeRequest(signal.requestType, job.body, job.encoding, limits);
      } catch (error) {
        if (error instanceof OtlpLimitError) return { kind: 'over-limit', message: error.message };
        if (error instanceof OtlpDecodeError) return { kind: 'undecodable', message: error.message };
        throw error;
      }
      const { records, rejections } = (signal.map as (r: PlainMessage, at: Date) => Mapped<unknown>)(
        decoded,
        new Date(job.receivedAt),
      );
      const { encode, maxValueBytes } = encoders[job.signal];
      const encoded: Array<{ key: Buffer; value: Buffer }> = [];
      let totalBytes = 0;
      for (const [index, { key, record }] of records.entries()) {
        // The key travels in the same Kafka message (and is client data, e.g. service.name).
        const keyBytes = Buffer.from(key, 'utf8');
        const value = encodeOne(encode, record, index, keyBytes.length, maxValueBytes, rejections);
        if (value === undefined) continue;
        totalBytes += value.length;
        if (totalBytes > limits.maxRequestRecordBytes) {
          return {
            kind: 'over-limit',
            message:
              `the request's records total more than ${limits.maxRequestRecordBytes} bytes encoded ` +
              '(gateway.otlp.max_request_record_bytes); send smaller batches',
          };
        }
        encoded.push({ key: keyBytes, value });
      }
      return {
        kind: 'records',
        count: encoded.length,
        packed: packRecords(encoded),
        rejected: rejections.count,
        errorMessage: rejections.summary(),
      };
    },
  };
}

/** One record's value, or undefined when it is refused (counted in `rejections`). */
function encodeOne(
  encode: RecordEncoder,
  record: unknown,
  index: number,
  keyBytes: number,
  maxValueBytes: number,
  rejections: Rejections,
): Buffer | undefined {
  let value: Buffer;
  try {
    value = encode(record);
  } catch (error) {
    const reason = `cannot be encoded: ${(error as Error).message.slice(0, 200)}`;
    rejections.add(`record ${index}`, new RecordRejection(reason));
    return undefined;
  }
  if (keyBytes + value.length > maxValueBytes) {
    // A record that can never fit a Kafka message: refused for good, never a 503 to retry.
    const reason = `is ${keyBytes + value.length} bytes encoded, over the ${maxValueBytes} a record may be (key included)`;
    rejections.add(`record ${index}`, new RecordRejection(reason));
    return undefined;
  }
  return value;
}
