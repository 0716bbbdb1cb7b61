// The hostile-input corpus (test/corpus/hostile/, described in its README) turned into real HTTP
// requests, and the answers judged against what each case expects. Shared by the hostile-input
// test (one case at a time) and the gateway soak (the corpus in parallel loops).
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { sha256Hex } from '../../core/sha256.ts';
import { otlpTypes } from '../../ingest-gateway/otlp/protobuf-types.ts';
import { repoDir, runCli, waitFor } from './stack.ts';

export const corpusDir = join(repoDir, 'test', 'corpus', 'hostile');

/** Above the largest case that must be judged field by field (a 5 MiB + 1 screenshot, ~7 MiB of base64). */
export const corpusBodyLimitBytes = 8 * 1024 * 1024;

export type KeyKind = 'none' | 'unknown' | 'admin' | 'wrong-scope' | 'robot' | 'revoked';

interface ResultEdit {
  set?: Record<string, unknown>;
  remove?: string[];
}

type CaseBody =
  | { json: unknown }
  | { text: string }
  | { base64: string }
  | { result: ResultEdit }
  | { batch: { count?: number; items?: ResultEdit[]; envelope?: Record<string, unknown> } }
  | { generate: string; options?: Record<string, number | string> };

export interface HostileCase {
  id: string;
  description: string;
  method: string;
  path: string;
  key: KeyKind;
  keyHeader?: 'authorization' | 'x-api-key';
  headers: Record<string, string>;
  /** Omitted: an empty body (GET and DELETE cases). */
  body?: CaseBody;
  gzip?: boolean;
  expect: {
    status: number;
    error?: string;
    paths?: string[];
    contains?: string[];
    items?: Array<{ status: string; paths?: string[] }>;
    /**
     * The body must be a google.rpc.Status (the OTLP error body) with this code, in this encoding:
     * protobuf (Content-Type application/x-protobuf) or JSON. `contains` then applies to its message.
     */
    rpcStatus?: { code: number; encoding: 'protobuf' | 'json' };
    /** The answer's body must be at most this long: a refusal must not grow with the request. */
    maxBodyBytes?: number;
  };
}

export interface CorpusKeys {
  admin: string;
  robot: string;
  wrongScope: string;
  /** A managed key that was revoked (see revokedManagedKey); only cases with `"key": "revoked"` need it. */
  revoked?: string;
}

/** The scopes of the corpus's wrong-scope key: every scope except results:write. */
export const wrongScopes = ['otlp:write', 'definitions:read'];

/** A key with every scope except results:write; its secret is the caller's. */
export function wrongScopeKeyConfig(secret: string) {
  return { name: 'corpus-wrong-scope', sha256: sha256Hex(secret), scopes: wrongScopes };
}

/** testConfig overrides the corpus needs: the small body limit and the wrong-scope key (testConfig lifts the rate limit). */
export function corpusConfigOverrides(wrongScopeSecret: string): Record<string, unknown> {
  return {
    gateway: {
      body_limit_bytes: corpusBodyLimitBytes,
      api_keys: [wrongScopeKeyConfig(wrongScopeSecret)],
    },
  };
}

export function loadHostileCases(dir = join(corpusDir, 'cases')): HostileCase[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      id: file.replace(/\.json$/, ''),
      ...(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Omit<HostileCase, 'id'>),
    }));
}

export function loadBaseResult(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(corpusDir, 'base-result.json'), 'utf8'));
}

// --- building bodies -------------------------------------------------------------------------

const tinyPng =
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR42mPQbNiJFTEMLQkAcMZYgZauTKgAAAAASUVORK5CYII=';
const imageSignatures: Record<string, number[]> = {
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  'image/jpeg': [0xff, 0xd8, 0xff, 0xe0],
};

/** `steps[1].name` → ['steps', 1, 'name']. */
function pathParts(path: string): Array<string | number> {
  const parts: Array<string | number> = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    parts.push(match[2] === undefined ? (match[1] as string) : Number(match[2]));
  }
  return parts;
}

function readPath(root: unknown, path: string): unknown {
  let node = root as Record<string | number, unknown> | undefined;
  for (const part of pathParts(path)) node = node?.[part] as Record<string | number, unknown> | undefined;
  return node;
}

