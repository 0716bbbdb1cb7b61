// The forwarder's settings, with their defaults in one place.

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
  /** Used when an event carries an empty service (Alerta refuses an empty list). */
  fallbackService: string;
  /** Events older than this when forwarded (a replay, a long outage) are recorded but not sent. */
  maxEventAgeMs: number;
  /** Per request: connect, headers and body. */
  requestTimeoutMs: number;
  /** `timeout` of heartbeats: Alerta reports the pipeline stale once no heartbeat came for this long. */
  heartbeatTimeoutSeconds: number;
}

export const defaultForwarderOptions: Omit<AlertaForwarderOptions, 'url' | 'apiKey'> = {
  origin: 'primoart/event-detector',
  environment: undefined,
  fallbackService: 'PrimoART',
  maxEventAgeMs: 15 * 60_000,
  requestTimeoutMs: 10_000,
  heartbeatTimeoutSeconds: 120,
};

export function forwarderOptions(
  required: Pick<AlertaForwarderOptions, 'url' | 'apiKey'> & Partial<AlertaForwarderOptions>,
): AlertaForwarderOptions {
  return { ...defaultForwarderOptions, ...required };
}
