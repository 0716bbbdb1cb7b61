// Maintenance windows: while one applies, the event detector still records problems but suppresses
// their events; the web console shades them on a transaction's chart. They come from the detector's
// setting (`workers.event-detector.maintenance_windows` of primoart.yml) and from the API
// (records on primoart.maintenance-windows.v1: maintenance-window-record.ts), judged by the same
// rules. Here: those rules, whether a window covers an instant, and the intervals a window covers
// within a period.
import { z } from 'zod';
import { instantOf, isTimeZone, wallClock } from '../core/time-zone.ts';

export const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof weekdays)[number];

export type MaintenanceSchedule =
  /** One-off: from (inclusive) to (exclusive). */
  | { kind: 'once'; from: Date; to: Date }
  /**
   * Every week on `days`, from `start` (inclusive) to `end` (exclusive), `HH:MM` in `time_zone` (IANA,
   * default UTC). An `end` at or before `start` runs past midnight into the next day.
   */
  | { kind: 'weekly'; days: Weekday[]; start: string; end: string; time_zone?: string };

export interface MaintenanceWindow {
  id: string;
  /** What it covers: one transaction, every transaction of a service, or (neither given) everything. */
  transaction_id?: string;
  service?: string;
  schedule: MaintenanceSchedule;
}

export interface MaintenanceTarget {
  transaction_id: string;
  service: string;
}

