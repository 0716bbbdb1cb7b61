// Request bodies of both OTLP/HTTP encodings → the plain message shape. A body that cannot be
// decoded at all is refused as a whole (400), one over the request limits too (413);
// record-level problems are left to the mappers.
import type protobuf from 'protobufjs';
import { decodeOtlpJson, OtlpDecodeError } from './otlp-json.ts';
import { OtlpLimitError, type RequestLimits } from './otlp-limits.ts';
import { type PlainMessage, toObjectOptions } from './plain-message.ts';
import { scanProtobuf } from './wire-scan.ts';

export type OtlpEncoding = 'protobuf' | 'json';

/** The encoding a Content-Type names, or undefined for any other media type (415). */
export function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return undefined;
}

export function decodeRequest(
  type: protobuf.Type,
  body: Uint8Array,
  encoding: OtlpEncoding,
  limits: RequestLimits,
): PlainMessage {
  if (encoding === 'json')
    return decodeOtlpJson(type, Buffer.from(body.buffer, body.byteOffset, body.length), limits);
  // Wire types, lengths, nesting and the record count are checked before protobufjs allocates anything.
  scanProtobuf(type, body, limits);
  try {
    return type.toObject(type.decode(body), toObjectOptions) as PlainMessage;
  } catch (error) {
    throw new OtlpDecodeError(`the body is not a valid ${type.name} protobuf: ${(error as Error).message}`);
  }
}

export { OtlpDecodeError, OtlpLimitError };