/** Sets by defining an own property, so `__proto__` becomes a member as JSON.parse would make it. */
function writePath(root: Record<string, unknown>, path: string, value: unknown): void {
  const parts = pathParts(path);
  const last = parts.pop() as string | number;
  let node: Record<string | number, unknown> = root;
  for (const part of parts) node = node[part] as Record<string | number, unknown>;
  Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
}

function removePath(root: Record<string, unknown>, path: string): void {
  const parts = pathParts(path);
  const last = parts.pop() as string | number;
  let node: Record<string | number, unknown> = root;
  for (const part of parts) node = node[part] as Record<string | number, unknown>;
  delete node[last];
}

interface BuildContext {
  base: Record<string, unknown>;
  bodyLimitBytes: number;
  now: number;
  /** JSON text substituted for placeholders after serialising. */
  rawJson: string[];
}

function base64Variant(original: string, variant: string): string {
  if (variant === 'url-safe') return original.replaceAll('+', '-').replaceAll('/', '_');
  if (variant === 'line-break') return `${original.slice(0, 8)}\n${original.slice(8)}`;
  if (variant === 'unpadded') return original.replace(/=+$/, '');
  throw new Error(`unknown $base64Variant ${variant}`);
}

function imageBase64(contentType: string, decodedBytes: number): string {
  const signature = imageSignatures[contentType];
  if (signature === undefined) throw new Error(`no signature for ${contentType}`);
  const bytes = Buffer.alloc(decodedBytes);
  Buffer.from(signature).copy(bytes);
  return bytes.toString('base64');
}

/** Value generators: objects whose one `$…` member names how to make the value. */
function generateValue(value: unknown, context: BuildContext): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const spec = value as Record<string, unknown>;
  const start = Date.parse(context.base.started_at as string);
  if ('$repeat' in spec) return String(spec.$repeat).repeat(Number(spec.count));
  if ('$rawJson' in spec) {
    context.rawJson.push(String(spec.$rawJson));
    return `@@raw-json-${context.rawJson.length - 1}@@`;
  }
  if ('$nowPlusMs' in spec) return new Date(context.now + Number(spec.$nowPlusMs)).toISOString();
  if ('$steps' in spec) {
    const errorMessage =
      spec.errorMessageBytes === undefined
        ? {}
        : { error_message: 'e'.repeat(Number(spec.errorMessageBytes)) };
    return Array.from({ length: Number(spec.$steps) }, (_, index) => ({
      index,
      name: `step ${index}`,
      started_at: new Date(start + 100).toISOString(),
      finished_at: new Date(start + 200).toISOString(),
      status: 'OK',
      ...errorMessage,
    }));
  }
  if ('$array' in spec) {
    return Array.from({ length: Number(spec.$array) }, () => generateValue(spec.of, context));
  }
  if ('$screenshots' in spec) {
    return Array.from({ length: Number(spec.$screenshots) }, () => ({
      step_index: 0,
      content_type: 'image/png',
      data: tinyPng,
    }));
  }
  if ('$attributes' in spec) {
    return Object.fromEntries(
      Array.from({ length: Number(spec.$attributes) }, (_, i) => [`key${i}`, `v${i}`]),
    );
  }
  if ('$image' in spec) return imageBase64(String(spec.$image), Number(spec.decodedBytes));
  if ('$base64Variant' in spec) {
    return base64Variant(String(readPath(context.base, String(spec.of))), String(spec.$base64Variant));
  }
  return Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, generateValue(v, context)]));
}

function editedResult(edit: ResultEdit, context: BuildContext): Record<string, unknown> {
  const result = structuredClone(context.base);
  for (const [path, value] of Object.entries(edit.set ?? {})) {
    writePath(result, path, generateValue(value, context));
  }
  for (const path of edit.remove ?? []) removePath(result, path);
  return result;
}

function serialise(value: unknown, context: BuildContext): Buffer {
  let text = JSON.stringify(value);
  context.rawJson.forEach((raw, i) => {
    text = text.replace(`"@@raw-json-${i}@@"`, raw);
  });
  return Buffer.from(text, 'utf8');
}

// --- OTLP protobuf bodies ------------------------------------------------------------------------

