// Per-key rate limiting: one token bucket per API key, in this gateway instance's memory.
// A bucket holds up to `burst` tokens and refills at `requestsPerSecond`; a request takes one
// token or is refused with the time until the next token. Instances do not share buckets, so N
// gateways behind a load balancer allow up to N times the configured rate in total.

export interface RateLimitOptions {
  requestsPerSecond: number;
  burst: number;
  /** The clock, in milliseconds; tests pass their own. */
  now?: () => number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets are dropped once full again (an idle key), checked every this many decisions. */
const sweepEvery = 1000;

export function createRateLimiter(options: RateLimitOptions) {
  const { requestsPerSecond, burst } = options;
  const now = options.now ?? Date.now;
  const buckets = new Map<string, Bucket>();
  let decisions = 0;

  const refill = (bucket: Bucket, at: number): void => {
    const elapsedSeconds = Math.max(0, at - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(burst, bucket.tokens + elapsedSeconds * requestsPerSecond);
    bucket.updatedAt = at;
  };

  const sweep = (at: number): void => {
    for (const [key, bucket] of buckets) {
      refill(bucket, at);
      if (bucket.tokens >= burst) buckets.delete(key);
    }
  };

  return {
    /** Take a token from `key`'s bucket, or say how many whole seconds until one is available. */
    take(key: string): RateDecision {
      const at = now();
      if (++decisions % sweepEvery === 0) sweep(at);
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = { tokens: burst, updatedAt: at };
        buckets.set(key, bucket);
      }
      refill(bucket, at);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      const secondsUntilToken = (1 - bucket.tokens) / requestsPerSecond;
      // The epsilon keeps float noise (1.0000000001 s) from adding a whole second.
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(secondsUntilToken - 1e-9)) };
    },
    /** Keys with a bucket that is not full; for tests and metrics. */
    trackedKeys: (): number => buckets.size,
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
