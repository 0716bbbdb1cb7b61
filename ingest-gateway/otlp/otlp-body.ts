// Reading an OTLP request body in any Content-Encoding the OpenTelemetry exporters send:
// identity, gzip, deflate, br and zstd (inflated by the body parser while it counts the bytes,
// so a zip bomb stops at the limit), and snappy in the block format, which the Collector's
// confighttp sends as `snappy` (`x-snappy-framed` is its framed format, not accepted here).
// The limit always applies to the decoded body.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import getRawBody from 'raw-body';
import { uncompress } from 'snappy';

/** Errors shaped like the body parser's, so one error handler answers them all. */
export class BodyError extends Error {
  readonly status: number;
  readonly type: 'entity.too.large' | 'encoding.unsupported' | 'entity.undecodable';

  constructor(message: string, status: number, type: BodyError['type']) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

/** The first 10 bytes of every framed snappy stream (stream identifier chunk, "sNaPpY"). */
const framedSnappyHeader = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);

/** The decoded length a snappy block states up front (a varint), or undefined if malformed. */
export function snappyDecodedLength(block: Buffer): number | undefined {
  let value = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const byte = block[i] as number;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return value;
  }
  return undefined;
}

export async function decodeSnappyBlock(compressed: Buffer, limitBytes: number): Promise<Buffer> {
  if (compressed.subarray(0, framedSnappyHeader.length).equals(framedSnappyHeader)) {
    throw new BodyError(
      'the body is framed snappy; send Content-Encoding: snappy in the block format (the Collector default), zstd or gzip',
      415,
      'encoding.unsupported',
    );
  }
  const decodedLength = snappyDecodedLength(compressed);
  if (decodedLength === undefined) {
    throw new BodyError(
      'the snappy body could not be decoded: no length preamble',
      400,
      'entity.undecodable',
    );
  }
  // Checked before decompressing: the stated length is what the decoder allocates.
  if (decodedLength > limitBytes) {
    throw new BodyError(`the body is over ${limitBytes} bytes`, 413, 'entity.too.large');
  }
  try {
    return (await uncompress(compressed, { asBuffer: true })) as Buffer;
  } catch (error) {
    throw new BodyError(
      `the snappy body could not be decoded: ${(error as Error).message}`,
      400,
      'entity.undecodable',
    );
  }
}

/** The decoded body as a Buffer in `request.body`; failures go to the error handler. */
export function otlpBody(limitBytes: number): RequestHandler {
  const raw = express.raw({ limit: limitBytes, type: () => true });
  return (request: Request, response: Response, next: NextFunction) => {
    const encoding = (request.get('content-encoding') ?? 'identity').trim().toLowerCase();
    if (encoding === 'x-snappy-framed') {
      next(
        new BodyError(
          'Content-Encoding x-snappy-framed is not accepted; send snappy (block format), zstd or gzip',
          415,
          'encoding.unsupported',
        ),
      );
      return;
    }
    if (encoding !== 'snappy') {
      raw(request, response, next);
      return;
    }
    // The compressed body is held whole (snappy blocks are not streamed), so it is read with the
    // limit too: incompressible data grows by a few percent at most in snappy.
    getRawBody(request, { limit: limitBytes })
      .then((compressed) => decodeSnappyBlock(compressed, limitBytes))
      .then((body) => {
        request.body = body;
        next();
      }, next);
  };
}
