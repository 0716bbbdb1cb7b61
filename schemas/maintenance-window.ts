// Maintenance windows: while one applies, problems are still recorded but their events are suppressed.

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
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = part('weekday').toLowerCase() as Weekday;
  return { day, minute: Number(part('hour')) * 60 + Number(part('minute')) };
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
