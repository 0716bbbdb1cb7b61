// From a detected event to the body of Alerta's `POST /alert`.
//
// Alerta keys an alert on environment + resource + event: the same severity again counts as a
// duplicate (its value, text and attributes are updated), another severity updates the alert,
// `normal` closes it. The detector sends one problem per transaction and kind, so one alert per
// transaction and kind: the resource names the transaction as on-call knows it, its name, with the
// first 8 hex digits of its id so two transactions of one name stay apart (`Checkout #2f0c9a8e`;
// with alerts per location, ` @ <location>` too); the event names the kind. A rename changes the
// resource: the detector then clears the alert under the old name and opens it under the new one
// (transaction-problems.ts `renameProblems`), so no alert is left open behind it.
// Robot-supplied text is normalised on the way (alert-text.ts): key fields to one deterministic
// form, shown text HTML-escaped, the environment one Alerta accepts.
import type { DetectedEvent, EventKind } from '../../schemas/record-types.ts';
import {
  alertaEnvironmentOf,
  attributeMaxLength,
  keyField,
  keyFieldMaxLength,
  shownText,
} from './alert-text.ts';
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

/** How many characters of the resource the transaction's name may take (the rest is its id and location). */
const resourceNameMaxLength = 160;

/**
 * `Checkout #2f0c9a8e` for a transaction's problem, `Checkout #2f0c9a8e @ DE/Hesse/Frankfurt` for
 * one location's (alerts per location). The name is cut first, so the id part always survives.
 */
export function alertResourceOf(
  event: Pick<DetectedEvent, 'transaction_id' | 'transaction_name' | 'location'>,
): string {
  const name = keyField(event.transaction_name, 'unnamed', resourceNameMaxLength);
  const id = keyField(event.transaction_id, 'unknown', 36).slice(0, 8);
  const where = event.location === null ? '' : ` @ ${event.location}`;
  return keyField(`${name} #${id}${where}`, 'unknown', keyFieldMaxLength);
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

/** The web console's page of the run that caused the event, when robot and result are UUIDs. */
export function runLinkOf(
  event: Pick<DetectedEvent, 'robot_id' | 'result_id'>,
  consoleUrl: string,
): string | undefined {
  const { robot_id: robot, result_id: result } = event;
  if (robot === null || result === null || !uuidPattern.test(robot) || !uuidPattern.test(result))
    return undefined;
  const base = new URL(consoleUrl);
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  return new URL(`runs/${robot.toLowerCase()}/${result.toLowerCase()}`, base).href;
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
  // The run that opened (or last changed) the problem: a clear leaves it, Alerta merges attributes.
  const runLink =
    options.consoleUrl === undefined || event.action !== 'open'
      ? undefined
      : runLinkOf(event, options.consoleUrl);
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
      // Which locations fail, of how many (the alert's text says it in words).
      failingLocations: shown(event.locations.join(', ')),
      failingLocationCount: event.locations.length,
      locationCount: event.locations_total,
      // The environment the robot sent: the alert's is one Alerta accepts (mapped, or set by config).
      robotEnvironment: shown(event.environment),
      resultId: event.result_id === null ? null : shown(event.result_id),
      robotId: event.robot_id === null ? null : shown(event.robot_id),
      eventId: event.event_id,
      baselineState: baseline?.state ?? null,
      baselineP10Ms: baseline?.p10_ms ?? null,
      baselineP50Ms: baseline?.p50_ms ?? null,
      baselineP90Ms: baseline?.p90_ms ?? null,
      // Not HTML-escaped like the other strings: an href holds no `<`, so Alerta's web UI never
      // takes it for markup, and an escaped `&` would show as `&amp;` in a link operators copy.
      ...(consoleLink === undefined ? {} : { consoleUrl: consoleLink }),
      ...(runLink === undefined ? {} : { runUrl: runLink }),
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
