// Sends TransactionResult payloads to the ingest gateway in the contract's batch form
// (`POST /api/v1/transactions/results/upload`, `{"results": [...]}`), with a bounded number of
// requests in flight. 429 and 503 mean "later" (CONTRACT.md): those are retried after the
// gateway's Retry-After, a bounded number of times. Anything else that is not a full acceptance
// stops the upload with the gateway's own words, because a generated fleet that the gateway
// refuses is a bug in the generator or the gateway, not something to skip over.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { FleetPlan } from './fleet-plan.ts';
import { generateFleetResults, plannedRunCount } from './generator.ts';

/** The contract's largest batch. */
export const maxBatchSize = 100;

export interface UploadOptions {
  /** The gateway's base URL, e.g. http://127.0.0.1:18080. */
  gatewayUrl: string;
  /** A key with `results:write` that is not bound to one robot (the fleet has several). */
  apiKey: string;
  batchSize: number;
  concurrency: number;
  /** Attempts per batch, the first included, before a 429/503/connection failure is final. */
  maxAttempts: number;
  /** No single wait is longer than this, whatever Retry-After asks for. */
  maxRetryWaitMs: number;
  progressEveryMs: number;
  progress: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
}

export const defaultUploadOptions = {
  batchSize: maxBatchSize,
  concurrency: 4,
  maxAttempts: 10,
  maxRetryWaitMs: 60_000,
  progressEveryMs: 5_000,
  progress: () => undefined,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
} as const satisfies Partial<UploadOptions>;

/** What to upload; `total` (when known) makes the progress lines say how far along it is. */
export interface UploadSource {
  results: Iterable<unknown> | AsyncIterable<unknown>;
  total?: number;
}

export interface UploadCounts {
  /** Results in batches the gateway answered. */
  sent: number;
  accepted: number;
  batches: number;
  /** Requests repeated after a 429, 503 or connection failure. */
  retries: number;
}

export class UploadError extends Error {
  override name = 'UploadError';
}

export function planSource(plan: FleetPlan): UploadSource {
  return { results: generateFleetResults(plan), total: plannedRunCount(plan) };
}

async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const chunk of createReadStream(file)) {
    for (let at = (chunk as Buffer).indexOf(10); at !== -1; at = (chunk as Buffer).indexOf(10, at + 1))
      count++;
  }
  return count;
}

async function* ndjsonLines(file: string): AsyncGenerator<unknown> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line);
    } catch (error) {
      throw new UploadError(`${file}:${number}: not JSON (${(error as Error).message})`);
    }
  }
}

/** An NDJSON file as written by generate.ts, one payload per line. */
export async function ndjsonFileSource(file: string): Promise<UploadSource> {
  return { results: ndjsonLines(file), total: await countLines(file) };
}

async function* batchesOf(results: UploadSource['results'], size: number): AsyncGenerator<unknown[]> {
  let batch: unknown[] = [];
  for await (const result of results) {
    batch.push(result);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Retry-After in seconds or as an HTTP date; without one, doubling from half a second. */
export function retryDelayMs(retryAfter: string | null, attempt: number, capMs: number): number {
  const fallback = 500 * 2 ** (attempt - 1);
  let wanted = fallback;
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(seconds)) wanted = seconds * 1000;
    else if (!Number.isNaN(date)) wanted = date - Date.now();
  }
  return Math.min(capMs, Math.max(0, wanted));
}

interface ItemAnswer {
  result_id?: string;
  status?: string;
  errors?: Array<{ path?: string; message?: string }>;
}

/** The parts of a gateway answer the uploader reads (CONTRACT.md "Robot results"). */
interface GatewayAnswer {
  error?: string;
  details?: ItemAnswer['errors'];
  results?: ItemAnswer[];
}

function describeProblems(errors: ItemAnswer['errors']): string {
  return (errors ?? []).map((e) => `${e.path || '(body)'}: ${e.message}`).join('; ');
}

const shownItems = 5;