const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'hostile-corpus' } }] };
const scope = { name: 'hostile-corpus', version: '1' };
const startNanos = '1763870400000000000';
const endNanos = '1763870400250000000';

/** A valid export request per signal with exactly one top-level entry, so any cut inside it is undecodable. */
const otlpRequests = {
  traces: {
    type: otlpTypes.traceRequest,
    value: {
      resourceSpans: [
        {
          resource,
          scopeSpans: [
            {
              scope,
              spans: [
                {
                  traceId: Buffer.from('5b8efff798038103d269b633813fc60c', 'hex'),
                  spanId: Buffer.from('eee19b7ec3c1b174', 'hex'),
                  name: 'GET /checkout',
                  kind: 2,
                  startTimeUnixNano: startNanos,
                  endTimeUnixNano: endNanos,
                  attributes: [{ key: 'http.request.method', value: { stringValue: 'GET' } }],
                },
              ],
            },
          ],
        },
      ],
    },
  },
  metrics: {
    type: otlpTypes.metricsRequest,
    value: {
      resourceMetrics: [
        {
          resource,
          scopeMetrics: [
            {
              scope,
              metrics: [
                {
                  name: 'checkout.duration',
                  unit: 'ms',
                  gauge: { dataPoints: [{ timeUnixNano: endNanos, asDouble: 250.5 }] },
                },
              ],
            },
          ],
        },
      ],
    },
  },
  logs: {
    type: otlpTypes.logsRequest,
    value: {
      resourceLogs: [
        {
          resource,
          scopeLogs: [
            {
              scope,
              logRecords: [
                { timeUnixNano: endNanos, severityText: 'ERROR', body: { stringValue: 'checkout failed' } },
              ],
            },
          ],
        },
      ],
    },
  },
};

function otlpRequestOf(signal: unknown) {
  const request = otlpRequests[String(signal) as keyof typeof otlpRequests];
  if (request === undefined) throw new Error(`unknown OTLP signal "${String(signal)}"`);
  return request;
}

/** A valid export request's protobuf bytes cut to `keepPercent` %, checked to be undecodable. */
function truncatedOtlpProtobuf(signal: unknown, keepPercent: number): Buffer {
  const { type, value } = otlpRequestOf(signal);
  const whole = Buffer.from(type.encode(type.fromObject(value)).finish());
  const cut = whole.subarray(0, Math.floor((whole.length * keepPercent) / 100));
  try {
    type.decode(cut);
  } catch {
    return cut;
  }
  throw new Error(
    `the ${String(signal)} request cut to ${cut.length} of ${whole.length} bytes still decodes`,
  );
}

/**
 * An attribute value nested `depth` AnyValue → ArrayValue levels deep, written byte by byte
 * (inside out) so the runner does not recurse; decoding it must exhaust a recursive decoder.
 */
function deeplyNestedOtlpProtobuf(depth: number): Buffer {
  const varint = (value: number) => {
    const bytes: number[] = [];
    let rest = value;
    do {
      bytes.push((rest & 0x7f) | (rest > 0x7f ? 0x80 : 0));
      rest >>>= 7;
    } while (rest > 0);
    return bytes;
  };
  // Prefixes (tag and length) from the innermost outwards, each wrapping everything so far.
  const core = Buffer.from([0x0a, 0x01, 0x78]); // AnyValue { string_value = "x" }
  const prefixes: Buffer[] = [];
  let length = core.length;
  const wrap = (fieldNumber: number) => {
    const prefix = Buffer.from([(fieldNumber << 3) | 2, ...varint(length)]);
    prefixes.push(prefix);
    length += prefix.length;
  };
  for (let level = 0; level < depth; level++) {
    wrap(1); // ArrayValue { values = [value] }
    wrap(5); // AnyValue { array_value = … }
  }
  const key = Buffer.from([0x0a, 0x04, ...Buffer.from('deep')]); // KeyValue { key = "deep" }
  wrap(2); // KeyValue { value = … }
  const keyValuePrefix = Buffer.from([0x0a, ...varint(length + key.length)]); // Resource { attributes = [ … ] }
  length += key.length + keyValuePrefix.length;
  wrap(1); // ResourceSpans { resource = … }
  wrap(1); // ExportTraceServiceRequest { resource_spans = [ … ] }
  const [requestPrefix, resourceSpansPrefix, keyValueValuePrefix, ...nesting] = prefixes.reverse();
  return Buffer.concat([
    requestPrefix as Buffer,
    resourceSpansPrefix as Buffer,
    keyValuePrefix,
    key,
    keyValueValuePrefix as Buffer,
    ...nesting,
    core,
  ]);
}

