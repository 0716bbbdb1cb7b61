// The forwarder's settings, read from the parsed `alerta` section and the worker's `forwarding`:
// their defaults are those sections' schemas' (core/config-schema.ts, config.ts).
import { type AlertaConfig, alertaSchema } from '../../core/config-schema.ts';
import { topics } from '../../topics/catalog.ts';
import { type ForwardingConfig, forwardingSchema } from './config.ts';

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
  /** The web console's base URL: when set, each alert links its problem's page (alert-body.ts). */
  consoleUrl: string | undefined;
}

/** What the forwarder reads of the parsed `alerta` section, but where Alerta is. */
type AlertaSettings = Omit<AlertaConfig, 'url' | 'api_key'>;

/** The options but Alerta's address, from the parsed sections; throws when a mapping is not allowed. */
function optionsOf(
  alerta: AlertaSettings,
  forwarding: ForwardingConfig,
): Omit<AlertaForwarderOptions, 'url' | 'apiKey'> {
  const { allowed_environments: allowedEnvironments, environment_map: environmentMap } = alerta;
  const unknownEnvironment = alerta.unknown_environment;
  for (const [from, to] of [...Object.entries(environmentMap), ['unknown_environment', unknownEnvironment]]) {
    if (!allowedEnvironments.includes(to as string)) {
      throw new Error(
        `alerta: environment ${from} maps to '${to}', which is not one of allowed_environments (${allowedEnvironments.join(', ')})`,
      );
    }
  }
  return {
    origin: forwarding.origin,
    environment: alerta.environment,
    allowedEnvironments,
    environmentMap,
    unknownEnvironment,
    fallbackService: alerta.fallback_service,
    maxEventAgeMs: forwarding.max_event_age_ms,
    requestTimeoutMs: alerta.request_timeout_ms,
    deliveredRetentionMs,
    heartbeatCheckIntervalMs: forwarding.heartbeat_check_interval_ms,
    heartbeatForgetAfterMs: forwarding.heartbeat_forget_after_ms,
    heartbeatOriginPrefix: forwarding.heartbeat_origin_prefix,
    consoleUrl: forwarding.console_url,
  };
}

/**
 * Not a config key: longer than the events topic's retention, so any event a replay can bring back
 * is still known as delivered.
 */
const deliveredRetentionMs = topics.events.retentionMs + 5 * 24 * 60 * 60_000;

/** Every default: an `alerta` section with only its address, and no `forwarding`, parsed by their schemas. */
export const defaultForwarderOptions: Omit<AlertaForwarderOptions, 'url' | 'apiKey'> = optionsOf(
  alertaSchema.omit({ url: true, api_key: true }).parse({}),
  forwardingSchema.parse(undefined),
);

export function forwarderOptions(
  required: Pick<AlertaForwarderOptions, 'url' | 'apiKey'> & Partial<AlertaForwarderOptions>,
): AlertaForwarderOptions {
  return { ...defaultForwarderOptions, ...required };
}

/** The forwarder's options from the config file's parsed `alerta` section and its worker section's `forwarding`. */
export function forwarderOptionsFromConfig(
  alerta: AlertaConfig,
  forwarding: ForwardingConfig = forwardingSchema.parse(undefined),
): AlertaForwarderOptions {
  return { url: alerta.url, apiKey: alerta.api_key, ...optionsOf(alerta, forwarding) };
}
