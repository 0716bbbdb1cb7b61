// The console's HTTP frame: every endpoint is a declaration (`Endpoint`, one per file in
// console/api/), and `endpointRouter` serves a list of them on express the same way:
//
//   key (Authorization: Bearer / X-API-Key) → 401 unknown or revoked, 403 without the scope
//   (`admin` implies `read`) → path parameters, query and body checked by the endpoint's zod
//   schemas → 400 naming every bad or unknown parameter (the first 20) → 503 when a store the
//   endpoint needs is down (the others keep working; console/stores.ts) → handle → JSON (201 for a
//   create, 202 for a change not yet visible; 404 / 409 when the handler says so), or CSV
//   (`Accept: text/csv` or `?format=csv`, RFC 4180 by csv-stringify) for tabular endpoints.
//
// `openApiDocument` builds the OpenAPI 3.1 document (`GET /api/v1/openapi.json`) from the same
// declarations with zod 4's own `z.toJSONSchema` (JSON Schema 2020-12, OpenAPI 3.1's dialect): no
// schema is written twice, so the document cannot drift from what the endpoints check and answer.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { Histogram, type Registry } from 'prom-client';
import { type core, z } from 'zod';
import type { AuthFailureGuard } from '../auth/auth-failures.ts';
import { type AuthenticatedKey, type KeyLookup, presentedKey } from '../auth/key-store.ts';
import { type ApiKeyScope, hasScope } from '../auth/scopes.ts';
import type { Logger } from '../core/logging.ts';
import type { ConsoleStores, StoreHealth, StoreName } from './stores.ts';

/** `read` lets a key see everything; `admin` implies `read` and may also change settings (PUT, POST, DELETE). */
export type EndpointScope = Extract<ApiKeyScope, 'read' | 'admin'>;

export type { AuthenticatedKey };

export interface EndpointInput<Query, Params> {
  query: Query;
  params: Params;
  /** The body as the endpoint's `body` schema parsed it (PUT, POST); undefined without one. */
  body: unknown;
  key: AuthenticatedKey;
}

/** A tabular answer: the CSV header and one row per JSON row, in the same order. */
export interface CsvTable {
  columns: string[];
  rows: Iterable<unknown[]>;
}

/** A CSV answer too large to hold in memory: rows are written as they come (e.g. from a cursor). */
export interface CsvStream {
  columns: string[];
  rows: AsyncIterable<unknown[]>;
}

/** An answer of bytes (a screenshot) instead of JSON. */
export interface BinaryAnswer {
  /** 304: the client's copy (its If-None-Match) is current; no body then. */
  status: 200 | 304;
  /** Content-Type, ETag, Cache-Control, … */
  headers: Record<string, string>;
  body?: Readable;
}

/**
 * Endpoints answering bytes: the media types they may answer and how. The bytes are the answer
 * unless the client asks for JSON (`Accept: application/json` before them, or `?format=json`):
 * then `handle`'s JSON, a description of the bytes.
 */
export interface BinaryHook<Query, Params> {
  mediaTypes: string[];
  send(
    input: EndpointInput<Query, Params>,
    stores: ConsoleStores,
    request: { ifNoneMatch: string | undefined },
  ): Promise<BinaryAnswer>;
}

