// What the detector alerts on (`workers.event-detector.alerts`): one problem per transaction and
// kind over its locations (the default, as Datadog, Checkly, Elastic and Dynatrace count a check),
// or one per location series, and how severe a transaction's problem is by how many of its
// locations fail. Every default is stated here, in the schema, and only here.
import { z } from 'zod';
import type { ProblemSeverity } from '../../schemas/record-types.ts';

export type AlertUnit = 'transaction' | 'location';

export interface SeverityRule {
  /** When the problem is widespread (see `AlertSettings.widespreadLocations`). */
  widespread: ProblemSeverity;
  /** When it is not. */
  local: ProblemSeverity;
}

export interface AlertSettings {
  per: AlertUnit;
  /**
   * A transaction's problem is widespread when it is at every location the transaction has, or at
   * least at this many (0: only at every location).
   */
  widespreadLocations: number;
  /** Per kind; a performance problem takes the worst of its locations' (warning, major by factor). */
  severity: Record<'availability' | 'degraded' | 'no_data', SeverityRule>;
}

const severity = z.enum(['critical', 'major', 'warning']);
const rule = (widespread: ProblemSeverity, local: ProblemSeverity) =>
  z.strictObject({ widespread: severity.default(widespread), local: severity.default(local) }).prefault({});

/** A missing `alerts` (or part of it) takes the defaults stated here. */
export const alertsSchema = z
  .strictObject({
    /** `transaction`: one alert per transaction and kind, naming the failing locations. */
    per: z.enum(['transaction', 'location']).default('transaction'),
    /** At ≥ 2 failing locations (or all of them) a problem is widespread. */
    widespread_locations: z.number().int().min(0).default(2),
    severity: z
      .strictObject({
        availability: rule('critical', 'major'),
        degraded: rule('warning', 'warning'),
        no_data: rule('major', 'warning'),
      })
      .prefault({}),
  })
  .prefault({})
  .transform(
    (alerts): AlertSettings => ({
      per: alerts.per,
      widespreadLocations: alerts.widespread_locations,
      severity: alerts.severity,
    }),
  );

/** Every default: an empty `alerts` parsed by its schema. */
export const defaultAlertSettings = (): AlertSettings => alertsSchema.parse(undefined);
