// OTLP/HTTP receiver (OTLP specification, "OTLP/HTTP"): POST /v1/traces, /v1/metrics, /v1/logs in
// binary protobuf or JSON, optionally gzip/deflate compressed. Each request is split into one
// record per span, data point or log record and published; the answer comes only after Kafka
// acknowledged (200, with partialSuccess when some records were refused), 503 + Retry-After when
// it did not, 400 for a body that cannot be decoded (nothing published). Error bodies are
// google.rpc.Status messages in the request's encoding.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type protobuf from 'protobufjs';
import { requireScope } from '../api-keys.ts';
import { KafkaUnavailableError } from '../publisher.ts';
import { RecordRejection } from './common-mapping.ts';
import { decodeRequest, encodingOf, OtlpDecodeError, type OtlpEncoding } from './decode.ts';
import { logRecordsFromRequest } from './log-mapping.ts';
import { metricPointsFromRequest } from './metric-mapping.ts';
import type { TopicPublisher } from './otel-publisher.ts';
import type { OtelLogRecord, OtelMetricPointRecord, OtelSpanRecord } from './otel-records.ts';
import type { PlainMessage } from './plain-message.ts';
import { otlpTypes } from './protobuf-types.ts';
import { type Mapped, spansFromRequest } from './trace-mapping.ts';

export interface OtelPublishers {
  spans: TopicPublisher<OtelSpanRecord>;
  metrics: TopicPublisher<OtelMetricPointRecord>;
  logs: TopicPublisher<OtelLogRecord>;
}

export interface OtlpApiOptions {
  keys: Parameters<typeof requireScope>[0];
  publishers: OtelPublishers;
  /** Limit of the (inflated) request body; larger requests are answered 413. */
  bodyLimitBytes: number;
  logger: Logger;
  metrics: Registry;
  /** Seconds an exporter should wait before retrying when Kafka is away. */
  retryAfterSeconds: number;
}

/** google.rpc.Code values used in Status bodies. */
const rpcCode = { invalidArgument: 3, resourceExhausted: 8, unavailable: 14 } as const;

interface Signal<R> {
  name: 'traces' | 'metrics' | 'logs';
  requestType: protobuf.Type;
  responseType: protobuf.Type;
  /** The partialSuccess field that counts refused records. */
  rejectedField: 'rejectedSpans' | 'rejectedDataPoints' | 'rejectedLogRecords';
  map(request: PlainMessage, receivedAt: Date): Mapped<R>;
  publisher: TopicPublisher<R>;
}

function sendStatus(
  response: Response,
  encoding: OtlpEncoding,
  httpStatus: number,
  code: number,
  message: string,
): void {
  response.status(httpStatus);
  if (encoding === 'json') {
    response.json({ code, message });
    return;
  }
  const body = otlpTypes.status.encode(otlpTypes.status.fromObject({ code, message })).finish();
  response.type('application/x-protobuf').send(Buffer.from(body));
}