/**
 * An ExportTraceServiceRequest of `count` empty spans (2 bytes each) in one scope, written byte by
 * byte: cheap to send, and only a limit on spans per request stops the work it would cause.
 */
function emptySpansOtlpProtobuf(count: number): Buffer {
  const varint = (value: number) => {
    const bytes: number[] = [];
    let rest = value;
    do {
      bytes.push((rest & 0x7f) | (rest > 0x7f ? 0x80 : 0));
      rest = Math.floor(rest / 128);
    } while (rest > 0);
    return Buffer.from(bytes);
  };
  const spans = Buffer.alloc(2 * count);
  for (let i = 0; i < count; i++) spans[2 * i] = 0x12; // ScopeSpans { spans = [ {} ] }
  const scopeSpans = Buffer.concat([Buffer.from([0x12]), varint(spans.length), spans]); // ResourceSpans { scope_spans }
  return Buffer.concat([Buffer.from([0x0a]), varint(scopeSpans.length), scopeSpans]); // request { resource_spans }
}

/**
 * An ExportTraceServiceRequest of one span with `count` empty attributes (2 bytes each on the
 * wire, a few hundred decoded): only a limit on messages per request bounds the decoder's memory.
 */
function emptyAttributesOtlpProtobuf(count: number): Buffer {
  const varint = (value: number) => {
    const bytes: number[] = [];
    let rest = value;
    do {
      bytes.push((rest & 0x7f) | (rest > 0x7f ? 0x80 : 0));
      rest = Math.floor(rest / 128);
    } while (rest > 0);
    return Buffer.from(bytes);
  };
  const field = (tag: number, inner: Buffer) =>
    Buffer.concat([Buffer.from([tag]), varint(inner.length), inner]);
  const attributes = Buffer.alloc(2 * count);
  for (let i = 0; i < count; i++) attributes[2 * i] = 0x4a; // Span { attributes = [ {} ] }
  const span = Buffer.concat([field(0x0a, Buffer.alloc(16, 1)), field(0x12, Buffer.alloc(8, 1)), attributes]);
  return field(0x0a, field(0x12, field(0x12, span))); // request { resource_spans { scope_spans { spans } } }
}

function generateBody(name: string, options: Record<string, number | string>, context: BuildContext): Buffer {
  switch (name) {
    case 'otlp-truncated':
      return truncatedOtlpProtobuf(options.signal, Number(options.keepPercent ?? 50));
    case 'otlp-deep-nesting':
      return deeplyNestedOtlpProtobuf(Number(options.depth ?? 100_000));
    case 'definitions-array':
      return serialise(
        Array.from({ length: Number(options.count ?? 1001) }, (_, i) => ({
          uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          name: `hostile corpus ${i}`,
          cron: '*/5 * * * *',
          code: 'await run();',
          target_duration: 10,
        })),
        context,
      );
    case 'nested-arrays': {
      const depth = Number(options.depth ?? 100_000);
      return Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    }
    case 'results-array':
      return serialise(
        Array.from({ length: Number(options.count ?? 2) }, () => context.base),
        context,
      );
    case 'over-body-limit': {
      // A valid result padded with JSON whitespace to exactly one byte over the limit.
      const json = serialise(context.base, context);
      return Buffer.concat([json, Buffer.alloc(context.bodyLimitBytes + 1 - json.length, 0x20)]);
    }
    case 'otlp-empty-spans':
      return emptySpansOtlpProtobuf(Number(options.count ?? 1_000_000));
    case 'otlp-empty-attributes':
      return emptyAttributesOtlpProtobuf(Number(options.count ?? 3_000_000));
    case 'zstd-bomb':
      return zstdCompressSync(Buffer.alloc(Number(options.inflatedBytes ?? 64 * 1024 * 1024), 0x20));
    case 'gzip-bomb':
      // Spaces are valid JSON whitespace: only the inflated-size limit can stop this body.
      return gzipSync(Buffer.alloc(Number(options.inflatedBytes ?? 64 * 1024 * 1024), 0x20), { level: 9 });
    case 'truncated-gzip': {
      const whole = gzipSync(serialise(context.base, context));
      return whole.subarray(0, Math.floor(whole.length / 2));
    }
    default:
      throw new Error(`unknown body generator "${name}"`);
  }
}