/** One endpoint of the read API (design: console/api/<name>.ts). */
export interface Endpoint<Query = unknown, Params = unknown, Body = unknown> {
  /** Also the OpenAPI operationId and the `operation` label of the request metrics. */
  operationId: string;
  method: 'get' | 'put' | 'post' | 'delete';
  /** OpenAPI style: `/api/v1/runs/{robot_id}/{result_id}`. */
  path: string;
  summary: string;
  /** Longer text for the OpenAPI document (definitions, units, the method of an estimate). */
  description?: string;
  scope: EndpointScope;
  /** The stores `handle` reads: while one is down this endpoint answers 503 naming it. */
  stores: readonly StoreName[];
  /** Every query parameter (strings in, typed out); an unknown one is a 400. `format` is the frame's. */
  query: z.ZodType<Query>;
  /** The `{name}` parts of `path`. */
  params?: z.ZodType<Params>;
  /** The JSON body of a PUT or POST. */
  body?: z.ZodType;
  /** What the JSON answer is: the OpenAPI document states it and the tests validate against it. */
  response: z.ZodType<Body>;
  /** Tabular endpoints: the same rows as the JSON answer, as CSV. */
  csv?(body: Body): CsvTable;
  /** Tabular endpoints too large to hold in memory: CSV streamed from the stores (instead of `csv`). */
  csvStream?(input: EndpointInput<Query, Params>, stores: ConsoleStores, signal: AbortSignal): CsvStream;
  /**
   * The status of a JSON answer when it is not 200: 202 for a change accepted but not yet visible
   * (a PUT whose record the store has not read back in time), with a `Location` to watch it at.
   * The OpenAPI document then lists 202 with the same body.
   */
  accepted?(body: Body): { location: string } | undefined;
  /**
   * A create (POST): the answer is 201 with a `Location` naming what was created, and the same body;
   * the OpenAPI document lists 201 instead of 200.
   */
  created?(body: Body): { location: string };
  /** When the endpoint answers 409 (its handler throws ConflictError): documented in the OpenAPI document. */
  conflict?: string;
  /** Endpoints answering bytes (a screenshot): see BinaryHook. */
  binary?: BinaryHook<Query, Params>;
  handle(input: EndpointInput<Query, Params>, stores: ConsoleStores): Promise<Body>;
}

/** Any endpoint, for lists of them. */
export type AnyEndpoint = Endpoint<unknown, unknown, unknown>;

/** Declares an endpoint with its types inferred from its schemas. */
export function defineEndpoint<Query, Params, Body>(endpoint: Endpoint<Query, Params, Body>): AnyEndpoint {
  return endpoint as AnyEndpoint;
}

/** One problem with one parameter: `path` is the query or path parameter's name, or `body.<path>`. */
export interface FieldProblem {
  path: string;
  problem: string;
}

/** How many problems a 400 lists at most (the message says how many there were). */
export const maxFieldProblems = 20;

/** Thrown by a handler for a problem its schemas cannot see (e.g. a cursor that names no row): 400. */
export class InvalidParametersError extends Error {
  readonly fields: FieldProblem[];
  constructor(fields: FieldProblem[]) {
    super(fields.map((field) => `${field.path}: ${field.problem}`).join('; '));
    this.name = 'InvalidParametersError';
    this.fields = fields;
  }
}

/** Thrown by a handler when what the path names does not exist: 404. */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Thrown by a handler when a change cannot be made as asked (it clashes with what exists): 409. */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/**
 * Thrown by a handler when something it needs besides the stores is down (Kafka, for a PUT that
 * publishes): 503 naming it, as for a store.
 */
export class DependencyUnavailableError extends Error {
  readonly dependency: string;
  constructor(dependency: string, message: string) {
    super(message);
    this.name = 'DependencyUnavailableError';
    this.dependency = dependency;
  }
}

/** The error body of every refusal (CONTRACT.md "Read API"). */
export const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.enum([
      'invalid_parameters',
      'unauthorized',
      'forbidden',
      'not_found',
      'conflict',
      'not_acceptable',
      'too_many_failed_authentications',
      'store_unavailable',
      'too_many_exports',
      'internal',
    ]),
    message: z.string(),
    /** 400: each bad parameter (the first 20). */
    fields: z.array(z.strictObject({ path: z.string(), problem: z.string() })).optional(),
    /** 503: the store that is down. */
    store: z.string().optional(),
    /** 429: when to try again. */
    retry_after_seconds: z.number().int().optional(),
  }),
});
export type ErrorBody = z.output<typeof errorBodySchema>;

function sendError(
  response: Response,
  status: number,
  error: ErrorBody['error'],
  headers: Record<string, string> = {},
): void {
  response
    .set(headers)
    .status(status)
    .json({ error } satisfies ErrorBody);
}

/** Problems of one zod parse, each named by its parameter; `prefix` is `body.` for a body. */
export function fieldProblems(issues: readonly core.$ZodIssue[], prefix = ''): FieldProblem[] {
  const fields: FieldProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        fields.push({ path: `${prefix}${[...issue.path, key].join('.')}`, problem: 'unknown parameter' });
      continue;
    }
    // A problem of the whole body (e.g. one of two fields needed) is at `body`, not `body.`.
    const path =
      issue.path.length === 0 ? prefix.replace(/\.$/, '') : `${prefix}${issue.path.map(String).join('.')}`;
    fields.push({ path, problem: issue.message });
  }
  return fields;
}

