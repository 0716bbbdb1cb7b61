// A maintenance window managed through the API: the body of `POST /api/v1/maintenance-windows`, the
// record the console publishes for it on primoart.maintenance-windows.v1 (maintenance-window.avsc,
// keyed by its id; a delete is a tombstone), and the window a detector or console makes of a record.
// The rules are the setting's (maintenance-window.ts): a record is judged by the same schema as a
// window of primoart.yml, so a window means the same wherever it was written.
import { z } from 'zod';
import { unstorableTextReason } from './field-checks.ts';
import {
  type MaintenanceWindow,
  maintenanceOnceSchema,
  maintenanceWeeklySchema,
  maintenanceWindowSchema,
  requireOneSchedule,
} from './maintenance-window.ts';
import type { MaintenanceWindowRecord } from './record-types.ts';

export type { MaintenanceWindowRecord };

export const maintenanceWindowLimits = { serviceChars: 128, descriptionChars: 1024 } as const;

const storableText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .superRefine((text, ctx) => {
      const reason = unstorableTextReason(text);
      if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason });
    });

const lowercaseGuid = z.guid().transform((id) => id.toLowerCase());

/**
 * The body of a create. Optional fields may be sent as null (absent). Neither `transaction_id` nor
 * `service`: the window covers everything. `id` is the server's (a new UUID) unless the client
 * picks one, e.g. to repeat a create safely: an id already in use is a conflict.
 */
export const maintenanceWindowRequestSchema = z
  .strictObject({
    id: lowercaseGuid
      .nullish()
      .describe('a UUID of the client’s choosing; default: a new one. An id in use is a 409'),
    transaction_id: lowercaseGuid
      .nullish()
      .describe('covers this transaction only (with service: only if it is of that service)'),
    service: storableText(maintenanceWindowLimits.serviceChars)
      .nullish()
      .describe('covers every transaction of this service; neither this nor transaction_id: everything'),
    once: maintenanceOnceSchema
      .nullish()
      .describe('a one-off window: from (inclusive) to (exclusive), RFC 3339 with a zone'),
    weekly: maintenanceWeeklySchema
      .nullish()
      .describe(
        'every week on days (sun … sat), start to end (HH:MM; at or before start: past midnight) in time_zone (IANA, default UTC)',
      ),
    description: storableText(maintenanceWindowLimits.descriptionChars)
      .nullish()
      .describe('what the downtime is for'),
  })
  .superRefine((window, ctx) =>
    requireOneSchedule({ once: window.once ?? undefined, weekly: window.weekly ?? undefined }, ctx),
  );

export type MaintenanceWindowRequest = z.output<typeof maintenanceWindowRequestSchema>;

/** The record of a create: the request's window, its id, who created it and when. */
export function toMaintenanceWindowRecord(
  request: MaintenanceWindowRequest,
  origin: { id: string; createdByKeyId: string; createdAt: Date },
): MaintenanceWindowRecord {
  const { once, weekly } = request;
  return {
    id: origin.id,
    transaction_id: request.transaction_id ?? null,
    service: request.service ?? null,
    once: once == null ? null : { from: Date.parse(once.from), to: Date.parse(once.to) },
    weekly:
      weekly == null
        ? null
        : {
            days: [...weekly.days],
            start: weekly.start,
            end: weekly.end,
            time_zone: weekly.time_zone ?? 'UTC',
          },
    description: request.description ?? null,
    created_by_key_id: origin.createdByKeyId,
    created_at: origin.createdAt.getTime(),
  };
}

/**
 * The window a record stands for, judged by the setting's schema (a record another writer made
 * with a bad zone or both schedules is refused here, naming the problem, rather than misread).
 * `key`, the message key it came under, must be its id: a tombstone of that key deletes it.
 */
export function maintenanceWindowOfRecord(record: MaintenanceWindowRecord, key?: string): MaintenanceWindow {
  if (key !== undefined && key !== record.id)
    throw new RangeError(`maintenance window ${record.id} under the key ${JSON.stringify(key)}`);
  const parsed = maintenanceWindowSchema.safeParse({
    id: record.id,
    ...(record.transaction_id === null ? {} : { transaction_id: record.transaction_id }),
    ...(record.service === null ? {} : { service: record.service }),
    ...(record.once === null
      ? {}
      : {
          once: {
            from: new Date(record.once.from).toISOString(),
            to: new Date(record.once.to).toISOString(),
          },
        }),
    ...(record.weekly === null ? {} : { weekly: { ...record.weekly, days: [...record.weekly.days] } }),
  });
  if (!parsed.success)
    throw new RangeError(
      `maintenance window ${record.id}: ${parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(window)'}: ${issue.message}`)
        .join('; ')}`,
    );
  return parsed.data;
}
