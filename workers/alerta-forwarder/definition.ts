// alerta-forwarder: detected events from primoart.events.v1 to Alerta, one request at a time in
// offset order (an open must reach Alerta before its clear). Suppressed and too old events are
// skipped (synth-store keeps them); an event delivered before is never sent again (see
// delivered-events.ts). An event counts as delivered only once Alerta answered 2xx, so a crash or
// an Alerta outage in the middle of a batch re-sends at most what Alerta may not have taken.
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { fromEventRecord } from '../../schemas/event-records.ts';
import type { DetectedEvent, DetectedEventRecord } from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import { PoisonRecordError } from '../../topics/poison-record.ts';
import type { WorkerDefinition } from '../harness.ts';
import { decodeByTopic, input } from '../inputs.ts';
import { alertOf, deduplicationKeyOf, forwardingDecisionFor } from './alert-body.ts';
import type { AlertaClient } from './alerta-client.ts';
import type { DeliveredEvents } from './delivered-events.ts';
import type { AlertaForwarderOptions } from './forwarder-options.ts';

export const workerName = 'alerta-forwarder';

/** Pruning the delivered ids needs no more than this often. */
const pruneEveryMs = 60 * 60_000;

export type ForwardingOutcome = 'sent' | 'suppressed' | 'too_old' | 'already_sent';

function forwarderMetrics(registry: Registry) {
  return {
    events: new Counter({
      name: 'primoart_alerta_forwarder_events_total',
      help: 'Events handled, by outcome: sent to Alerta, suppressed, too old, or delivered before',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    requestErrors: new Counter({
      name: 'primoart_alerta_forwarder_request_errors_total',
      help: 'POST /alert requests that failed (refused, Alerta unavailable, timed out)',
      registers: [registry],
    }),
  };
}

/** An event record as the forwarder reads it; one this code cannot read is poison. */
function eventOf(record: DetectedEventRecord) {
  try {
    return fromEventRecord(record);
  } catch (error) {
    throw new PoisonRecordError((error as Error).message, { cause: error });
  }
}

export function alertaForwarderDefinition(deps: {
  codec: ValueCodec<DetectedEventRecord>;
  alerta: Pick<AlertaClient, 'sendAlert'>;
  delivered: DeliveredEvents;
  options: AlertaForwarderOptions;
  metrics: Registry;
  logger: Pick<Logger, 'debug'>;
  now?: () => Date;
}): WorkerDefinition<DetectedEvent> {
  const now = deps.now ?? (() => new Date());
  const metrics = forwarderMetrics(deps.metrics);
  let prunedAt = 0;

  async function forward(event: DetectedEvent): Promise<ForwardingOutcome> {
    const decision = forwardingDecisionFor(event, now(), deps.options);
    if (decision !== 'send') return decision;
    if (deps.delivered.has(event.event_id)) return 'already_sent';
    const alert = alertOf(event, deps.options);
    try {
      await deps.alerta.sendAlert(alert);
    } catch (error) {
      metrics.requestErrors.inc();
      throw error;
    }
    deps.delivered.record(event.event_id, event.occurred_at, now());
    deps.logger.debug(
      { event_id: event.event_id, key: deduplicationKeyOf(alert), severity: alert.severity },
      'alert sent',
    );
    return 'sent';
  }

  function pruneNowAndThen(): void {
    const at = now().getTime();
    if (at - prunedAt < pruneEveryMs) return;
    deps.delivered.prune(new Date(at - deps.options.deliveredRetentionMs));
    prunedAt = at;
  }

  return {
    name: workerName,
    ...decodeByTopic(workerName, [input(topics.events, deps.codec, eventOf)]),
    async write(records) {
      pruneNowAndThen();
      for (const { record } of records) metrics.events.inc({ outcome: await forward(record) });
    },
  };
}