function buildBody(body: CaseBody, context: BuildContext): Buffer {
  if ('json' in body) return serialise(body.json, context);
  if ('text' in body) return Buffer.from(body.text, 'utf8');
  if ('base64' in body) return Buffer.from(body.base64, 'base64');
  if ('result' in body) return serialise(editedResult(body.result, context), context);
  if ('batch' in body) {
    const { count, items, envelope = {} } = body.batch;
    const edits = items ?? Array.from({ length: count ?? 1 }, () => ({}));
    return serialise({ results: edits.map((edit) => editedResult(edit, context)), ...envelope }, context);
  }
  return generateBody(body.generate, body.options ?? {}, context);
}

export interface BuiltRequest {
  hostileCase: HostileCase;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export function buildRequest(
  hostileCase: HostileCase,
  options: { keys: CorpusKeys; bodyLimitBytes: number; now?: number },
): BuiltRequest {
  const context: BuildContext = {
    base: loadBaseResult(),
    bodyLimitBytes: options.bodyLimitBytes,
    now: options.now ?? Date.now(),
    rawJson: [],
  };
  let body = buildBody(hostileCase.body ?? { text: '' }, context);
  const headers = { ...hostileCase.headers };
  if (hostileCase.gzip) {
    body = gzipSync(body);
    headers['content-encoding'] = 'gzip';
  }
  const secret = {
    none: undefined,
    unknown: `unknown-${randomUUID()}`,
    admin: options.keys.admin,
    'wrong-scope': options.keys.wrongScope,
    robot: options.keys.robot,
    revoked: options.keys.revoked,
  }[hostileCase.key];
  if (hostileCase.key === 'revoked' && secret === undefined) {
    throw new Error(`${hostileCase.id} needs a revoked key: pass one made by revokedManagedKey`);
  }
  if (secret !== undefined) {
    if (hostileCase.keyHeader === 'x-api-key') headers['x-api-key'] = secret;
    else headers.authorization = `Bearer ${secret}`;
  }
  return { hostileCase, method: hostileCase.method, path: hostileCase.path, headers, body };
}

// --- sending and judging ---------------------------------------------------------------------

export interface Answer {
  status: number;
  text: string;
  json: any;
  /** The body as received (OTLP answers protobuf bodies). */
  bytes: Buffer;
  contentType: string;
}

export async function send(baseUrl: string, request: BuiltRequest): Promise<Answer> {
  // A Uint8Array body gets no default Content-Type from fetch, so "no Content-Type" stays absent.
  const response = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers: request.headers,
    // fetch refuses any body, even an empty one, on GET and HEAD.
    body: ['GET', 'HEAD'].includes(request.method) ? undefined : new Uint8Array(request.body),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const text = bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: response.status,
    text,
    json,
    bytes,
    contentType: response.headers.get('content-type') ?? '',
  };
}

const pathsOf = (problems: unknown): string[] =>
  Array.isArray(problems) ? problems.map((problem: { path?: unknown }) => String(problem?.path)) : [];

/** What is wrong with an OTLP error answer: a google.rpc.Status of the expected code and encoding. */
function judgeRpcStatus(
  expected: { code: number; encoding: 'protobuf' | 'json' },
  answer: Answer,
  contains: string[],
) {
  const failures: string[] = [];
  const mediaType = answer.contentType.split(';')[0]?.trim();
  const wantedType = expected.encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json';
  if (mediaType !== wantedType) failures.push(`Content-Type ${answer.contentType}, expected ${wantedType}`);
  let status: { code?: unknown; message?: unknown } | undefined;
  try {
    status =
      expected.encoding === 'protobuf'
        ? otlpTypes.status.toObject(otlpTypes.status.decode(answer.bytes), { defaults: true })
        : answer.json;
  } catch (error) {
    failures.push(`the body is not a protobuf Status: ${(error as Error).message}`);
  }
  if (status !== undefined) {
    if (status.code !== expected.code)
      failures.push(`Status code ${String(status.code)}, expected ${expected.code}`);
    const message = typeof status.message === 'string' ? status.message : '';
    if (message === '') failures.push('the Status has no message');
    for (const text of contains) {
      if (!message.includes(text)) failures.push(`the Status message does not mention "${text}"`);
    }
  }
  return failures;
}