function sendRefusal(response: Response, refusal: Refusal): void {
  sendError(response, refusal.status, refusal.error, refusal.headers);
}

function sendInvalid(response: Response, fields: FieldProblem[]): void {
  sendRefusal(response, invalidParameters(fields));
}

export interface EndpointRouterOptions {
  endpoints: readonly AnyEndpoint[];
  keys: Pick<KeyLookup, 'lookup' | 'explain'>;
  stores: ConsoleStores;
  health: StoreHealth;
  logger: Logger;
  metrics: Registry;
  /** Failed authentications counted, logged and throttled per source address (as the gateway does). */
  failedAuth?: Pick<AuthFailureGuard, 'check' | 'record'>;
  /** The largest JSON body a PUT may send. */
  bodyLimitBytes?: number;
  /**
   * How many streamed CSV exports may run at once (`console.max_concurrent_exports`): each holds a
   * PostgreSQL connection for as long as the client reads, so more would starve the other answers.
   */
  maxConcurrentExports?: number;
  /**
   * The key of a browser's console session (console/web/sessions.ts) when the request presents no
   * key of its own: GET only, so the cookie (SameSite=Strict) never authorises a change.
   */
  sessionKey?: (request: Request) => AuthenticatedKey | undefined;
}

/** `/api/v1/runs/{robot_id}` → `/api/v1/runs/:robot_id` (express 5's path syntax). */
export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}

type Format = 'json' | 'csv';

/** `?format=` wins; else `Accept` preferring text/csv over JSON picks CSV; JSON otherwise. */
function formatOf(request: Request, query: Record<string, unknown>): Format | FieldProblem {
  const asked = query.format;
  if (asked !== undefined) {
    if (asked === 'json' || asked === 'csv') return asked;
    return { path: 'format', problem: "expected 'json' or 'csv'" };
  }
  return request.accepts(['application/json', 'text/csv']) === 'text/csv' ? 'csv' : 'json';
}

/**
 * A string cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
 * leading `'` (OWASP's advice against CSV injection): a run's names and texts come from robots and
 * users. Only strings: numbers, negative ones too, stay numbers.
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** RFC 4180 CSV of `columns` (exported for its unit test). */
export function csvStringifier(columns: string[]) {
  return stringify({
    header: true,
    columns,
    // RFC 4180 line ends; times as ISO 8601 in UTC, like the JSON.
    record_delimiter: 'windows',
    // csv-stringify quotes a cell holding a line feed but not one holding a lone CR; RFC 4180 does.
    quoted_match: /\r/,
    cast: {
      string: neutraliseFormula,
      date: (value) => value.toISOString(),
      boolean: (value) => String(value),
      object: (value) => JSON.stringify(value),
    },
  });
}

/** PostgreSQL's `time zone "…" not recognized` (SQLSTATE 22023, invalid_parameter_value). */
export function isUnknownTimeZone(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === '22023' && typeof message === 'string' && /^time zone .* not recognized$/.test(message);
}

function startCsv(response: Response, operationId: string): void {
  response
    .status(200)
    .type('text/csv; charset=utf-8; header=present')
    .set('Content-Disposition', `attachment; filename="${operationId}.csv"`);
}

/** A refusal of the API, as the router sends it: the status, the error body, any headers. */
export interface Refusal {
  status: number;
  error: ErrorBody['error'];
  headers?: Record<string, string>;
}

/**
 * An endpoint's input from the raw query, path parameters and body, every problem at once: the
 * router and the web console's pages (console/web/) parse the same way, so a page asks exactly
 * what the API would be asked. `format` is the router's and must be taken out of `query` first.
 */
