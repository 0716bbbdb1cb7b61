// OTLP/HTTP receiver (OTLP specification, "OTLP/HTTP"): POST /v1/traces, /v1/metrics, /v1/logs in
// binary protobuf or JSON, compressed or not (otlp-body.ts). Each request is decoded, split into
// one record per span, data point or log record and encoded off the event loop (decode-pool.ts),
// then published; the answer comes only after Kafka acknowledged (200, with partialSuccess when
// some records were refused), 503 + Retry-After when it did not, 400 for a body that cannot be
// decoded and 413 for one over the request limits (nothing published). Every error answer —
// authentication and rate limits included — is a google.rpc.Status in the request's encoding.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type protobuf from 'protobufjs';
import { type AuthErrorWriter, chargeRecords, requireScope } from '../api-keys.ts';
import { provenanceOf } from '../provenance.ts';
import { KafkaUnavailableError, RecordTooLargeError } from '../publisher.ts';
import { encodingOf, type OtlpEncoding } from './decode.ts';
import { DecoderBusyError, type OtlpDecoder } from './decode-pool.ts';
import type { TopicPublisher } from './otel-publisher.ts';
import { otlpBody } from './otlp-body.ts';
import { otlpTypes } from './protobuf-types.ts';
import type { ProcessResult, SignalName } from './request-processing.ts';

export type OtelPublishers = Record<SignalName, TopicPublisher>;

export interface OtlpApiOptions {
  keys: Parameters<typeof requireScope>[0];
  publishers: OtelPublishers;
  decoder: OtlpDecoder;
  /** Limit of the (decoded) request body; larger requests are answered 413. */
  bodyLimitBytes: number;
  logger: Logger;
  metrics: Registry;
  /** Seconds an exporter should wait before retrying when Kafka is away or the decoders are busy. */
  retryAfterSeconds: number;
}

/** google.rpc.Code values used in Status bodies. */
const rpcCode = {
  invalidArgument: 3,
  permissionDenied: 7,
  resourceExhausted: 8,
  internal: 13,
  unavailable: 14,
  unauthenticated: 16,
} as const;

const codeOfHttpStatus = (status: number): number =>
  status === 401
    ? rpcCode.unauthenticated
    : status === 403
      ? rpcCode.permissionDenied
      : status === 429 || status === 413
        ? rpcCode.resourceExhausted
        : status === 503
          ? rpcCode.unavailable
          : status >= 500
            ? rpcCode.internal
            : rpcCode.invalidArgument;

interface Signal {
  name: SignalName;
  responseType: protobuf.Type;
  /** The partialSuccess field that counts refused records. */
  rejectedField: 'rejectedSpans' | 'rejectedDataPoints' | 'rejectedLogRecords';
}

const signals: Signal[] = [
  { name: 'traces', responseType: otlpTypes.traceResponse, rejectedField: 'rejectedSpans' },
  { name: 'metrics', responseType: otlpTypes.metricsResponse, rejectedField: 'rejectedDataPoints' },
  { name: 'logs', responseType: otlpTypes.logsResponse, rejectedField: 'rejectedLogRecords' },
];

/** The encoding of a request's answers: its Content-Type's, JSON when it names neither. */
function answerEncoding(request: Request): OtlpEncoding {
  return encodingOf(request.get('content-type')) ?? 'json';
}

/** A google.rpc.Status answer in `encoding` (OTLP specification, "Failures"). */
export function sendStatus(
  response: Response,
  encoding: OtlpEncoding,
  httpStatus: number,
  message: string,
): void {
  const code = codeOfHttpStatus(httpStatus);
  response.status(httpStatus);
  if (encoding === 'json') {
    response.json({ code, message });
    return;
  }
  const body = otlpTypes.status.encode(otlpTypes.status.fromObject({ code, message })).finish();
  response.type('application/x-protobuf').send(Buffer.from(body));
}

/** 401, 403 and 429 from the auth middleware as Status messages (headers are already set). */
const otlpAuthErrors: AuthErrorWriter = (response, answer) => {
  sendStatus(response, answerEncoding(response.req), answer.status, answer.message);
};

function sendExportResponse(
  response: Response,
  encoding: OtlpEncoding,
  signal: Signal,
  rejected: number,
  errorMessage: string,
): void {
  // Full success is an empty response; partialSuccess only when something was refused.
  const partialSuccess =
    rejected > 0 ? { partialSuccess: { [signal.rejectedField]: String(rejected), errorMessage } } : {};
  response.status(200);
  if (encoding === 'json') {
    response.json(partialSuccess);
    return;
  }
  const { responseType } = signal;
  const body = responseType.encode(responseType.fromObject(partialSuccess)).finish();
  response.type('application/x-protobuf').send(Buffer.from(body));
}

