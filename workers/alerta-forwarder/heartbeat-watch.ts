// Stale heartbeats to alerts. Alerta 9 stores heartbeats and computes their status when listed
// (`expired`: none received within its timeout; `slow`: it took longer than HEARTBEAT_MAX_LATENCY to
// arrive) but raises no alert for them itself: that is left to `alerta heartbeats --alert`, run from
// cron. The forwarder does the same for PrimoART's own origins, every check interval:
//
// - expired → `HeartbeatFail` (major), slow → `HeartbeatSlow` (minor), re-sent every check (Alerta
//   counts the repeats as duplicates, and re-opens the alert if someone closed it while still stale);
// - ok → `HeartbeatOK` (normal) only while a Fail/Slow of that origin is open in Alerta: a normal
//   for an origin never alerted would create a new, closed alert for every healthy instance;
// - expired for longer than `forgetAfterMs` → the heartbeat is deleted (a retired instance, which
//   would otherwise alarm forever) and its alert closed; an open alert whose heartbeat was deleted
//   is closed as well.
//
// The three events correlate, so one alert per origin goes open → closed → open. Whether an alert is
// open is read from Alerta each check, not remembered: a restart or a second forwarder changes nothing.
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { describeError } from '../failures.ts';
import type { AlertaAlert } from './alert-body.ts';
import type { AlertaClient, ListedAlert, ListedHeartbeat } from './alerta-client.ts';

export const heartbeatEvents = {
  expired: 'HeartbeatFail',
  slow: 'HeartbeatSlow',
  ok: 'HeartbeatOK',
} as const;
const correlate = Object.values(heartbeatEvents);

/** The environment of heartbeat alerts when the `alerta` section sets none (Alerta's default one). */
export const defaultHeartbeatEnvironment = 'production';

export interface HeartbeatWatchSettings {
  /** `origin` of the alerts: this forwarder instance. */
  origin: string;
  environment: string;
  /** Only heartbeats whose origin starts with this are watched. */
  originPrefix: string;
  forgetAfterMs: number;
}

export type HeartbeatWatchClient = Pick<
  AlertaClient,
  'sendAlert' | 'listHeartbeats' | 'listAlerts' | 'deleteHeartbeat'
>;

/** One thing a check does: send an alert, or delete a retired heartbeat and close its alert. */
export type WatchStep = { alert: AlertaAlert } | { forget: ListedHeartbeat; close: AlertaAlert | undefined };

/** `synth-store instance vm-18101` for `primoart/synth-store/vm-18101`, else the origin itself. */
function instanceOf(origin: string): string {
  const [, worker, ...instance] = origin.split('/');
  return worker !== undefined && instance.length > 0 ? `${worker} instance ${instance.join('/')}` : origin;
}

function heartbeatAlert(
  origin: string,
  kind: keyof typeof heartbeatEvents,
  details: Pick<AlertaAlert, 'value' | 'text' | 'attributes'>,
  settings: Pick<HeartbeatWatchSettings, 'origin' | 'environment'>,
  now: Date,
): AlertaAlert {
  return {
    resource: origin,
    event: heartbeatEvents[kind],
    correlate,
    environment: settings.environment,
    severity: kind === 'expired' ? 'major' : kind === 'slow' ? 'minor' : 'normal',
    service: ['PrimoART'],
    group: 'Heartbeat',
    tags: [],
    origin: settings.origin,
    type: 'heartbeatAlert',
    createTime: now.toISOString(),
    ...details,
  };
}

/** The alert a listed heartbeat's status calls for (a closing one for `ok`). */
export function heartbeatAlertOf(
  heartbeat: ListedHeartbeat,
  settings: Pick<HeartbeatWatchSettings, 'origin' | 'environment'>,
  now: Date,
): AlertaAlert {
  const who = instanceOf(heartbeat.origin);
  const attributes = {
    heartbeatId: heartbeat.id,
    lastHeartbeat: heartbeat.receiveTime,
    timeoutSeconds: heartbeat.timeout,
  };
  const details = {
    // A value that stays the same while the state does: Alerta adds history on each value change.
    expired: {
      value: `last ${heartbeat.receiveTime}`,
      text: `${who} stopped reporting: no heartbeat since ${heartbeat.receiveTime} (timeout ${heartbeat.timeout} s)`,
    },
    slow: {
      value: `${heartbeat.latency} ms`,
      text: `${who}: heartbeats take ${heartbeat.latency} ms to reach Alerta (more than ${heartbeat.maxLatency} ms)`,
    },
    ok: { value: 'ok', text: `${who} reports again (heartbeat at ${heartbeat.receiveTime})` },
  }[heartbeat.status];
  return heartbeatAlert(heartbeat.origin, heartbeat.status, { ...details, attributes }, settings, now);
}

/** Closes the open alert of an origin whose heartbeat is gone (deleted here, or by someone in Alerta). */
function retiredAlertOf(
  origin: string,
  reason: string,
  settings: Pick<HeartbeatWatchSettings, 'origin' | 'environment'>,
  now: Date,
): AlertaAlert {
  const text = `${instanceOf(origin)} taken as retired: ${reason}`;
  return heartbeatAlert(origin, 'ok', { value: 'retired', text, attributes: {} }, settings, now);
}

