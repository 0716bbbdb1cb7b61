// Start-up waits for what a process needs (Kafka, the registry, its store) a bounded time:
// each failed attempt is logged, and a dependency that stays down becomes an error naming it,
// never a hang. A single attempt that does not answer is cut off at the remaining time.
import type { Logger } from 'pino';

export interface ConnectOptions {
  /** Total time to keep trying, across attempts. */
  timeoutMs: number;
  logger: Logger;
  /** First pause between attempts; doubles up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Aborted when the process is asked to stop while still starting. */
  signal?: AbortSignal;
}

const defaults = { initialDelayMs: 250, maxDelayMs: 5000 };

// An attempt is not started with less time than this left: it could only end in "no answer".
const minimumAttemptMs = 50;

class NoAnswerError extends Error {
  constructor(budgetMs: number) {
    super(`no answer within ${formatSeconds(budgetMs)}`);
    this.name = 'NoAnswerError';
  }
}

/** A dependency stayed unreachable for the whole start-up window. */
export class DependencyUnavailableError extends Error {
  readonly dependency: string;
  constructor(dependency: string, timeoutMs: number, cause: unknown) {
    super(`${dependency} unreachable after ${formatSeconds(timeoutMs)}: ${describeError(cause)}`, { cause });
    this.name = 'DependencyUnavailableError';
    this.dependency = dependency;
  }
}

/** Start-up was interrupted by SIGTERM/SIGINT while waiting for a dependency. */
export class StartupAbortedError extends Error {
  constructor(dependency: string) {
    super(`stopped while waiting for ${dependency}`);
    this.name = 'StartupAbortedError';
  }
}

/**
 * Calls `attempt` until it resolves or `timeoutMs` has passed.
 * `name` says what and where, e.g. `kafka at 127.0.0.1:19092` — it is the subject of the error.
 * `attempt` receives a signal that aborts when its share of the time runs out.
 */
export async function connectWithRetry<T>(
  name: string,
  attempt: (signal: AbortSignal) => Promise<T>,
  options: ConnectOptions,
): Promise<T> {
  const { timeoutMs, logger, signal } = options;
  const initialDelayMs = options.initialDelayMs ?? defaults.initialDelayMs;
  const maxDelayMs = options.maxDelayMs ?? defaults.maxDelayMs;
  const deadline = Date.now() + timeoutMs;
  let delayMs = initialDelayMs;
  // The error reported if it never comes up: the last real failure, rather than the final
  // attempt being cut short by the deadline ("no answer") when an earlier one said why.
  let reportedFailure: unknown;
  for (let attemptNumber = 1; ; attemptNumber++) {
    if (signal?.aborted) throw new StartupAbortedError(name);
    let failure: unknown;
    try {
      const result = await withinTime(attempt, deadline - Date.now(), signal);
      if (attemptNumber > 1) logger.info({ dependency: name, attempts: attemptNumber }, `${name} reachable`);
      return result;
    } catch (error) {
      failure = error;
    }
    if (signal?.aborted) throw new StartupAbortedError(name);
    if (!(failure instanceof NoAnswerError) || reportedFailure === undefined) reportedFailure = failure;
    const remainingMs = deadline - Date.now();
    if (remainingMs < minimumAttemptMs)
      throw new DependencyUnavailableError(name, timeoutMs, reportedFailure);
    const pauseMs = Math.min(delayMs, remainingMs - minimumAttemptMs);
    logger.warn(
      { dependency: name, attempt: attemptNumber, error: describeError(failure), retry_in_ms: pauseMs },
      `${name} not reachable yet`,
    );
    await pause(pauseMs, signal);
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  }
}

async function withinTime<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  budgetMs: number,
  outer: AbortSignal | undefined,
): Promise<T> {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        const error = new NoAnswerError(budgetMs);
        controller.abort(error);
        reject(error);
      },
      Math.max(budgetMs, 1),
    );
  });
  try {
    return await Promise.race([attempt(controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/** The most useful one-line description of a connection error (AggregateError hides it in `errors`). */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return describeError(error.errors[0]);
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
