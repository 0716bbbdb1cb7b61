// The forwarder's section of primoart.yml (`workers.alerta-forwarder:`): the harness's keys, the
// SQLite file of events already sent, and `forwarding` with its defaults. Where Alerta is and how
// environments map are the shared `alerta` section's (core/config-schema.ts).
import { z } from 'zod';
import { httpUrl, positiveInt } from '../../core/config-schema.ts';
import { stateFileSchema, workerConfig } from '../worker-config.ts';

/** A missing `forwarding` (or key) takes the defaults stated here, and only here. */
export const forwardingSchema = z
  .strictObject({
    /** `origin` of the alerts sent. */
    origin: z.string().min(1).default('primoart/event-detector'),
    /** Events older than this when read (a replay, a long outage) are not sent. */
    max_event_age_ms: positiveInt.default(15 * 60_000),
    /** How often Alerta's heartbeats are turned into HeartbeatFail/Slow/OK alerts. */
    heartbeat_check_interval_ms: positiveInt.default(60_000),
    /** Heartbeats expired for longer than this are deleted (a retired instance) and their alert closed. */
    heartbeat_forget_after_ms: positiveInt.default(24 * 60 * 60_000),
    /** Only heartbeats whose origin starts with this are watched. */
    heartbeat_origin_prefix: z.string().min(1).default('primoart/'),
    /**
     * The web console's address as operators reach it: each alert then links its problem's page
     * (`consoleUrl`). None by default: a link to a console nobody configured would lead nowhere.
     */
    console_url: httpUrl.optional(),
  })
  .prefault({});

export type ForwardingConfig = z.output<typeof forwardingSchema>;

export const alertaForwarderConfig = workerConfig('alerta-forwarder', {
  /** Ids of the events already sent (created if missing). */
  state_file: stateFileSchema,
  forwarding: forwardingSchema,
});
