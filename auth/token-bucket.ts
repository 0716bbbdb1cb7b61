// Token buckets, one per key, in this process's memory. The gateway uses them for the per-API-key
// rate limit, counted in records (results, spans, data points, log records); the gateway and the
// console for the failed-authentication limit per source address (auth-failures.ts).
//
// A bucket holds up to `burst` tokens and refills at `perSecond`. The record count of a request is
// known only after its body was decoded, so the check has two steps: `admit` lets a request in
// while its key's bucket holds at least one token (it takes nothing), `take` then takes its record
// count. A request larger than the whole burst is let through on a full bucket and leaves the bucket
// in debt, so even a request over the burst goes through once the key has been quiet, and the
// average rate still holds. Instances do not share buckets: N gateways behind a load balancer allow
// up to N times the configured rate in total.

export interface BucketLimit {
  /** Refill rate, tokens per second (fractions allowed). */
  perSecond: number;
  /** Capacity: what a key that was quiet may spend at once. */
  burst: number;
}

export interface RateLimitOptions {
  /** The clock, in milliseconds; tests pass their own. */
  now?: () => number;
  /**
   * At most this many buckets: the least recently used ones are dropped beyond it (keys that come
   * from the outside, such as source addresses, must not grow memory without bound).
   */
  maxKeys?: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
  limit: BucketLimit;
}

/** Buckets are dropped once full again (an idle key), checked every this many decisions. */
const sweepEvery = 1000;

/** Whole seconds until `missing` tokens are back, never below one. */
function retryAfter(missing: number, perSecond: number): RateDecision {
  // The epsilon keeps float noise (1.0000000001 s) from adding a whole second.
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(missing / perSecond - 1e-9)) };
}

export function createRateLimiter(options: RateLimitOptions = {}) {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? Number.POSITIVE_INFINITY;
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const buckets = new Map<string, Bucket>();
  let decisions = 0;

  const refill = (bucket: Bucket, at: number): void => {
    const elapsedSeconds = Math.max(0, at - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(bucket.limit.burst, bucket.tokens + elapsedSeconds * bucket.limit.perSecond);
    bucket.updatedAt = at;
  };

  const sweep = (at: number): void => {
    for (const [key, bucket] of buckets) {
      refill(bucket, at);
      if (bucket.tokens >= bucket.limit.burst) buckets.delete(key);
    }
  };

  /** `key`'s bucket, refilled to `at`, with `limit` as its limit from now on. */
  const bucketOf = (key: string, limit: BucketLimit, at: number): Bucket => {
    if (++decisions % sweepEvery === 0) sweep(at);
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: limit.burst, updatedAt: at, limit };
    } else {
      buckets.delete(key);
      refill(bucket, at);
      bucket.limit = limit;
      bucket.tokens = Math.min(bucket.tokens, limit.burst);
    }
    buckets.set(key, bucket);
    if (buckets.size > maxKeys) {
      const oldest = buckets.keys().next().value;
      if (oldest !== undefined) buckets.delete(oldest);
    }
    return bucket;
  };

  return {
    /** Whether `key` may start a request: its bucket holds at least one token. Takes nothing. */
    admit(key: string, limit: BucketLimit): RateDecision {
      const bucket = bucketOf(key, limit, now());
      return bucket.tokens >= 1 ? { allowed: true } : retryAfter(1 - bucket.tokens, limit.perSecond);
    },
    /**
     * Take `count` tokens when the bucket holds them (or, for a count over the burst, when it is
     * full); otherwise take nothing and say how many whole seconds until it would.
     */
    take(key: string, count: number, limit: BucketLimit): RateDecision {
      const bucket = bucketOf(key, limit, now());
      const needed = Math.min(count, limit.burst);
      if (bucket.tokens >= needed) {
        bucket.tokens -= count;
        return { allowed: true };
      }
      return retryAfter(needed - bucket.tokens, limit.perSecond);
    },
    /** Take `count` tokens whatever the bucket holds (it may go into debt). */
    charge(key: string, count: number, limit: BucketLimit): void {
      bucketOf(key, limit, now()).tokens -= count;
    },
    /** Keys with a bucket that is not full; for tests and metrics. */
    trackedKeys: (): number => buckets.size,
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