/** What is wrong with an answer, as readable lines; empty when it is what the case expects. */
export function judge(hostileCase: HostileCase, answer: Answer): string[] {
  const { expect } = hostileCase;
  const failures: string[] = [];
  if (answer.status !== expect.status) failures.push(`status ${answer.status}, expected ${expect.status}`);
  if (expect.rpcStatus !== undefined) {
    failures.push(...judgeRpcStatus(expect.rpcStatus, answer, expect.contains ?? []));
  } else if (answer.json === undefined || typeof answer.json !== 'object') {
    failures.push('the body is not a JSON object');
  } else if (expect.status >= 400 && (typeof answer.json.error !== 'string' || answer.json.error === '')) {
    failures.push('the body has no "error"');
  }
  if (expect.error !== undefined && answer.json?.error !== expect.error) {
    failures.push(`error ${JSON.stringify(answer.json?.error)}, expected ${JSON.stringify(expect.error)}`);
  }
  const named = pathsOf(answer.json?.details);
  for (const path of expect.paths ?? []) {
    if (!named.includes(path)) failures.push(`"${path}" not named; details name [${named.join(', ')}]`);
  }
  for (const text of expect.rpcStatus === undefined ? (expect.contains ?? []) : []) {
    if (!answer.text.includes(text)) failures.push(`the body does not mention "${text}"`);
  }
  if (expect.maxBodyBytes !== undefined && answer.bytes.length > expect.maxBodyBytes) {
    failures.push(`the answer is ${answer.bytes.length} bytes, over ${expect.maxBodyBytes}`);
  }
  if (expect.items !== undefined) {
    const results: unknown[] = Array.isArray(answer.json?.results) ? answer.json.results : [];
    if (results.length !== expect.items.length) {
      failures.push(`${results.length} batch items answered, expected ${expect.items.length}`);
    }
    expect.items.forEach((want, i) => {
      const got = results[i] as { status?: string; errors?: unknown } | undefined;
      if (got?.status !== want.status)
        failures.push(`item ${i}: status ${got?.status}, expected ${want.status}`);
      const itemPaths = pathsOf(got?.errors);
      for (const path of want.paths ?? []) {
        if (!itemPaths.includes(path)) failures.push(`item ${i}: "${path}" not named among [${itemPaths}]`);
      }
    });
  }
  return failures.map((failure) => `${hostileCase.id}: ${failure} — body: ${answer.text.slice(0, 300)}`);
}

// --- a revoked managed key -----------------------------------------------------------------------

/**
 * A managed key (results:write, otlp:write) created and then revoked with the CLI, returned once
 * the gateway at `gatewayUrl` has first accepted it and then refuses it, so a case presenting it
 * tests the revocation and not a key the gateway never knew.
 */
export async function revokedManagedKey(configFile: string, gatewayUrl: string): Promise<string> {
  const created = await runCli([
    'keys',
    'create',
    '--scope',
    'results:write,otlp:write',
    '--name',
    `hostile-corpus-revoked-${randomUUID().slice(0, 8)}`,
    '--config.file',
    configFile,
  ]);
  const id = /^id: (\S+)$/m.exec(created.output)?.[1];
  const key = /^key: (\S+)$/m.exec(created.output)?.[1];
  if (created.code !== 0 || id === undefined || key === undefined) {
    throw new Error(`keys create failed (${created.code}):\n${created.output}`);
  }
  // Reading definitions needs a scope this key lacks: 403 while the gateway knows it, 401 after.
  const probe = async () =>
    (await fetch(`${gatewayUrl}/api/v1/transactions/`, { headers: { authorization: `Bearer ${key}` } }))
      .status;
  await waitFor('the gateway to accept the new managed key', async () => (await probe()) === 403, 20_000);
  const revoked = await runCli(['keys', 'revoke', id, '--config.file', configFile]);
  if (revoked.code !== 0) throw new Error(`keys revoke failed (${revoked.code}):\n${revoked.output}`);
  await waitFor('the gateway to refuse the revoked key', async () => (await probe()) === 401, 20_000);
  return key;
}