export function otlpApi(options: OtlpApiOptions): Router {
  const { logger, decoder } = options;
  const outcomes = new Counter({
    name: 'primoart_gateway_otlp_records_total',
    help: 'OpenTelemetry spans, data points and log records received, by signal and outcome',
    labelNames: ['signal', 'outcome'],
    registers: [options.metrics],
  });
  const refusedRequests = new Counter({
    name: 'primoart_gateway_otlp_requests_refused_total',
    help: 'OTLP requests refused as a whole before publishing, by signal and reason',
    labelNames: ['signal', 'reason'],
    registers: [options.metrics],
  });
  const router = express.Router();

  const requireOtlpMediaType = (request: Request, response: Response, next: NextFunction) => {
    if (encodingOf(request.get('content-type')) === undefined) {
      sendStatus(response, 'json', 415, 'send Content-Type: application/x-protobuf or application/json');
      return;
    }
    next();
  };
  const readBody = otlpBody(options.bodyLimitBytes);

  const retryLater = (response: Response, encoding: OtlpEncoding, message: string) => {
    response.set('Retry-After', String(options.retryAfterSeconds));
    sendStatus(response, encoding, 503, message);
  };

  for (const signal of signals) {
    router.post(
      `/v1/${signal.name}`,
      requireScope(options.keys, 'otlp:write', { writeError: otlpAuthErrors }),
      requireOtlpMediaType,
      readBody,
      async (request: Request, response: Response) => {
        const encoding = answerEncoding(request);
        const body: Buffer = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        let result: ProcessResult;
        try {
          result = await decoder.process({
            signal: signal.name,
            encoding,
            body,
            receivedAt: Date.now(),
          });
        } catch (error) {
          if (!(error instanceof DecoderBusyError)) throw error;
          refusedRequests.inc({ signal: signal.name, reason: 'decoders_busy' });
          retryLater(response, encoding, `${error.message}; nothing was accepted, retry later`);
          return;
        }
        if (result.kind === 'undecodable') {
          refusedRequests.inc({ signal: signal.name, reason: 'undecodable' });
          sendStatus(response, encoding, 400, result.message);
          return;
        }
        if (result.kind === 'over-limit') {
          refusedRequests.inc({ signal: signal.name, reason: 'over_limit' });
          sendStatus(response, encoding, 413, result.message);
          return;
        }
        if (!chargeRecords(request, response, result.count + result.rejected)) {
          refusedRequests.inc({ signal: signal.name, reason: 'rate_limited' });
          return;
        }
        try {
          await options.publishers[signal.name].publish(result.packed, provenanceOf(request));
        } catch (error) {
          if (error instanceof RecordTooLargeError) {
            // The size checks before publishing should make this impossible; if Kafka still
            // refuses, a 503 would make the exporter retry the same request forever.
            logger.error({ err: error.message, signal: signal.name }, 'kafka refused a record as too large');
            refusedRequests.inc({ signal: signal.name, reason: 'too_large' });
            sendStatus(
              response,
              encoding,
              413,
              `the message bus refused a record as too large: ${error.message}`,
            );
            return;
          }
          if (!(error instanceof KafkaUnavailableError)) throw error;
          logger.warn(
            { err: error.message, signal: signal.name },
            'kafka did not acknowledge; answering 503',
          );
          outcomes.inc({ signal: signal.name, outcome: 'unavailable' }, result.count);
          retryLater(response, encoding, 'the message bus did not acknowledge; retry later');
          return;
        }
        outcomes.inc({ signal: signal.name, outcome: 'accepted' }, result.count);
        outcomes.inc({ signal: signal.name, outcome: 'rejected' }, result.rejected);
        sendExportResponse(response, encoding, signal, result.rejected, result.errorMessage);
      },
    );
  }

  // Body-reading failures and anything unexpected, answered as Status messages in the
  // request's encoding (never the HTML of express' default handler).
  router.use((error: unknown, request: Request, response: Response, next: NextFunction) => {
    if (!signals.some((signal) => request.path === `/v1/${signal.name}`) || response.headersSent) {
      next(error);
      return;
    }
    const encoding = answerEncoding(request);
    const { type, status } = error as { type?: string; status?: number };
    // The rest of the body may still be on its way: the connection cannot carry another request.
    if (!request.complete) response.set('Connection', 'close');
    if (type === 'entity.too.large') {
      sendStatus(response, encoding, 413, `the body is over ${options.bodyLimitBytes} bytes`);
    } else if (type === 'encoding.unsupported') {
      const message = (error as Error).message;
      sendStatus(
        response,
        encoding,
        415,
        message.startsWith('unsupported content encoding')
          ? 'Content-Encoding must be gzip, deflate, br, zstd, snappy or identity'
          : message,
      );
    } else if (status !== undefined && status >= 400 && status < 500) {
      sendStatus(response, encoding, 400, `the body could not be read: ${(error as Error).message}`);
    } else {
      logger.error({ err: error, path: request.path }, 'OTLP request failed');
      sendStatus(response, encoding, 500, 'the gateway failed to handle this request');
    }
  });
  return router;
}
