// The forwarder's section of primoart.yml (`workers.alerta-forwarder:`): the harness's keys, the
// SQLite file of events already sent, and `forwarding` (defaults in forwarder-options.ts). Where
// Alerta is and how environments map are the shared `alerta` section's.
import { z } from 'zod';
import { positiveInt } from '../../core/config-schema.ts';
import { stateFileSchema, workerConfig } from '../worker-config.ts';

export const forwardingSchema = z.strictObject({
  /** `origin` of the alerts sent. */
  origin: z.string().min(1).optional(),
  /** Events older than this when read (a replay, a long outage) are not sent. */
  max_event_age_ms: positiveInt.optional(),
  /** How often Alerta's heartbeats are turned into HeartbeatFail/Slow/OK alerts. */
  heartbeat_check_interval_ms: positiveInt.optional(),
  /** Heartbeats expired for longer than this are deleted (a retired instance) and their alert closed. */
  heartbeat_forget_after_ms: positiveInt.optional(),
  /** Only heartbeats whose origin starts with this are watched. */
  heartbeat_origin_prefix: z.string().min(1).optional(),
});

export type ForwardingConfig = z.output<typeof forwardingSchema>;

export const alertaForwarderConfig = workerConfig('alerta-forwarder', {
  /** Ids of the events already sent (created if missing). */
  state_file: stateFileSchema,
  forwarding: forwardingSchema.optional(),
});