function sendExportResponse(
  response: Response,
  encoding: OtlpEncoding,
  signal: Signal<unknown>,
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
  const { logger } = options;
  const outcomes = new Counter({
    name: 'primoart_gateway_otlp_records_total',
    help: 'OpenTelemetry spans, data points and log records received, by signal and outcome',
    labelNames: ['signal', 'outcome'],
    registers: [options.metrics],
  });
  const router = express.Router();

  const signals: Array<Signal<never>> = [
    {
      name: 'traces',
      requestType: otlpTypes.traceRequest,
      responseType: otlpTypes.traceResponse,
      rejectedField: 'rejectedSpans',
      map: spansFromRequest,
      publisher: options.publishers.spans,
    },
    {
      name: 'metrics',
      requestType: otlpTypes.metricsRequest,
      responseType: otlpTypes.metricsResponse,
      rejectedField: 'rejectedDataPoints',
      map: metricPointsFromRequest,
      publisher: options.publishers.metrics,
    },
    {
      name: 'logs',
      requestType: otlpTypes.logsRequest,
      responseType: otlpTypes.logsResponse,
      rejectedField: 'rejectedLogRecords',
      map: logRecordsFromRequest,
      publisher: options.publishers.logs,
    },
  ] as Array<Signal<never>>;

  const requireOtlpMediaType = (request: Request, response: Response, next: NextFunction) => {
    const encoding = encodingOf(request.get('content-type'));
    if (encoding === undefined) {
      sendStatus(
        response,
        'json',
        415,
        rpcCode.invalidArgument,
        'send Content-Type: application/x-protobuf or application/json',
      );
      return;
    }
    response.locals.otlpEncoding = encoding;
    next();
  };
  // gzip and deflate bodies are inflated; the limit applies to the inflated size (zip bombs stop there).
  const rawBody = express.raw({ limit: options.bodyLimitBytes, type: () => true });

  for (const signal of signals) {
    router.post(
      `/v1/${signal.name}`,
      requireScope(options.keys, 'otlp:write'),
      requireOtlpMediaType,
      rawBody,
      async (request: Request, response: Response) => {
        const encoding = response.locals.otlpEncoding as OtlpEncoding;
        const receivedAt = new Date();
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        let decoded: PlainMessage;
        try {
          decoded = decodeRequest(signal.requestType, body, encoding);
        } catch (error) {
          if (!(error instanceof OtlpDecodeError)) throw error;
          outcomes.inc({ signal: signal.name, outcome: 'undecodable_request' });
          sendStatus(response, encoding, 400, rpcCode.invalidArgument, error.message);
          return;
        }
        const { records, rejections } = signal.map(decoded, receivedAt);
        let outcome: Awaited<ReturnType<TopicPublisher<unknown>['publish']>>;
        try {
          outcome = await signal.publisher.publish(records);
        } catch (error) {
          if (!(error instanceof KafkaUnavailableError)) throw error;
          logger.warn(
            { err: error.message, signal: signal.name },
            'kafka did not acknowledge; answering 503',
          );
          outcomes.inc({ signal: signal.name, outcome: 'unavailable' }, records.length);
          response.set('Retry-After', String(options.retryAfterSeconds));
          sendStatus(
            response,
            encoding,
            503,
            rpcCode.unavailable,
            'the message bus did not acknowledge; nothing was accepted, retry later',
          );
          return;
        }
        for (const refused of outcome.refused) {
          rejections.add(`record ${refused.index}`, new RecordRejection(refused.message));
        }
        outcomes.inc({ signal: signal.name, outcome: 'accepted' }, outcome.published);
        outcomes.inc({ signal: signal.name, outcome: 'rejected' }, rejections.count);
        sendExportResponse(response, encoding, signal, rejections.count, rejections.summary());
      },
    );
  }

  // Body-parser failures, answered as Status messages in the request's encoding.
  router.use((error: unknown, request: Request, response: Response, next: NextFunction) => {
    if (!request.path.startsWith('/v1/')) {
      next(error);
      return;
    }
    const encoding = (response.locals.otlpEncoding as OtlpEncoding | undefined) ?? 'json';
    const { type, status } = error as { type?: string; status?: number };
    if (type === 'entity.too.large') {
      sendStatus(
        response,
        encoding,
        413,
        rpcCode.resourceExhausted,
        `the body is over ${options.bodyLimitBytes} bytes`,
      );
    } else if (type === 'encoding.unsupported') {
      sendStatus(
        response,
        encoding,
        415,
        rpcCode.invalidArgument,
        'Content-Encoding must be gzip, deflate or identity',
      );
    } else if (status !== undefined && status >= 400 && status < 500) {
      sendStatus(response, encoding, 400, rpcCode.invalidArgument, (error as Error).message);
    } else {
      next(error);
    }
  });
  return router;
}