function minutesOf(hhmm: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (match === null) throw new RangeError(`maintenance window time ${JSON.stringify(hhmm)} is not HH:MM`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Weekday and minute of the day of `at` in a time zone. */
function localTime(at: Date, timeZone: string): { day: Weekday; minute: number } {
  const wall = wallClock(at, timeZone);
  return { day: wall.weekday as Weekday, minute: wall.hour * 60 + wall.minute };
}

function scheduleCovers(schedule: MaintenanceSchedule, at: Date): boolean {
  if (schedule.kind === 'once') return at >= schedule.from && at < schedule.to;
  const start = minutesOf(schedule.start);
  const end = minutesOf(schedule.end);
  const { day, minute } = localTime(at, schedule.time_zone ?? 'UTC');
  if (start < end) return schedule.days.includes(day) && minute >= start && minute < end;
  const previousDay = weekdays[(weekdays.indexOf(day) + 6) % 7] as Weekday;
  return (
    (schedule.days.includes(day) && minute >= start) || (schedule.days.includes(previousDay) && minute < end)
  );
}

function windowCovers(window: MaintenanceWindow, target: MaintenanceTarget): boolean {
  if (window.transaction_id !== undefined && window.transaction_id !== target.transaction_id) return false;
  if (window.service !== undefined && window.service !== target.service) return false;
  return true;
}

/** The first window that applies to the target at that instant, if any. */
export function maintenanceWindowAt(
  windows: readonly MaintenanceWindow[],
  target: MaintenanceTarget,
  at: Date,
): MaintenanceWindow | undefined {
  return windows.find((window) => windowCovers(window, target) && scheduleCovers(window.schedule, at));
}

const dayMs = 86_400_000;

export interface MaintenanceInterval {
  id: string;
  from: Date;
  to: Date;
}

/**
 * The stretches of time within [from, to) that the windows covering `target` cover, by start, each
 * clipped to the period (overlapping windows are listed each on its own). A weekly window's local
 * times are read in its zone on each day, so a DST change moves its instants as it should.
 */
export function maintenanceIntervals(
  windows: readonly MaintenanceWindow[],
  target: MaintenanceTarget,
  period: { from: Date; to: Date },
): MaintenanceInterval[] {
  const intervals: MaintenanceInterval[] = [];
  const keep = (id: string, from: Date, to: Date) => {
    const clipped = {
      id,
      from: new Date(Math.max(from.getTime(), period.from.getTime())),
      to: new Date(Math.min(to.getTime(), period.to.getTime())),
    };
    if (clipped.from < clipped.to) intervals.push(clipped);
  };
  for (const window of windows) {
    if (!windowCovers(window, target)) continue;
    const { schedule } = window;
    if (schedule.kind === 'once') {
      keep(window.id, schedule.from, schedule.to);
      continue;
    }
    const tz = schedule.time_zone ?? 'UTC';
    const start = minutesOf(schedule.start);
    const end = minutesOf(schedule.end);
    // Each local date from the one before the period starts (a window past midnight reaches into
    // it) to the one after it ends: stepped by date, not by 24 h, which would skip a 23-hour day.
    const last = wallClock(new Date(period.to.getTime() + dayMs), tz);
    const lastDate = Date.UTC(last.year, last.month - 1, last.day);
    const first = wallClock(new Date(period.from.getTime() - dayMs), tz);
    for (
      let date = { year: first.year, month: first.month, day: first.day };
      Date.UTC(date.year, date.month - 1, date.day) <= lastDate;
      date = nextDay(date)
    ) {
      const weekday = weekdays[
        new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()
      ] as Weekday;
      if (!schedule.days.includes(weekday)) continue;
      const from = instantOf({ ...date, hour: Math.floor(start / 60), minute: start % 60 }, tz);
      const endDate = end <= start ? nextDay(date) : date;
      const to = instantOf({ ...endDate, hour: Math.floor(end / 60), minute: end % 60 }, tz);
      keep(window.id, from, to);
    }
  }
  return intervals.sort((a, b) => a.from.getTime() - b.from.getTime() || a.id.localeCompare(b.id));
}

function nextDay(date: { year: number; month: number; day: number }) {
  const next = new Date(Date.UTC(date.year, date.month - 1, date.day + 1));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

// ---- the definition's rules: the setting (primoart.yml) and the API's records share them ----

const hhmm = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a time as HH:MM, 00:00 to 23:59' });
const rfc3339 = z.iso.datetime({
  offset: true,
  error: 'expected an RFC 3339 time with a zone, e.g. 2026-05-01T22:00:00Z',
});

/** A one-off window: `from` (inclusive) to `to` (exclusive), RFC 3339 with a zone. */
export const maintenanceOnceSchema = z
  .strictObject({ from: rfc3339, to: rfc3339 })
  .refine(({ from, to }) => Date.parse(from) < Date.parse(to), {
    path: ['to'],
    error: 'must be after from',
    // Only when both are times: a `from` without a zone is its own problem, not `to`'s.
    when: (payload) => payload.issues.length === 0,
  });

/** A weekly window: days, `HH:MM` start and end (at or before start: past midnight), IANA zone. */
export const maintenanceWeeklySchema = z.strictObject({
  days: z.array(z.enum(weekdays)).min(1),
  start: hhmm,
  /** At or before start: the window runs past midnight. */
  end: hhmm,
  time_zone: z
    .string()
    .refine(isTimeZone, { error: (issue) => `unknown IANA time zone ${JSON.stringify(issue.input)}` })
    .optional(),
});

/** Exactly one of `once` and `weekly`: a window's one rule across its fields. */
export function requireOneSchedule(window: { once?: unknown; weekly?: unknown }, ctx: z.RefinementCtx): void {
  if ((window.once === undefined) === (window.weekly === undefined))
    ctx.addIssue({ code: 'custom', message: 'needs exactly one of once or weekly' });
}

/** The schedule of a window whose `once` or `weekly` passed the schemas above. */
export function scheduleOf(window: {
  once?: z.output<typeof maintenanceOnceSchema> | undefined;
  weekly?: z.output<typeof maintenanceWeeklySchema> | undefined;
}): MaintenanceSchedule {
  const { once, weekly } = window;
  if (once !== undefined) return { kind: 'once', from: new Date(once.from), to: new Date(once.to) };
  if (weekly === undefined) throw new RangeError('a maintenance window needs once or weekly');
  return { kind: 'weekly', ...weekly };
}

/** One window of the setting; also how a window record from the topic is judged (maintenance-window-record.ts). */
export const maintenanceWindowSchema = z
  .strictObject({
    id: z.string().min(1),
    /** Covers one transaction; with `service`, only that transaction of that service. */
    transaction_id: z.string().min(1).optional(),
    /** Covers every transaction of a service. Neither: everything. */
    service: z.string().min(1).optional(),
    once: maintenanceOnceSchema.optional(),
    weekly: maintenanceWeeklySchema.optional(),
  })
  .superRefine(requireOneSchedule)
  .transform(
    (window): MaintenanceWindow => ({
      id: window.id,
      ...(window.transaction_id === undefined ? {} : { transaction_id: window.transaction_id }),
      ...(window.service === undefined ? {} : { service: window.service }),
      schedule: scheduleOf(window),
    }),
  );

export const maintenanceWindowsSchema = z
  .array(maintenanceWindowSchema)
  .default([])
  .superRefine((windows, ctx) => {
    const seen = new Set<string>();
    windows.forEach((window, index) => {
      if (seen.has(window.id))
        ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate window id "${window.id}"` });
      seen.add(window.id);
    });
  });
