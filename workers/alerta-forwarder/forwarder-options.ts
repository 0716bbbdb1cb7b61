// The forwarder's settings, with their defaults in one place.
import type { AlertaConfig } from '../../core/config-schema.ts';
import { topics } from '../../topics/catalog.ts';
import { heartbeatDefaults } from '../heartbeats.ts';
import type { ForwardingConfig } from './config.ts';

export interface AlertaForwarderOptions {
  /**
   * Alerta's API base URL: `<url>/alert` and `<url>/heartbeat` are posted to. gunicorn running
   * `alerta:create_app()` serves the API at its root; behind Alerta's web UI proxy it is `…/api`.
   */
  url: string;
  /** Sent as `Authorization: Key <apiKey>`. */
  apiKey: string;
  /** `origin` of every alert and heartbeat. */
  origin: string;
  /** Replaces the events' environment when set (it must be in Alerta's ALLOWED_ENVIRONMENTS). */
  environment: string | undefined;
  /** Alerta's ALLOWED_ENVIRONMENTS: an event's environment is sent as one of these (alert-text.ts). */
  allowedEnvironments: readonly string[];
  /** Other environment names (case-insensitive) → an allowed one; the config's entries add to the defaults. */
  environmentMap: Readonly<Record<string, string>>;
  /** Where every environment neither allowed nor mapped goes (the original stays an attribute). */
  unknownEnvironment: string;
  /** Used when an event carries an empty service (Alerta refuses an empty list). */
  fallbackService: string;
  /** Events older than this when forwarded (a replay, a long outage) are recorded but not sent. */
  maxEventAgeMs: number;
  /** Per request: connect, headers and body. */
  requestTimeoutMs: number;
  /**
   * How long the ids of delivered events are kept (by `occurred_at`): longer than the events topic's
   * retention, so any event a replay can bring back is still known as delivered.
   */
  deliveredRetentionMs: number;
  /** How often the heartbeat watch reads Alerta's heartbeats and raises or closes their alerts. */
  heartbeatCheckIntervalMs: number;
  /** A heartbeat expired for longer than this belongs to a retired instance: deleted, its alert closed. */
  heartbeatForgetAfterMs: number;
  /** The heartbeat watch looks only at origins starting with this (PrimoART's own). */
  heartbeatOriginPrefix: string;
}

export const defaultForwarderOptions: Omit<AlertaForwarderOptions, 'url' | 'apiKey'> = {
  origin: 'primoart/event-detector',
  environment: undefined,
  // Alerta's own default ALLOWED_ENVIRONMENTS (the stack's and compose's Alerta use it as well).
  allowedEnvironments: ['production', 'staging', 'development', 'test'],
  environmentMap: {
    prod: 'production',
    prd: 'production',
    live: 'production',
    stage: 'staging',
    stg: 'staging',
    preprod: 'staging',
    'pre-prod': 'staging',
    uat: 'staging',
    dev: 'development',
    qa: 'test',
    testing: 'test',
  },
  // Alerta's own DEFAULT_ENVIRONMENT: an alert of an environment nobody mapped is shown, not lost.
  unknownEnvironment: 'production',
  fallbackService: 'PrimoART',
  maxEventAgeMs: 15 * 60_000,
  // Alerta's request timeout is the frame's too (../heartbeats.ts): one `alerta` section. The
  // heartbeats' interval and timeout are read by the frame alone (startWorkerHeartbeats).
  requestTimeoutMs: heartbeatDefaults.requestTimeoutMs,
  deliveredRetentionMs: topics.events.retentionMs + 5 * 24 * 60 * 60_000,
  heartbeatCheckIntervalMs: 60_000,
  heartbeatForgetAfterMs: 24 * 60 * 60_000,
  heartbeatOriginPrefix: 'primoart/',
};

export function forwarderOptions(
  required: Pick<AlertaForwarderOptions, 'url' | 'apiKey'> & Partial<AlertaForwarderOptions>,
): AlertaForwarderOptions {
  return { ...defaultForwarderOptions, ...required };
}

/** The forwarder's options from the config file's `alerta` section and its worker section's `forwarding`. */
export function forwarderOptionsFromConfig(
  alerta: AlertaConfig,
  forwarding: ForwardingConfig = {},
): AlertaForwarderOptions {
  const defaults = defaultForwarderOptions;
  const allowedEnvironments = alerta.allowed_environments ?? defaults.allowedEnvironments;
  const environmentMap = { ...defaults.environmentMap, ...alerta.environment_map };
  const unknownEnvironment = alerta.unknown_environment ?? defaults.unknownEnvironment;
  for (const [from, to] of [...Object.entries(environmentMap), ['unknown_environment', unknownEnvironment]]) {
    if (!allowedEnvironments.includes(to as string)) {
      throw new Error(
        `alerta: environment ${from} maps to '${to}', which is not one of allowed_environments (${allowedEnvironments.join(', ')})`,
      );
    }
  }
  return {
    url: alerta.url,
    apiKey: alerta.api_key,
    origin: forwarding.origin ?? defaults.origin,
    environment: alerta.environment ?? defaults.environment,
    allowedEnvironments,
    environmentMap,
    unknownEnvironment,
    fallbackService: alerta.fallback_service ?? defaults.fallbackService,
    maxEventAgeMs: forwarding.max_event_age_ms ?? defaults.maxEventAgeMs,
    requestTimeoutMs: alerta.request_timeout_ms ?? defaults.requestTimeoutMs,
    deliveredRetentionMs: defaults.deliveredRetentionMs,
    heartbeatCheckIntervalMs: forwarding.heartbeat_check_interval_ms ?? defaults.heartbeatCheckIntervalMs,
    heartbeatForgetAfterMs: forwarding.heartbeat_forget_after_ms ?? defaults.heartbeatForgetAfterMs,
    heartbeatOriginPrefix: forwarding.heartbeat_origin_prefix ?? defaults.heartbeatOriginPrefix,
  };
}
