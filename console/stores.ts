// The stores the console reads, and its view of which of them answer. The console never writes:
// PostgreSQL is read through a pool (as a role with SELECT only where the stack has one), the
// Victoria stores through their query URLs, MinIO with GetObject on the artifacts bucket.
//
// Bounded load: every PostgreSQL session of the pool has `statement_timeout`
// (`console.statement_timeout_ms`), so no question holds a connection and a core for long; a
// streamed CSV export sets its own longer bound inside its transaction (queries/runs.ts).
//
// Health: a probe per store every `probe_interval_ms` (PostgreSQL `SELECT 1` on a connection of its
// own, not the pool's — a pool busy with slow questions is not a PostgreSQL that is down — VictoriaMetrics and
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
  /**
   * What the config bounds questions by (`console.max_period_days`, and
   * `console.export_statement_timeout_ms`: a streamed export's statement bound, none if absent).
   */
  limits: { maxPeriodDays: number; exportStatementTimeoutMs?: number };
}

export interface StoreSections {
  postgres: PostgresConfig;
  minio: MinioConfig;
  victoriaMetricsUrl: string;
  victoriaLogsUrl: string;
  maxPeriodDays: number;
  /** `statement_timeout` of every pooled session (ms). */
  statementTimeoutMs: number;
  /** `statement_timeout` of a streamed CSV export (ms), set in its own transaction. */
  exportStatementTimeoutMs: number;
}

/**
 * The server-side settings of every console session: read only, each statement bounded; no JIT
 * (the reports' plans cost enough to be compiled, which took ~100 of the step-level SLA's ~380 ms
 * at 5 M runs and saves less than it costs on queries this short); and room to sort a report's
 * facts in memory (the step level's ~84,000 fact rows spilled ~7 MB to disk with the default 4 MB).
 */
export function sessionOptions(statementTimeoutMs: number): string {
  return [
    '-c default_transaction_read_only=on',
    `-c statement_timeout=${Math.trunc(statementTimeoutMs)}`,
    '-c jit=off',
    '-c work_mem=32MB',
  ].join(' ');
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
    options: sessionOptions(sections.statementTimeoutMs),
    application_name: 'primoart-console',
    // A PostgreSQL that does not answer fails a request (503 after the recheck) instead of holding it.
    connectionTimeoutMillis: 5000,
  });
  return {
    postgres,
    victoriaMetrics: { url: sections.victoriaMetricsUrl },
    victoriaLogs: { url: sections.victoriaLogsUrl },
    minio: { client: minioClientFromConfig(sections.minio), bucket: sections.minio.bucket },
    limits: {
      maxPeriodDays: sections.maxPeriodDays,
      exportStatementTimeoutMs: sections.exportStatementTimeoutMs,
    },
  };
}

async function httpHealth(baseUrl: string, signal: AbortSignal): Promise<void> {
  const response = await request(new URL('/health', baseUrl), { signal });
  const body = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`/health answered ${response.statusCode}: ${body}`);
}

/**
 * `SELECT 1` on one connection of its own (see the header), opened when a probe needs it and
 * dropped when one fails, so the next probe connects anew. `close()` ends it.
 */
export function openPostgresProbe(connect: () => pg.Client): StoreProbe & { close(): Promise<void> } {
  let client: Promise<pg.Client> | undefined;
  const drop = () => {
    const dropped = client;
    client = undefined;
    return dropped?.then((c) => c.end()).catch(() => undefined);
  };
  const probe = async (signal: AbortSignal) => {
    // A probe that times out drops its connection too: a hung one is never asked again.
    const onAbort = () => void drop();
    signal.addEventListener('abort', onAbort, { once: true });
    client ??= (async () => {
      const fresh = connect();
      // A connection lost between probes is found by the next probe's query; not a crash.
      fresh.on('error', () => undefined);
      await fresh.connect();
      return fresh;
    })();
    try {
      await (await client).query('SELECT 1');
    } catch (error) {
      void drop();
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };
  return Object.assign(probe, { close: async () => void (await drop()) });
}

/** One probe per store (see the header); `postgres` is the probe's own connection. */
export function storeProbes(stores: ConsoleStores, postgres: StoreProbe): Record<StoreName, StoreProbe> {
  return {
    postgres,
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
