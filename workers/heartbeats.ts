// Heartbeats to Alerta from a running worker, so that a stalled pipeline is itself an alert: Alerta
// marks an origin stale once no heartbeat came within its timeout.
//
// One origin per instance, `primoart/<worker>/<host>-<port>`: Alerta keys heartbeats by origin, so
// instances sharing one origin would hide each other's death. The listen port tells instances on a
// host apart and stays the same across restarts (a restarted instance refreshes its own heartbeat
// instead of leaving a stale one behind); with port 0 (a free port each start) the pid stands in.
//
// The harness's frame sends them (define-worker.ts) from the config's `alerta` section, with a
// sender of its own: a heartbeat is one POST, and the frame needs nothing of the forwarder.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { Agent, request } from 'undici';
import { type AlertaConfig, parseHostPort } from '../core/config-schema.ts';
import { type Repeating, repeatEvery } from '../core/repeat.ts';
import { describeError } from './failures.ts';

/** The fields of Alerta's heartbeat format we send (https://docs.alerta.io/api/heartbeat.html). */
export interface AlertaHeartbeat {
  origin: string;
  tags: string[];
  attributes: Record<string, string>;
  type: 'Heartbeat';
  createTime: string;
  /** Seconds without a heartbeat before Alerta considers the origin stale. */
  timeout: number;
}

export function heartbeatOf(
  options: { origin: string; heartbeatTimeoutSeconds: number },
  now: Date,
  tags: string[] = [],
): AlertaHeartbeat {
  return {
    origin: options.origin,
    tags,
    attributes: {},
    type: 'Heartbeat',
    createTime: now.toISOString(),
    timeout: options.heartbeatTimeoutSeconds,
  };
}

export interface HeartbeatSender {
  sendHeartbeat(heartbeat: AlertaHeartbeat): Promise<void>;
  close(): Promise<void>;
}

/** POSTs heartbeats to `<url>/heartbeat`; a non-2xx answer is an error naming its status. */
export function createHeartbeatSender(options: {
  url: string;
  apiKey: string;
  requestTimeoutMs: number;
}): HeartbeatSender {
  const dispatcher = new Agent({
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
    connectTimeout: options.requestTimeoutMs,
  });
  return {
    async sendHeartbeat(heartbeat) {
      const response = await request(`${options.url.replace(/\/+$/, '')}/heartbeat`, {
        method: 'POST',
        dispatcher,
        headers: { authorization: `Key ${options.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(heartbeat),
      });
      const text = await response.body.text();
      if (response.statusCode < 200 || response.statusCode >= 300)
        throw new Error(`Alerta answered ${response.statusCode}: ${text.slice(0, 200)}`);
    },
    close: () => dispatcher.close(),
  };
}

/** Every worker's heartbeats from the parsed `alerta` section (its defaults: core/config-schema.ts), or none without one. */
export function startWorkerHeartbeats(deps: {
  worker: string;
  listen: string;
  alerta: AlertaConfig | undefined;
  logger: Pick<Logger, 'warn' | 'info'>;
  metrics: Registry;
}): Heartbeats | undefined {
  const { alerta } = deps;
  if (alerta === undefined) return undefined;
  const sender = createHeartbeatSender({
    url: alerta.url,
    apiKey: alerta.api_key,
    requestTimeoutMs: alerta.request_timeout_ms,
  });
  const running = startHeartbeats({
    client: sender,
    settings: {
      origin: heartbeatOriginOf(deps.worker, deps.listen),
      intervalMs: alerta.heartbeat_interval_ms,
      // Alerta's heartbeat timeout is in seconds; the schema accepts only whole ones.
      timeoutSeconds: alerta.heartbeat_timeout_ms / 1000,
      tags: [],
    },
    logger: deps.logger,
    metrics: deps.metrics,
  });
  return {
    async stop() {
      await running.stop();
      await sender.close();
    },
  };
}

export interface HeartbeatSettings {
  origin: string;
  intervalMs: number;
  timeoutSeconds: number;
  tags: string[];
}

export type Heartbeats = Repeating;

export function heartbeatOriginOf(
  worker: string,
  listen: string,
  host: string = hostname(),
  pid: number = process.pid,
): string {
  const port = parseHostPort(listen)?.port ?? 0;
  return `primoart/${worker}/${host}-${port === 0 ? `pid${pid}` : port}`;
}

function heartbeatMetrics(registry: Registry) {
  return {
    sent: new Counter({
      name: 'primoart_heartbeats_sent_total',
      help: 'Heartbeats Alerta accepted',
      registers: [registry],
    }),
    failed: new Counter({
      name: 'primoart_heartbeats_failed_total',
      help: 'Heartbeats that did not reach Alerta',
      registers: [registry],
    }),
  };
}

/** Sends a heartbeat now and then every `intervalMs` until stopped; failures are logged, never thrown. */
export function startHeartbeats(deps: {
  client: Pick<HeartbeatSender, 'sendHeartbeat'>;
  settings: HeartbeatSettings;
  logger: Pick<Logger, 'warn' | 'info'>;
  metrics: Registry;
  now?: () => Date;
}): Heartbeats {
  const { client, settings, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const metrics = heartbeatMetrics(deps.metrics);
  let failing = false;

  async function beat(): Promise<void> {
    const heartbeat = heartbeatOf(
      { origin: settings.origin, heartbeatTimeoutSeconds: settings.timeoutSeconds },
      now(),
      settings.tags,
    );
    try {
      await client.sendHeartbeat(heartbeat);
      metrics.sent.inc();
      if (failing) logger.info({ origin: settings.origin }, 'heartbeats reach Alerta again');
      failing = false;
    } catch (error) {
      metrics.failed.inc();
      // Once per failure streak: Alerta down for an hour is one line, not 120.
      if (!failing) {
        logger.warn(
          { origin: settings.origin, err: describeError(error) },
          'heartbeat to Alerta failed; retrying every interval',
        );
      }
      failing = true;
    }
  }

  return repeatEvery(settings.intervalMs, beat);
}