// --- a storm of large hostile bodies -------------------------------------------------------------

/**
 * Large hostile bodies made in code (too big for the repository), the kind that drove the
 * gateway's memory to ~1 GB and blocked its event loop for seconds (issue 9). The soak test and
 * `scripts/bench/gateway-memory.ts` send them next to the corpus. Each names the statuses a
 * gateway may answer: a refusal, or for OTLP a partial success that rejects what it cannot take;
 * never 2xx for a result, never 5xx.
 */
export interface StormRequest {
  id: string;
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  statuses: number[];
}

/** A varint, as protobuf writes lengths. */
function protobufVarint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.push((rest % 128) | (rest >= 128 ? 0x80 : 0));
    rest = Math.floor(rest / 128);
  } while (rest > 0);
  return bytes;
}

/** A length-delimited protobuf field wrapping `payload`. */
function protobufField(fieldNumber: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(fieldNumber << 3) | 2, ...protobufVarint(payload.length)]), payload]);
}

/** An ExportTraceServiceRequest with `count` empty spans in one scope: 2 bytes per span. */
export function emptySpansProtobuf(count: number): Buffer {
  const spans = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) spans[i * 2] = (2 << 3) | 2; // ScopeSpans.spans, length 0
  return protobufField(1, protobufField(2, spans)); // request.resource_spans → scope_spans
}

/** An ExportMetricsServiceRequest with one gauge of `count` empty data points. */
export function emptyGaugePointsProtobuf(count: number): Buffer {
  const points = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) points[i * 2] = (1 << 3) | 2; // Gauge.data_points, length 0
  const metric = Buffer.concat([protobufField(1, Buffer.from('storm')), protobufField(5, points)]);
  return protobufField(1, protobufField(2, protobufField(2, metric)));
}

export function stormRequests(keys: Pick<CorpusKeys, 'admin'>): StormRequest[] {
  const base = loadBaseResult();
  const json = { 'content-type': 'application/json', authorization: `Bearer ${keys.admin}` };
  const protobuf = { 'content-type': 'application/x-protobuf', authorization: `Bearer ${keys.admin}` };
  const resultWith = (fields: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...base, ...fields }));
  const otlp = [200, 400, 413];
  const start = Date.parse(base.started_at as string) * 1e6;
  return [
    {
      // Every step is missing every field: one problem per field if nothing caps them.
      id: 'storm-100k-empty-steps',
      method: 'POST',
      path: '/api/v1/transactions/results/upload',
      headers: json,
      body: resultWith({ steps: Array.from({ length: 100_000 }, () => ({})) }),
      statuses: [400, 413],
    },
    {
      id: 'storm-500k-empty-steps',
      method: 'POST',
      path: '/api/v1/transactions/results/upload',
      headers: json,
      body: resultWith({ steps: Array.from({ length: 500_000 }, () => ({})) }),
      statuses: [400, 413],
    },
    {
      // A batch of results, each with a 1 MiB + 1 log (over the contract's limit): ~7 MiB of text.
      id: 'storm-batch-of-oversized-logs',
      method: 'POST',
      path: '/api/v1/transactions/results/upload',
      headers: json,
      body: Buffer.from(
        JSON.stringify({
          results: Array.from({ length: 6 }, () => ({ ...base, log: 'x'.repeat(1024 * 1024 + 1) })),
        }),
      ),
      statuses: [200, 400, 413],
    },
    {
      id: 'storm-otlp-1m-empty-spans',
      method: 'POST',
      path: '/v1/traces',
      headers: protobuf,
      body: emptySpansProtobuf(1_000_000),
      statuses: otlp,
    },
    {
      id: 'storm-otlp-1m-empty-points',
      method: 'POST',
      path: '/v1/metrics',
      headers: protobuf,
      body: emptyGaugePointsProtobuf(1_000_000),
      statuses: otlp,
    },
    {
      // OTLP/JSON: 50,000 spans without trace or span ids (~5 MiB).
      id: 'storm-otlp-json-50k-spans-without-ids',
      method: 'POST',
      path: '/v1/traces',
      headers: json,
      body: Buffer.from(
        JSON.stringify({
          resourceSpans: [
            {
              resource,
              scopeSpans: [
                {
                  scope,
                  spans: Array.from({ length: 50_000 }, (_, i) => ({
                    name: `storm span ${i}`,
                    kind: 2,
                    startTimeUnixNano: String(start),
                    endTimeUnixNano: String(start + 1e6),
                    attributes: [{ key: 'i', value: { intValue: String(i) } }],
                  })),
                },
              ],
            },
          ],
        }),
      ),
      statuses: otlp,
    },
  ];
}