/** The accepted count of a 200, or an UploadError naming what the gateway refused. */
async function acceptedCount(response: Response, batch: unknown[]): Promise<number> {
  const text = await response.text();
  let body: GatewayAnswer | undefined;
  try {
    body = JSON.parse(text) as GatewayAnswer;
  } catch {
    body = undefined;
  }
  if (response.status !== 200 || !Array.isArray(body?.results)) {
    const details = Array.isArray(body?.details) ? describeProblems(body.details) : '';
    throw new UploadError(
      `gateway answered ${response.status}${body?.error ? ` ${body.error}` : ''}: ${details || text.slice(0, 500)}`,
    );
  }
  const items = body.results;
  const rejected = items.filter((item) => item.status !== 'accepted');
  if (rejected.length > 0) {
    const named = rejected
      .slice(0, shownItems)
      .map((item) => `  ${item.result_id}: ${describeProblems(item.errors)}`)
      .join('\n');
    const more = rejected.length > shownItems ? `\n  … and ${rejected.length - shownItems} more` : '';
    throw new UploadError(
      `gateway rejected ${rejected.length} of ${batch.length} results in a batch (the others were accepted):\n${named}${more}`,
    );
  }
  return items.length;
}

function retryable(status: number): boolean {
  return status === 429 || status === 503;
}

async function sendBatch(batch: unknown[], options: UploadOptions, counts: UploadCounts): Promise<void> {
  const url = new URL('/api/v1/transactions/results/upload', options.gatewayUrl);
  const body = JSON.stringify({ results: batch });
  for (let attempt = 1; ; attempt++) {
    let response: Response | undefined;
    let failure = '';
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
        body,
      });
    } catch (error) {
      failure = `${(error as Error).message}${(error as Error).cause ? ` (${String((error as Error).cause)})` : ''}`;
    }
    if (response !== undefined && !retryable(response.status)) {
      counts.accepted += await acceptedCount(response, batch);
      counts.sent += batch.length;
      counts.batches++;
      return;
    }
    if (response !== undefined) failure = `${response.status} ${(await response.text()).slice(0, 200)}`;
    if (attempt >= options.maxAttempts) {
      throw new UploadError(`gave up on a batch after ${attempt} attempts; last answer: ${failure}`);
    }
    counts.retries++;
    await options.sleep(
      retryDelayMs(response?.headers.get('retry-after') ?? null, attempt, options.maxRetryWaitMs),
    );
  }
}

function progressLine(counts: UploadCounts, total: number | undefined, startedAt: number): string {
  const seconds = (Date.now() - startedAt) / 1000;
  const rate = seconds > 0 ? Math.round(counts.sent / seconds) : 0;
  const of =
    total === undefined ? '' : `/${total} (${total > 0 ? Math.floor((100 * counts.sent) / total) : 100} %)`;
  return `sent ${counts.sent}${of}, ${rate} results/s, ${counts.retries} retries`;
}

/**
 * Upload every result of `source`; resolves with the counts once all were accepted, rejects
 * with an UploadError at the first batch the gateway refuses (requests in flight finish first).
 */
export async function uploadFleet(
  source: UploadSource,
  settings: Pick<UploadOptions, 'gatewayUrl' | 'apiKey'> & Partial<UploadOptions>,
): Promise<UploadCounts> {
  const options: UploadOptions = { ...defaultUploadOptions, ...settings };
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > maxBatchSize)
    throw new UploadError(
      `batch size must be an integer from 1 to ${maxBatchSize}, got ${options.batchSize}`,
    );
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
    throw new UploadError(`concurrency must be a positive integer, got ${options.concurrency}`);
  const counts: UploadCounts = { sent: 0, accepted: 0, batches: 0, retries: 0 };
  const startedAt = Date.now();
  const ticker = setInterval(
    () => options.progress(progressLine(counts, source.total, startedAt)),
    options.progressEveryMs,
  );
  ticker.unref();
  const batches = batchesOf(source.results, options.batchSize);
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined) {
      try {
        const next = await batches.next();
        if (next.done) return;
        await sendBatch(next.value, options, counts);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    clearInterval(ticker);
  }
  if (failure !== undefined) throw failure;
  return counts;
}

/** The last line of an upload: what was sent, how fast. */
export function summaryLine(counts: UploadCounts, elapsedMs: number): string {
  const seconds = Math.max(elapsedMs, 1) / 1000;
  return `done: ${counts.accepted} results accepted in ${counts.batches} batches, ${counts.retries} retries, ${seconds.toFixed(1)} s (${Math.round(counts.sent / seconds)} results/s)`;
}
