// The stores the console reads, and its view of which of them answer. The console never writes:
// PostgreSQL is read through a pool (as a role with SELECT only where the stack has one), the
// Victoria stores through their query URLs, MinIO with GetObject on the artifacts bucket.
//
// Health: a probe per store every `probe_interval_ms` (PostgreSQL `SELECT 1`, VictoriaMetrics and
// VictoriaLogs `/health`, MinIO `bucketExists`), so a request to an endpoint whose store is known
// to be down is answered 503 at once, without waiting for a connection timeout. The view may be up
// to one interval stale, so when a handler fails the endpoint's stores are probed again right away:
// a store found down then turns the failure into a 503 naming it; otherwise it is a 500 (a bug).
import type { Client as MinioClient } from 'minio';
import pg from 'pg';
import { request } from 'undici';
import type { MinioConfig, PostgresConfig } from '../core/config-schema.ts';
import { minioClientFromConfig } from '../core/minio-client.ts';

/** What an endpoint may read (design: one name per store, `stores` of an Endpoint). */
export const storeNames = ['postgres', 'victoria-metrics', 'victoria-logs', 'minio'] as const;
export type StoreName = (typeof storeNames)[number];

export interface ConsoleStores {
  /** Read only. Use parameters (`$1`), never SQL built from input. */
  postgres: pg.Pool;
  /** VictoriaMetrics' base URL (`/api/v1/query_range`, …); escape label values put in a query. */
  victoriaMetrics: { url: string };
  /** VictoriaLogs' base URL (`/select/logsql/query`); quote values put in a LogsQL query. */
  victoriaLogs: { url: string };
  /** GetObject / StatObject on `bucket` only. */
  minio: { client: MinioClient; bucket: string };
  /** What the config bounds questions by (`console.max_period_days`). */
  limits: { maxPeriodDays: number };
}

export interface StoreSections {
  postgres: PostgresConfig;
  minio: MinioConfig;
  victoriaMetricsUrl: string;
  victoriaLogsUrl: string;
  maxPeriodDays: number;
}

/**
 * The console's handles on its stores. PostgreSQL sessions are read only
 * (`default_transaction_read_only`): whatever role the URL names, a statement of the console that
 * tried to write would fail in the server (the local stack has no second role to give it).
 */
export function openStores(sections: StoreSections): ConsoleStores {
  const postgres = new pg.Pool({
    connectionString: sections.postgres.url,
    max: sections.postgres.pool_max,
    options: '-c default_transaction_read_only=on',
    application_name: 'primoart-console',
    // A PostgreSQL that does not answer fails a request (503 after the recheck) instead of holding it.
    connectionTimeoutMillis: 5000,
  });
  return {
    postgres,
    victoriaMetrics: { url: sections.victoriaMetricsUrl },
    victoriaLogs: { url: sections.victoriaLogsUrl },
    minio: { client: minioClientFromConfig(sections.minio), bucket: sections.minio.bucket },
    limits: { maxPeriodDays: sections.maxPeriodDays },
  };
}

async function httpHealth(baseUrl: string, signal: AbortSignal): Promise<void> {
  const response = await request(new URL('/health', baseUrl), { signal });
  const body = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`/health answered ${response.statusCode}: ${body}`);
}

/** One probe per store (see the header). */
export function storeProbes(stores: ConsoleStores): Record<StoreName, StoreProbe> {
  return {
    postgres: async () => {
      await stores.postgres.query('SELECT 1');
    },
    'victoria-metrics': (signal) => httpHealth(stores.victoriaMetrics.url, signal),
    'victoria-logs': (signal) => httpHealth(stores.victoriaLogs.url, signal),
    minio: async () => {
      if (!(await stores.minio.client.bucketExists(stores.minio.bucket)))
        throw new Error(`bucket ${stores.minio.bucket} does not exist`);
    },
  };
}

/** The console's view of which stores answer (see the header). */
export interface StoreHealth {
  /** The first of `stores` last seen down, if any. */
  down(stores: readonly StoreName[]): StoreName | undefined;
  /** Probe `stores` now (after a handler failed) and return the first that is down, if any. */
  recheck(stores: readonly StoreName[]): Promise<StoreName | undefined>;
}

/** A probe answers when its store is up and throws (or times out) when it is not. */
export type StoreProbe = (signal: AbortSignal) => Promise<void>;

export interface StoreHealthOptions {
  probes: Partial<Record<StoreName, StoreProbe>>;
  intervalMs: number;
  /** How long one probe may take before its store counts as down. */
  timeoutMs: number;
  /** Told when a store goes down or comes back. */
  onChange?(store: StoreName, up: boolean, error: unknown): void;
}

/**
 * Probes every store once, then every `intervalMs` in the background; `stop()` ends it. A store
 * without a probe (not configured) is always down: an endpoint needing it answers 503.
 */
export async function watchStoreHealth(options: StoreHealthOptions): Promise<StoreHealth & { stop(): void }> {
  const up = new Map<StoreName, boolean>();
  const probeOne = async (store: StoreName): Promise<boolean> => {
    const probe = options.probes[store];
    if (probe === undefined) return false;
    const signal = AbortSignal.timeout(options.timeoutMs);
    let error: unknown;
    try {
      await Promise.race([
        probe(signal),
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      ]);
    } catch (caught) {
      error = caught;
    }
    const isUp = error === undefined;
    if (up.get(store) !== isUp) options.onChange?.(store, isUp, error);
    up.set(store, isUp);
    return isUp;
  };
  const probeAll = () => Promise.all(storeNames.map(probeOne));
  await probeAll();
  let running = false;
  const timer = setInterval(() => {
    // One round at a time: a hanging store never piles probes up.
    if (running) return;
    running = true;
    void probeAll().finally(() => {
      running = false;
    });
  }, options.intervalMs);
  timer.unref();
  return {
    down: (stores) => stores.find((store) => up.get(store) !== true),
    async recheck(stores) {
      const results = await Promise.all(stores.map(probeOne));
      return stores.find((_, index) => results[index] !== true);
    },
    stop: () => clearInterval(timer),
  };
}
