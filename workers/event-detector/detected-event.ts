// The events the detector emits: a problem opening (or changing severity) and a problem clearing.
import { createHash } from 'node:crypto';
import type { BaselineBand } from './baseline-band.ts';

export const eventKinds = ['availability', 'performance', 'degraded', 'no_data'] as const;
export type EventKind = (typeof eventKinds)[number];

export type ProblemSeverity = 'critical' | 'major' | 'warning';

export interface DetectedEvent {
  /** Deterministic: the same judgement of the same run always has the same id (idempotent sinks). */
  event_id: string;
  /** `open` also announces a severity change, or a problem that outlived its maintenance window. */
  action: 'open' | 'clear';
  kind: EventKind;
  severity: ProblemSeverity | 'normal';
  transaction_id: string;
  transaction_name: string;
  service: string;
  environment: string;
  /** Null for the transaction over all locations. */
  location: string | null;
  occurred_at: Date;
  /** The run that caused the event; null for no-data events. */
  result_id: string | null;
  value: string;
  text: string;
  /** The band the run was judged against, when there was one. */
  baseline: BaselineBand | null;
  /** Recorded but not to be alerted: inside a maintenance window, or closing a problem never alerted. */
  suppressed: boolean;
  maintenance_window_id: string | null;
}

/** A UUID-shaped id from the parts that make an event what it is. */
export function eventIdOf(parts: Array<string | number | null>): string {
  const hex = createHash('sha256')
    .update(parts.map((part) => String(part)).join('\u0000'))
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
