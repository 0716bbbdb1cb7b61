// Wall clocks of IANA time zones, from Node's ICU data: which names are zones, an instant's local
// date and time in one, and the instant a local date and time names (DST-aware). The console's
// periods and the maintenance windows' weekly schedules read local times with these.

/**
 * Whether `name` is an IANA zone. Intl lists canonical names only (Asia/Calcutta, not
 * Asia/Kolkata): a name it does not list is taken when it has the Area/Location form and Intl knows
 * it. Never an offset such as "+01:00": PostgreSQL reads those as POSIX zones, east and west swapped.
 */
const listedZones = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
export function isTimeZone(name: string): boolean {
  if (listedZones.has(name)) return true;
  if (name.length > 64 || !/^[A-Za-z][A-Za-z_-]*(\/[A-Za-z0-9][A-Za-z0-9_+-]*)+$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Formatters by the zone name asked. Bounded: names are case-insensitive, so a client could ask for
 * endless spellings of one zone, each a formatter of its own if every one were kept.
 */
const formats = new Map<string, Intl.DateTimeFormat>();
const maxFormats = 256;
function formatIn(tz: string): Intl.DateTimeFormat {
  let format = formats.get(tz);
  if (format === undefined) {
    if (formats.size >= maxFormats) formats.clear();
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(tz, format);
  }
  return format;
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** sun … sat */
  weekday: string;
}

/** The local date, time and weekday of `instant` in `tz`. */
export function wallClock(instant: Date, tz: string): WallClock {
  const parts = Object.fromEntries(
    formatIn(tz)
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: String(parts.weekday).slice(0, 3).toLowerCase(),
  };
}

const dayMs = 86_400_000;

/** `tz`'s offset from UTC at `instant`, in ms. */
function offsetAt(instant: number, tz: string): number {
  const wall = wallClock(new Date(instant), tz);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a wall-clock time of `tz` names. A time skipped by a DST change is read with the
 * offset before it; a repeated one is its first occurrence.
 */
export function instantOf(
  wall: { year: number; month: number; day: number; hour: number; minute: number },
  tz: string,
): Date {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  // The zone's offsets a day either side: a time is read with one of them (no zone changes its
  // offset twice within two days).
  const candidates = [offsetAt(asUtc - dayMs, tz), offsetAt(asUtc + dayMs, tz)].map(
    (offset) => asUtc - offset,
  );
  const named = candidates.filter((instant) => instant + offsetAt(instant, tz) === asUtc);
  // Repeated (autumn): both name it, the first is taken. Skipped (spring): neither does, and the
  // later one is the time read with the offset before the change (02:30 → 03:30 summer time).
  return new Date(named.length > 0 ? Math.min(...named) : Math.max(...candidates));
}
