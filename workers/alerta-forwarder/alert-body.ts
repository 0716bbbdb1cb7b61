// From a detected event to the body of Alerta's `POST /alert`.
//
// Alerta keys an alert on environment + resource + event: the same severity again counts as a
// duplicate, another severity updates the alert, `normal` closes it. So one problem of one series is always one alert: the resource
// names the series by transaction id (stable across renames) and location, the event names the kind.
// Robot-supplied text is normalised on the way (alert-text.ts): key fields to one deterministic
// form, shown text HTML-escaped, the environment one Alerta accepts.
import type { DetectedEvent, EventKind } from '../../schemas/record-types.ts';
import { alertaEnvironmentOf, attributeMaxLength, keyField, shownText } from './alert-text.ts';
import type { AlertaForwarderOptions } from './forwarder-options.ts';

/** The fields of Alerta's alert format we send (https://docs.alerta.io/api/alert.html). */
export interface AlertaAlert {
  resource: string;
  event: string;
  environment: string;
  severity: 'critical' | 'major' | 'minor' | 'warning' | 'normal';
  /** Events that replace each other on the same resource (a heartbeat's Fail, Slow and OK). */
  correlate?: string[];
  service: string[];
  group: string;
  value: string;
  text: string;
  tags: string[];
  attributes: Record<string, string | number | boolean | null>;
  origin: string;
  type: string;
  createTime: string;
}

export const alertaEventNames: Record<EventKind, { event: string; group: string }> = {
  availability: { event: 'TransactionUnavailable', group: 'Availability' },
  performance: { event: 'TransactionSlow', group: 'Performance' },
  degraded: { event: 'TransactionDegraded', group: 'Availability' },
  no_data: { event: 'TransactionNoData', group: 'Monitoring' },
};

/** `transaction_id` for the transaction overall, `transaction_id@location` for one location. */
export function alertResourceOf(event: Pick<DetectedEvent, 'transaction_id' | 'location'>): string {
  return keyField(
    event.location === null ? event.transaction_id : `${event.transaction_id}@${event.location}`,
    'unknown',
  );
}

/** A transaction id as the events' schema types it (Avro logicalType uuid). */
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The web console's page of the event's problem: its transaction, narrowed to the location when the
 * problem is one location's. Built with `new URL`, so the location (robot text) can only ever be a
 * percent-encoded query value, and relative to the base with a trailing `/`, so a console served
 * under a path prefix keeps it. Only a UUID is put in the path: for anything else there is no link.
 */
export function consoleLinkOf(
  event: Pick<DetectedEvent, 'transaction_id' | 'location'>,
  consoleUrl: string,
): string | undefined {
  if (!uuidPattern.test(event.transaction_id)) return undefined;
  const base = new URL(consoleUrl);
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  const link = new URL(`transactions/${event.transaction_id.toLowerCase()}`, base);
  if (event.location !== null) link.searchParams.set('location', event.location);
  return link.href;
}

/** An attribute value as Alerta's web UI shows it (escaped; numbers and null as they are). */
const shown = (value: string): string => shownText(value, attributeMaxLength);

export function alertOf(
  event: DetectedEvent,
  options: Pick<
    AlertaForwarderOptions,
    | 'origin'
    | 'environment'
    | 'fallbackService'
    | 'allowedEnvironments'
    | 'environmentMap'
    | 'unknownEnvironment'
    | 'consoleUrl'
  >,
): AlertaAlert {
  const names = alertaEventNames[event.kind];
  const consoleLink = options.consoleUrl === undefined ? undefined : consoleLinkOf(event, options.consoleUrl);
  const baseline = event.baseline;
  const environment =
    options.environment ??
    alertaEnvironmentOf(event.environment, {
      allowed: options.allowedEnvironments,
      map: options.environmentMap,
      unknown: options.unknownEnvironment,
    });
  return {
    resource: alertResourceOf(event),
    event: keyField(names.event, names.event),
    environment,
    severity: event.severity,
    service: [keyField(event.service, keyField(options.fallbackService, 'PrimoART'))],
    group: keyField(names.group, names.group),
    value: shownText(event.value, attributeMaxLength),
    text: shownText(event.text),
    tags: [`kind:${event.kind}`],
    attributes: {
      transactionId: shown(event.transaction_id),
      transactionName: shown(event.transaction_name),
      location: event.location === null ? 'all' : shown(event.location),
      // The environment the robot sent: the alert's is one Alerta accepts (mapped, or set by config).
      robotEnvironment: shown(event.environment),
      resultId: event.result_id === null ? null : shown(event.result_id),
      eventId: event.event_id,
      baselineState: baseline?.state ?? null,
      baselineP10Ms: baseline?.p10_ms ?? null,
      baselineP50Ms: baseline?.p50_ms ?? null,
      baselineP90Ms: baseline?.p90_ms ?? null,
      // Not HTML-escaped like the other strings: an href holds no `<`, so Alerta's web UI never
      // takes it for markup, and an escaped `&` would show as `&amp;` in a link operators copy.
      ...(consoleLink === undefined ? {} : { consoleUrl: consoleLink }),
    },
    origin: options.origin,
    type: 'primoartEvent',
    createTime: event.occurred_at.toISOString(),
  };
}

/** Alerta's de-duplication key of an alert, as one string (for logs and tests). */
export function deduplicationKeyOf(alert: Pick<AlertaAlert, 'environment' | 'resource' | 'event'>): string {
  return `${alert.environment}/${alert.resource}/${alert.event}`;
}

export type ForwardingDecision = 'send' | 'suppressed' | 'too_old';

/**
 * Whether an event goes to Alerta. Suppressed events (maintenance, or the clear of a problem never
 * alerted) and events older than `maxEventAgeMs` at `now` (a replay must not page again) are only
 * recorded.
 */
export function forwardingDecisionFor(
  event: Pick<DetectedEvent, 'suppressed' | 'occurred_at'>,
  now: Date,
  options: Pick<AlertaForwarderOptions, 'maxEventAgeMs'>,
): ForwardingDecision {
  if (event.suppressed) return 'suppressed';
  if (now.getTime() - event.occurred_at.getTime() > options.maxEventAgeMs) return 'too_old';
  return 'send';
}