/** What is wrong with the answer to a storm request; empty when it is one the request allows. */
export function judgeStorm(request: StormRequest, answer: Answer): string[] {
  const failures: string[] = [];
  if (!request.statuses.includes(answer.status)) {
    failures.push(`status ${answer.status}, expected one of ${request.statuses.join(', ')}`);
  }
  const items: unknown[] = Array.isArray(answer.json?.results) ? answer.json.results : [];
  if (items.some((item) => (item as { status?: unknown })?.status === 'accepted')) {
    failures.push('a batch item was accepted');
  }
  return failures.map((failure) => `${request.id}: ${failure} — body: ${answer.text.slice(0, 300)}`);
}

// --- what the gateway says about itself --------------------------------------------------------

/** Memory and event-loop figures from a process's own /metrics (prom-client's default metrics). */
export interface ProcessFigures {
  residentBytes: number;
  heapUsedBytes: number;
  /** What V8 holds for its heaps, used or not. */
  heapTotalBytes: number;
  externalBytes: number;
  /**
   * Event-loop delay since the previous scrape of /metrics (prom-client resets its
   * monitorEventLoopDelay histogram at every scrape), in seconds.
   */
  loopP99Seconds: number;
  loopMaxSeconds: number;
}

export async function processFigures(baseUrl: string): Promise<ProcessFigures> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const gauge = (name: string): number => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
    if (match === null) throw new Error(`${baseUrl}/metrics has no ${name}`);
    return Number(match[1]);
  };
  return {
    residentBytes: gauge('process_resident_memory_bytes'),
    heapUsedBytes: gauge('nodejs_heap_size_used_bytes'),
    heapTotalBytes: gauge('nodejs_heap_size_total_bytes'),
    externalBytes: gauge('nodejs_external_memory_bytes'),
    loopP99Seconds: gauge('nodejs_eventloop_lag_p99_seconds'),
    loopMaxSeconds: gauge('nodejs_eventloop_lag_max_seconds'),
  };
}

/** Resident set size of a local process from /proc, without touching its event loop; 0 once gone. */
export function residentBytesOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** One request of a storm: a corpus case (judged by `judge`) or a large body (by `judgeStorm`). */
export type StormItem = { kind: 'case'; request: BuiltRequest } | { kind: 'storm'; request: StormRequest };

/** The corpus with the large bodies spread evenly between its cases, so every loop sends both. */
export function stormPlan(corpus: readonly BuiltRequest[], storm: readonly StormRequest[]): StormItem[] {
  const spacing = Math.max(1, Math.floor(corpus.length / Math.max(1, storm.length)));
  return corpus.flatMap((request, i): StormItem[] => {
    const big = i % spacing === 0 ? storm[i / spacing] : undefined;
    const item: StormItem = { kind: 'case', request };
    return big === undefined ? [item] : [{ kind: 'storm', request: big }, item];
  });
}

export const stormItemId = (item: StormItem): string =>
  item.kind === 'case' ? item.request.hostileCase.id : item.request.id;

/** Send one storm item and judge its answer: the failures (empty when right) and the answer. */
export async function sendStormItem(
  baseUrl: string,
  item: StormItem,
): Promise<{ failures: string[]; answer?: Answer }> {
  let answer: Answer;
  try {
    answer = await send(baseUrl, item.request as BuiltRequest);
  } catch (error) {
    return { failures: [`${stormItemId(item)}: the request failed: ${(error as Error).message}`] };
  }
  const failures =
    item.kind === 'case' ? judge(item.request.hostileCase, answer) : judgeStorm(item.request, answer);
  return { failures, answer };
}
