// Failures to read a JSON request body, answered in the API's own error shapes instead of the raw
// messages of the body parser or zlib. Mounted after the routes of every JSON API.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/**
 * The body of a JSON API call: 415 unless Content-Type is JSON, then parsed with the size limit
 * applied to the inflated body (gzip bombs stop there). Errors go to jsonBodyErrors.
 */
export function jsonBody(bodyLimitBytes: number): RequestHandler[] {
  return [jsonMediaType, express.json({ limit: bodyLimitBytes, strict: false, type: () => true })];
}

function jsonMediaType(request: Request, response: Response, next: NextFunction): void {
  if (!request.is('application/json')) {
    response
      .status(415)
      .json({ error: 'unsupported_media_type', message: 'send Content-Type: application/json' });
    return;
  }
  next();
}

/**
 * The same checks as jsonBody, but the body is left as bytes (Buffer, empty when there is none)
 * for the route to parse where it likes (off the event loop, say). JSON is UTF-8 (RFC 8259): a
 * declared charset other than UTF-8 is 415.
 */
export function jsonBytesBody(bodyLimitBytes: number): RequestHandler[] {
  return [
    jsonMediaType,
    (request: Request, response: Response, next: NextFunction) => {
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.get('content-type') ?? '')?.[1];
      if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
        response.status(415).json({
          error: 'unsupported_charset',
          message: `send UTF-8 JSON: unsupported charset "${charset.toUpperCase()}"`,
        });
        return;
      }
      next();
    },
    express.raw({ limit: bodyLimitBytes, type: () => true }),
    (request: Request, _response: Response, next: NextFunction) => {
      if (!Buffer.isBuffer(request.body)) request.body = Buffer.alloc(0);
      next();
    },
  ];
}

export function jsonBodyErrors(bodyLimitBytes: number) {
  return (error: unknown, _request: Request, response: Response, next: NextFunction): void => {
    const { type, status } = error as { type?: string; status?: number };
    const message = (error as Error).message;
    if (type === 'entity.parse.failed') {
      response.status(400).json({
        error: 'malformed_json',
        details: [{ path: '', message: `the body is not valid JSON: ${message}` }],
      });
    } else if (type === 'entity.too.large') {
      response
        .status(413)
        .json({ error: 'payload_too_large', message: `the body is over ${bodyLimitBytes} bytes` });
    } else if (type === 'encoding.unsupported') {
      response.status(415).json({
        error: 'unsupported_encoding',
        message: 'Content-Encoding must be one of gzip, deflate, br, zstd or identity',
      });
    } else if (type === 'charset.unsupported') {
      response.status(415).json({ error: 'unsupported_charset', message: `send UTF-8 JSON: ${message}` });
    } else if (type === 'request.aborted' || type === 'request.size.invalid') {
      response.status(400).json({ error: 'bad_request', message });
    } else if (status === 400) {
      // A compressed body that does not inflate (truncated gzip, not gzip at all).
      response
        .status(400)
        .json({ error: 'undecodable_body', message: `the body could not be decoded: ${message}` });
    } else {
      next(error);
    }
  };
}
