// Heartbeats to Alerta from a running worker, so that a stalled pipeline is itself an alert: Alerta
// marks an origin stale once no heartbeat came within its timeout.
//
// One origin per instance, `primoart/<worker>/<host>-<port>`: Alerta keys heartbeats by origin, so
// instances sharing one origin would hide each other's death. The listen port tells instances on a
// host apart and stays the same across restarts (a restarted instance refreshes its own heartbeat
// instead of leaving a stale one behind); with port 0 (a free port each start) the pid stands in.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { parseHostPort } from '../core/config-schema.ts';
import { type Repeating, repeatEvery } from '../core/repeat.ts';
import { type AlertaClient, heartbeatOf } from './alerta-forwarder/alerta-client.ts';
import { describeError } from './failures.ts';

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
  client: Pick<AlertaClient, 'sendHeartbeat'>;
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