export function parseEndpointInput(
  endpoint: AnyEndpoint,
  raw: { query: Record<string, unknown>; params: Record<string, unknown>; body?: unknown },
  key: AuthenticatedKey,
): { input: EndpointInput<unknown, unknown> } | { fields: FieldProblem[] } {
  const fields: FieldProblem[] = [];
  const params = endpoint.params?.safeParse(raw.params);
  if (params !== undefined && !params.success) fields.push(...fieldProblems(params.error.issues));
  const query = endpoint.query.safeParse(raw.query);
  if (!query.success) fields.push(...fieldProblems(query.error.issues));
  let body: unknown;
  if (endpoint.body !== undefined) {
    const parsed = endpoint.body.safeParse(raw.body);
    if (parsed.success) body = parsed.data;
    else fields.push(...fieldProblems(parsed.error.issues, 'body.'));
  }
  if (fields.length > 0 || !query.success) return { fields };
  return { input: { query: query.data, params: params?.success ? params.data : {}, body, key } };
}

/** The 400 of `fields`: the first 20, the message saying how many there were. */
export function invalidParameters(fields: FieldProblem[]): Refusal {
  const shown = fields.slice(0, maxFieldProblems);
  const more = fields.length > shown.length ? ` (the first ${shown.length} of ${fields.length} shown)` : '';
  return {
    status: 400,
    error: {
      code: 'invalid_parameters',
      message: `${fields.length} invalid parameter${fields.length === 1 ? '' : 's'}${more}: ${shown
        .map((field) => field.path)
        .join(', ')}`,
      fields: shown,
    },
  };
}

export function storeUnavailable(store: string): Refusal {
  return {
    status: 503,
    error: { code: 'store_unavailable', message: `${store} is not answering; try again later`, store },
    headers: { 'Retry-After': '5' },
  };
}

/**
 * What a handler's failure answers: 400 / 404 for the question's faults, 503 naming a store or
 * dependency that is down (rechecked now), else 500 (logged).
 */
export async function refusalOf(
  error: unknown,
  endpoint: AnyEndpoint,
  health: StoreHealth,
  logger: Logger,
): Promise<Refusal> {
  if (error instanceof InvalidParametersError) return invalidParameters(error.fields);
  if (error instanceof NotFoundError)
    return { status: 404, error: { code: 'not_found', message: error.message } };
  if (error instanceof ConflictError)
    return { status: 409, error: { code: 'conflict', message: error.message } };
  // A zone Intl knows but PostgreSQL's tzdata does not (an older copy, a name it spells
  // otherwise): the question's fault, not a bug — 400 naming `tz`, the only zone input.
  if (isUnknownTimeZone(error))
    return invalidParameters([{ path: 'tz', problem: 'a time zone PostgreSQL does not know' }]);
  if (error instanceof DependencyUnavailableError) {
    logger.warn({ err: error, operation: endpoint.operationId }, `${error.dependency} is down`);
    return storeUnavailable(error.dependency);
  }
  const down = await health.recheck(endpoint.stores);
  if (down !== undefined) {
    logger.warn({ err: error, operation: endpoint.operationId, store: down }, `${down} is down`);
    return storeUnavailable(down);
  }
  logger.error({ err: error, operation: endpoint.operationId }, 'request failed');
  return { status: 500, error: { code: 'internal', message: 'internal error' } };
}

/**
 * One endpoint's JSON answer, asked in-process (the web console's pages): the same parse, store
 * check and handler as over HTTP, so a page shows exactly what the API answers.
 */
export async function answerEndpoint(
  endpoint: AnyEndpoint,
  raw: { query: Record<string, unknown>; params?: Record<string, unknown> },
  key: AuthenticatedKey,
  context: { stores: ConsoleStores; health: StoreHealth; logger: Logger },
): Promise<{ status: 200; body: unknown } | Refusal> {
  if (!hasScope(key.scopes, endpoint.scope))
    return {
      status: 403,
      error: { code: 'forbidden', message: `this API key lacks the '${endpoint.scope}' scope` },
    };
  const parsed = parseEndpointInput(endpoint, { query: raw.query, params: raw.params ?? {} }, key);
  if ('fields' in parsed) return invalidParameters(parsed.fields);
  const down = context.health.down(endpoint.stores);
  if (down !== undefined) return storeUnavailable(down);
  try {
    return { status: 200, body: await endpoint.handle(parsed.input, context.stores) };
  } catch (error) {
    return refusalOf(error, endpoint, context.health, context.logger);
  }
}