function isExpiredBeyond(heartbeat: ListedHeartbeat, forgetAfterMs: number): boolean {
  return heartbeat.status === 'expired' && (heartbeat.since - heartbeat.timeout) * 1000 > forgetAfterMs;
}

/** What one check does, from our origins' heartbeats and the resources of their open Fail/Slow alerts. */
export function watchStepsFor(
  heartbeats: ListedHeartbeat[],
  openAlerts: ReadonlySet<string>,
  settings: Omit<HeartbeatWatchSettings, 'originPrefix'>,
  now: Date,
): WatchStep[] {
  const steps: WatchStep[] = [];
  const listed = new Set<string>();
  for (const heartbeat of heartbeats) {
    listed.add(heartbeat.origin);
    if (isExpiredBeyond(heartbeat, settings.forgetAfterMs)) {
      const reason = `no heartbeat since ${heartbeat.receiveTime}, for longer than ${settings.forgetAfterMs / 3_600_000} h; its heartbeat was deleted`;
      const close = openAlerts.has(heartbeat.origin)
        ? retiredAlertOf(heartbeat.origin, reason, settings, now)
        : undefined;
      steps.push({ forget: heartbeat, close });
    } else if (heartbeat.status !== 'ok' || openAlerts.has(heartbeat.origin)) {
      steps.push({ alert: heartbeatAlertOf(heartbeat, settings, now) });
    }
  }
  for (const origin of openAlerts)
    if (!listed.has(origin))
      steps.push({ alert: retiredAlertOf(origin, 'its heartbeat was deleted in Alerta', settings, now) });
  return steps;
}

function watchMetrics(registry: Registry) {
  return {
    alerts: new Counter({
      name: 'primoart_alerta_forwarder_heartbeat_alerts_total',
      help: 'Heartbeat alerts Alerta accepted, by event (HeartbeatFail, HeartbeatSlow, HeartbeatOK)',
      labelNames: ['event'],
      registers: [registry],
    }),
    forgotten: new Counter({
      name: 'primoart_alerta_forwarder_heartbeats_forgotten_total',
      help: 'Heartbeats of retired instances (expired beyond heartbeat_forget_after_ms) deleted in Alerta',
      registers: [registry],
    }),
    errors: new Counter({
      name: 'primoart_alerta_forwarder_heartbeat_watch_errors_total',
      help: 'Heartbeat watch requests to Alerta that failed (listing, alert, delete)',
      registers: [registry],
    }),
  };
}

export interface HeartbeatWatchDeps {
  client: HeartbeatWatchClient;
  settings: HeartbeatWatchSettings;
  logger: Pick<Logger, 'warn' | 'info'>;
  metrics: Registry;
  now?: () => Date;
}

/** One check: list, decide, act. Failures are logged and counted, never thrown. */
export function heartbeatCheck(deps: HeartbeatWatchDeps): () => Promise<void> {
  const { client, settings, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const metrics = watchMetrics(deps.metrics);
  let listingFails = false;

  async function openAlerts(): Promise<Set<string>> {
    const alerts: ListedAlert[] = await client.listAlerts({
      group: 'Heartbeat',
      environment: settings.environment,
      event: [heartbeatEvents.expired, heartbeatEvents.slow],
      'status!': 'closed',
      resource: `~${settings.originPrefix}`,
      'sort-by': 'resource',
    });
    return new Set(alerts.map((alert) => alert.resource).filter((r) => r.startsWith(settings.originPrefix)));
  }

  async function ourHeartbeats(): Promise<ListedHeartbeat[]> {
    // `~` is Alerta's substring match; sorted, so that pages do not shift under concurrent upserts.
    const heartbeats = await client.listHeartbeats({
      origin: `~${settings.originPrefix}`,
      'sort-by': 'origin',
    });
    return heartbeats.filter((heartbeat) => heartbeat.origin.startsWith(settings.originPrefix));
  }

  async function send(alert: AlertaAlert): Promise<void> {
    await client.sendAlert(alert);
    metrics.alerts.inc({ event: alert.event });
  }

  async function run(step: WatchStep): Promise<void> {
    if ('alert' in step) return send(step.alert);
    await client.deleteHeartbeat(step.forget.id);
    metrics.forgotten.inc();
    logger.info(
      { origin: step.forget.origin, last_heartbeat: step.forget.receiveTime },
      'heartbeat of a retired instance deleted in Alerta',
    );
    if (step.close !== undefined) await send(step.close);
  }

  return async function check(): Promise<void> {
    let steps: WatchStep[];
    try {
      const [heartbeats, open] = await Promise.all([ourHeartbeats(), openAlerts()]);
      steps = watchStepsFor(heartbeats, open, settings, now());
      if (listingFails) logger.info({}, 'heartbeat watch reads Alerta again');
      listingFails = false;
    } catch (error) {
      metrics.errors.inc();
      // Once per failure streak: Alerta down for an hour is one line, not 60.
      if (!listingFails)
        logger.warn({ err: describeError(error) }, 'heartbeat watch could not list heartbeats or alerts');
      listingFails = true;
      return;
    }
    for (const step of steps) {
      try {
        await run(step);
      } catch (error) {
        metrics.errors.inc();
        const origin = 'alert' in step ? step.alert.resource : step.forget.origin;
        logger.warn(
          { origin, err: describeError(error) },
          'heartbeat watch request failed; next check retries',
        );
      }
    }
  };
}
