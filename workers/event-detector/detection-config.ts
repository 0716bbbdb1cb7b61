// The event detector's part of its worker section (`workers.event-detector.detection` and
// `.maintenance_windows`), validated with the rest of primoart.yml by core/config-schema.ts. The
// thresholds' defaults and cross-checks (open ≤ window, …) stay in detector-options.ts: this only
// reads the file's snake_case keys and hands what was set to `detectorOptions`.
import { z } from 'zod';
import { type DetectorOptions, type DetectorOptionsOverrides, detectorOptions } from './detector-options.ts';
import { type MaintenanceWindow, weekdays } from './maintenance-windows.ts';

export const defaultNoDataCheckIntervalMs = 30_000;

export interface DetectionSettings {
  options: DetectorOptions;
  /** How often the no-data check runs. */
  noDataCheckIntervalMs: number;
}

const count = z.number().int().min(1).optional();

/** Only the keys that were given: an explicit undefined would replace a default. */
function given<T extends Record<string, unknown>>(values: T | undefined): Partial<T> {
  return Object.fromEntries(
    Object.entries(values ?? {}).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

export const detectionSchema = z
  .strictObject({
    availability: z.strictObject({ open: count, window: count, clear_after: count }).optional(),
    performance: z
      .strictObject({ open: count, window: count, major_factor: z.number().gt(1).optional() })
      .optional(),
    degraded: z.strictObject({ open: count, window: count, clear_after: count }).optional(),
    no_data: z
      .strictObject({
        missed_intervals: z.number().positive().optional(),
        check_interval_ms: z.number().int().min(1).default(defaultNoDataCheckIntervalMs),
      })
      .prefault({}),
    ordering: z.strictObject({ grace_ms: z.number().int().min(0).optional() }).optional(),
  })
  .transform((detection, ctx): DetectionSettings => {
    const { availability, performance, degraded, no_data, ordering } = detection;
    const overrides: DetectorOptionsOverrides = {
      availability: given({
        open: availability?.open,
        window: availability?.window,
        clearAfter: availability?.clear_after,
      }),
      performance: given({
        open: performance?.open,
        window: performance?.window,
        majorFactor: performance?.major_factor,
      }),
      degraded: given({ open: degraded?.open, window: degraded?.window, clearAfter: degraded?.clear_after }),
      noData: given({ missedIntervals: no_data.missed_intervals }),
      ordering: given({ graceMs: ordering?.grace_ms }),
    };
    try {
      return { options: detectorOptions(overrides), noDataCheckIntervalMs: no_data.check_interval_ms };
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

/** The detection settings when the section has no `detection`: every default. */
export const defaultDetectionSettings = (): DetectionSettings => detectionSchema.parse({});

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const hhmm = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a time as HH:MM, 00:00 to 23:59' });
const rfc3339 = z.iso.datetime({
  offset: true,
  error: 'expected an RFC 3339 time with a zone, e.g. 2026-05-01T22:00:00Z',
});

const maintenanceWindowSchema = z
  .strictObject({
    id: z.string().min(1),
    /** Covers one transaction; with `service`, only that transaction of that service. */
    transaction_id: z.string().min(1).optional(),
    /** Covers every transaction of a service. Neither: everything. */
    service: z.string().min(1).optional(),
    once: z
      .strictObject({ from: rfc3339, to: rfc3339 })
      .refine(({ from, to }) => Date.parse(from) < Date.parse(to), {
        path: ['to'],
        error: 'must be after from',
      })
      .optional(),
    weekly: z
      .strictObject({
        days: z.array(z.enum(weekdays)).min(1),
        start: hhmm,
        /** At or before start: the window runs past midnight. */
        end: hhmm,
        time_zone: z
          .string()
          .refine(isTimeZone, { error: (issue) => `unknown IANA time zone ${JSON.stringify(issue.input)}` })
          .optional(),
      })
      .optional(),
  })
  .superRefine((window, ctx) => {
    if ((window.once === undefined) === (window.weekly === undefined))
      ctx.addIssue({ code: 'custom', message: 'needs exactly one of once or weekly' });
  })
  .transform((window): MaintenanceWindow => {
    const { once, weekly } = window;
    return {
      id: window.id,
      ...(window.transaction_id === undefined ? {} : { transaction_id: window.transaction_id }),
      ...(window.service === undefined ? {} : { service: window.service }),
      schedule:
        once !== undefined
          ? { kind: 'once', from: new Date(once.from), to: new Date(once.to) }
          : { kind: 'weekly', ...(weekly as NonNullable<typeof weekly>) },
    };
  });

export const maintenanceWindowsSchema = z.array(maintenanceWindowSchema).superRefine((windows, ctx) => {
  const seen = new Set<string>();
  windows.forEach((window, index) => {
    if (seen.has(window.id))
      ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate window id "${window.id}"` });
    seen.add(window.id);
  });
});