/** Serves `endpoints` (and 404 in the same error shape for any other `/api/v1/` path). */
export function endpointRouter(options: EndpointRouterOptions): Router {
  const { keys, stores, health, logger } = options;
  const maxExports = options.maxConcurrentExports ?? Number.POSITIVE_INFINITY;
  let runningExports = 0;
  const router = express.Router();
  const durations = new Histogram({
    name: 'primoart_console_request_duration_seconds',
    help: 'Answers of the console API by operation and HTTP status code, and how long each took',
    labelNames: ['operation', 'code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [options.metrics],
  });
  const json = express.json({ limit: options.bodyLimitBytes ?? 64 * 1024 });

  for (const endpoint of options.endpoints) {
    const serve = async (request: Request, response: Response): Promise<void> => {
      // (1) The key.
      const source = request.ip ?? request.socket.remoteAddress ?? 'unknown';
      const presented = presentedKey(request);
      const key =
        presented !== undefined
          ? keys.lookup(presented)
          : endpoint.method === 'get'
            ? options.sessionKey?.(request)
            : undefined;
      if (key === undefined) {
        // Only failures are throttled: a right key always passes (auth/auth-failures.ts).
        const throttle = options.failedAuth?.check(source) ?? { allowed: true };
        if (!throttle.allowed) {
          const retryAfter = throttle.retryAfterSeconds;
          sendError(
            response,
            429,
            {
              code: 'too_many_failed_authentications',
              message: `too many failed authentications from this address; retry after ${retryAfter} s`,
              retry_after_seconds: retryAfter,
            },
            { 'Retry-After': String(retryAfter) },
          );
          return;
        }
        options.failedAuth?.record(
          presented === undefined
            ? { source, reason: 'missing_key', keyId: undefined }
            : { source, ...keys.explain(presented) },
        );
        sendError(
          response,
          401,
          {
            code: 'unauthorized',
            message: presented === undefined ? 'missing API key' : 'unknown or revoked API key',
          },
          { 'WWW-Authenticate': 'Bearer' },
        );
        return;
      }
      if (!hasScope(key.scopes, endpoint.scope)) {
        sendError(response, 403, {
          code: 'forbidden',
          message: `this API key lacks the '${endpoint.scope}' scope`,
        });
        return;
      }

      // (2) Parameters: every problem at once.
      const rawQuery = { ...(request.query as Record<string, unknown>) };
      const fields: FieldProblem[] = [];
      const format = formatOf(request, rawQuery);
      delete rawQuery.format;
      if (typeof format !== 'string') fields.push(format);
      else if (format === 'csv' && endpoint.csv === undefined && endpoint.csvStream === undefined)
        fields.push({ path: 'format', problem: 'this answer is not a table: JSON only' });
      const parsed = parseEndpointInput(
        endpoint,
        { query: rawQuery, params: request.params, body: request.body },
        key,
      );
      if ('fields' in parsed) fields.push(...parsed.fields);
      if (fields.length > 0 || 'fields' in parsed) {
        sendInvalid(response, fields);
        return;
      }
      const { input } = parsed;

      // (3) The stores it needs.
      const down = health.down(endpoint.stores);
      if (down !== undefined) {
        sendRefusal(response, storeUnavailable(down));
        return;
      }

      // (4) The answer.
      try {
        if (
          endpoint.binary !== undefined &&
          request.query.format === undefined &&
          request.accepts([...endpoint.binary.mediaTypes, 'application/json']) !== 'application/json'
        ) {
          const answer = await endpoint.binary.send(input, stores, {
            ifNoneMatch: request.get('if-none-match'),
          });
          response.status(answer.status).set({ ...answer.headers, Vary: 'Accept' });
          if (answer.body === undefined) response.end();
          else await pipeline(answer.body, response);
          return;
        }
        if (format === 'csv' && endpoint.csvStream !== undefined) {
          if (runningExports >= maxExports) {
            sendError(
              response,
              503,
              {
                code: 'too_many_exports',
                message: `${maxExports} CSV exports are running (console.max_concurrent_exports); try again later`,
              },
              { 'Retry-After': '5' },
            );
            return;
          }
          runningExports += 1;
          const abort = new AbortController();
          // One listener for both: with the metrics', pipeline()'s and the CSV stringifier's, a
          // second one took the response past Node's 10 'close' listeners (a leak warning per export).
          response.once('close', () => {
            runningExports -= 1;
            abort.abort();
          });
          const table = endpoint.csvStream(input, stores, abort.signal);
          // The first row is awaited before the status is sent, so a store failing at once is still a 503.
          const iterator = table.rows[Symbol.asyncIterator]();
          const first = await iterator.next();
          startCsv(response, endpoint.operationId);
          const rows = async function* () {
            if (first.done === true) return;
            yield first.value;
            for (let next = await iterator.next(); next.done !== true; next = await iterator.next())
              yield next.value;
          };
          await pipeline(Readable.from(rows()), csvStringifier(table.columns), response);
          return;
        }
        const answer = await endpoint.handle(input, stores);
        if (format === 'csv' && endpoint.csv !== undefined) {
          const table = endpoint.csv(answer);
          startCsv(response, endpoint.operationId);
          await pipeline(Readable.from(table.rows), csvStringifier(table.columns), response);
          return;
        }
        const created = endpoint.created?.(answer);
        const accepted = endpoint.accepted?.(answer);
        if (created !== undefined) response.status(201).set('Location', created.location);
        else if (accepted !== undefined) response.status(202).set('Location', accepted.location);
        else response.status(200);
        response.json(answer);
      } catch (error) {
        await answerFailure(response, endpoint, error);
      }
    };

    const answerFailure = async (response: Response, endpoint: AnyEndpoint, error: unknown) => {
      if (response.headersSent) {
        // A stream cut short: the client sees a truncated chunked answer, never a complete-looking one.
        logger.error({ err: error, operation: endpoint.operationId }, 'answer failed while streaming');
        response.destroy(error instanceof Error ? error : undefined);
        return;
      }
      sendRefusal(response, await refusalOf(error, endpoint, health, logger));
    };

    const handlers = [
      (_request: Request, response: Response, next: NextFunction) => {
        const end = durations.startTimer({ operation: endpoint.operationId });
        response.once('close', () => end({ code: String(response.statusCode) }));
        next();
      },
      ...(endpoint.method === 'put' || endpoint.method === 'post' ? [json] : []),
      (request: Request, response: Response, next: NextFunction) => {
        serve(request, response).catch(next);
      },
    ];
    router[endpoint.method](expressPath(endpoint.path), ...handlers);
  }
  // A bad JSON body (express.json) in the same shape as every other 400.
  router.use((error: unknown, _request: Request, response: Response, next: NextFunction) => {
    const status = (error as { status?: unknown }).status;
    if (response.headersSent || typeof status !== 'number' || status >= 500) {
      next(error);
      return;
    }
    if (status === 413 || status === 400)
      sendInvalid(response, [{ path: 'body', problem: (error as Error).message }]);
    else next(error);
  });
  router.use('/api/v1', (request: Request, response: Response) => {
    sendError(response, 404, {
      code: 'not_found',
      message: `no ${request.method} ${request.originalUrl.split('?')[0]} here`,
    });
  });
  return router;
}

// ---------------------------------------------------------------------------------------------
// OpenAPI 3.1

type JsonSchema = Record<string, unknown>;

/**
 * `schema` as JSON Schema 2020-12 for embedding in the document: `$schema` dropped (the document
 * states the dialect) and any `$defs` hoisted into components.schemas with their `$ref`s
 * rewritten, since a `#/$defs/…` inside the document would resolve against its root.
 */
function embeddedSchema(
  schema: z.ZodType,
  io: 'input' | 'output',
  prefix: string,
  components: Record<string, JsonSchema>,
): JsonSchema {
  const converted = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  const { $schema: _dialect, $defs, ...rest } = converted;
  const rename = (name: string) => `${prefix}_${name}`;
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] =
        key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')
          ? `#/components/schemas/${rename(inner.slice('#/$defs/'.length))}`
          : rewrite(inner);
    }
    return out;
  };
  for (const [name, definition] of Object.entries(($defs ?? {}) as Record<string, unknown>))
    components[rename(name)] = rewrite(definition) as JsonSchema;
  return rewrite(rest) as JsonSchema;
}

/** The parameters of an object schema, one per property. */
function parametersOf(
  schema: z.ZodType,
  where: 'query' | 'path',
  prefix: string,
  components: Record<string, JsonSchema>,
): JsonSchema[] {
  const object = embeddedSchema(schema, 'input', prefix, components);
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description === undefined ? {} : { description }),
      schema: rest,
    };
  });
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** The OpenAPI 3.1 document of `endpoints`. */
export function openApiDocument(
  endpoints: readonly AnyEndpoint[],
  info: { title: string; version: string; description?: string },
): JsonSchema {
  const components: Record<string, JsonSchema> = {
    Error: embeddedSchema(errorBodySchema, 'output', 'Error', {}),
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of endpoints) {
    const id = endpoint.operationId;
    const tabular = endpoint.csv !== undefined || endpoint.csvStream !== undefined;
    const parameters = [
      ...(endpoint.params === undefined ? [] : parametersOf(endpoint.params, 'path', id, components)),
      ...parametersOf(endpoint.query, 'query', id, components),
      ...(tabular
        ? [
            {
              name: 'format',
              in: 'query',
              required: false,
              description: 'csv: the same rows as RFC 4180 CSV (as does `Accept: text/csv`)',
              schema: { type: 'string', enum: ['json', 'csv'] },
            },
          ]
        : []),
    ];
    components[`${id}Response`] = embeddedSchema(endpoint.response, 'output', id, components);
    const content: Record<string, unknown> = {
      'application/json': { schema: { $ref: `#/components/schemas/${id}Response` } },
    };
    if (tabular) content['text/csv'] = { schema: { type: 'string' } };
    for (const mediaType of endpoint.binary?.mediaTypes ?? [])
      content[mediaType] = { schema: { type: 'string', contentMediaType: mediaType } };
    const responses: Record<string, unknown> = {
      ...(endpoint.created === undefined
        ? { '200': { description: 'OK', content } }
        : { '201': { description: 'Created: `Location` names what was created', content } }),
      '400': errorResponse('invalid or unknown parameters, each named in `fields`'),
      '401': errorResponse('missing, unknown or revoked API key'),
      '403': errorResponse(`the key lacks the '${endpoint.scope}' scope`),
      '429': errorResponse('too many failed authentications from this address'),
      '503': errorResponse('a store this endpoint reads is down (named in `store`)'),
    };
    if (endpoint.params !== undefined) responses['404'] = errorResponse('no such object');
    if (endpoint.conflict !== undefined) responses['409'] = errorResponse(endpoint.conflict);
    if (endpoint.accepted !== undefined)
      responses['202'] = {
        description: 'Accepted: the change is taken but not yet visible; `Location` says where to watch it',
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${id}Response` } } },
      };
    if (endpoint.binary !== undefined)
      responses['304'] = { description: 'Not Modified: the copy the client has (If-None-Match) is current' };
    const operation: Record<string, unknown> = {
      operationId: id,
      summary: endpoint.summary,
      ...(endpoint.description === undefined ? {} : { description: endpoint.description }),
      'x-primoart-scope': endpoint.scope,
      'x-primoart-stores': endpoint.stores,
      parameters,
      ...(endpoint.body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: {
                'application/json': { schema: embeddedSchema(endpoint.body, 'input', id, components) },
              },
            },
          }),
      responses,
    };
    const item = paths[endpoint.path] ?? {};
    if (item[endpoint.method] !== undefined)
      throw new Error(`two endpoints for ${endpoint.method.toUpperCase()} ${endpoint.path}`);
    item[endpoint.method] = operation;
    paths[endpoint.path] = item;
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info,
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { apiKeyHeader: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API key with the read scope' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
  };
}

/** `GET /api/v1/openapi.json`: no key needed (it says what exists, nothing of the data). */
export function openApiRouter(document: JsonSchema): Router {
  const router = express.Router();
  const body = JSON.stringify(document);
  router.get('/api/v1/openapi.json', (_request, response) => {
    response.type('application/json').send(body);
  });
  return router;
}
