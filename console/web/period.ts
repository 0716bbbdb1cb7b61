// The period and time zone a page shows, from its query string (`period`, `from`, `to`, `tz`): the
// presets of the period picker (today, 24 h, 7 d, 30 d) or a custom one typed as local times of
// the chosen zone. Pages pass the resulting instants to the API as ISO 8601, so every figure is the
// API's for exactly that period. Times are shown in the chosen zone (Intl, from Node's ICU data).
import { instantOf, isTimeZone, wallClock } from '../../core/time-zone.ts';

export { instantOf };

export const periodPresets = ['today', '24h', '7d', '30d', 'custom'] as const;
export type PeriodPreset = (typeof periodPresets)[number];

export const presetLabels: Record<PeriodPreset, string> = {
  today: 'Today',
  '24h': 'Last 24 h',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  custom: 'Custom',
};

export interface ViewPeriod {
  preset: PeriodPreset;
  from: Date;
  to: Date;
  tz: string;
  /** The custom period's inputs as typed (local times of `tz`), for the form. */
  fromInput: string;
  toInput: string;
  /** What was wrong with the query, each naming its parameter; the defaults stand in. */
  problems: Array<{ path: string; problem: string }>;
}

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

const localInput = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2})?$/;

/** `2026-12-02T08:30` (an `<input type=datetime-local>`) in `tz`, or undefined. */
function parseLocal(text: string, tz: string): Date | undefined {
  const match = localInput.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return undefined;
  return instantOf({ year, month, day, hour, minute }, tz);
}

const pad = (value: number) => String(value).padStart(2, '0');

/** `instant` as `<input type=datetime-local>` wants it, in `tz`. */
export function localInputOf(instant: Date, tz: string): string {
  const wall = wallClock(instant, tz);
  return `${wall.year}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}`;
}

/** `2026-12-02 08:30` in `tz` (seconds with `seconds`). */
export function formatTime(instant: Date | string, tz: string, seconds = false): string {
  const wall = wallClock(typeof instant === 'string' ? new Date(instant) : instant, tz);
  const time = `${pad(wall.hour)}:${pad(wall.minute)}${seconds ? `:${pad(wall.second)}` : ''}`;
  return `${wall.year}-${pad(wall.month)}-${pad(wall.day)} ${time}`;
}

const single = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : Array.isArray(value) && typeof value[0] === 'string'
      ? value[0]
      : undefined;

/** The period a page's query asks for; a bad part is named in `problems` and its default used. */
export function viewPeriod(
  query: Record<string, unknown>,
  options: { now: Date; defaultTz: string; maxPeriodDays: number },
): ViewPeriod {
  const problems: ViewPeriod['problems'] = [];
  const askedTz = single(query.tz);
  let tz = options.defaultTz;
  if (askedTz !== undefined && askedTz !== '') {
    if (isTimeZone(askedTz)) tz = askedTz;
    else problems.push({ path: 'tz', problem: 'not an IANA time zone name (e.g. Europe/Berlin, UTC)' });
  }
  const askedPreset = single(query.period);
  let preset: PeriodPreset = '24h';
  if (askedPreset !== undefined && askedPreset !== '') {
    if ((periodPresets as readonly string[]).includes(askedPreset)) preset = askedPreset as PeriodPreset;
    else problems.push({ path: 'period', problem: `one of ${periodPresets.join(', ')}` });
  }
  const now = options.now;
  let from: Date;
  let to = now;
  let fromInput = single(query.from) ?? '';
  let toInput = single(query.to) ?? '';
  switch (preset) {
    case 'today': {
      const wall = wallClock(now, tz);
      from = instantOf({ ...wall, hour: 0, minute: 0 }, tz);
      break;
    }
    case '7d':
      from = new Date(now.getTime() - 7 * dayMs);
      break;
    case '30d':
      from = new Date(now.getTime() - 30 * dayMs);
      break;
    case 'custom': {
      const askedFrom = parseLocal(fromInput, tz);
      const askedTo = toInput === '' ? now : parseLocal(toInput, tz);
      if (askedFrom === undefined)
        problems.push({ path: 'from', problem: 'a local date and time, e.g. 2026-12-01T00:00' });
      if (askedTo === undefined)
        problems.push({ path: 'to', problem: 'a local date and time, e.g. 2026-12-02T00:00' });
      from = askedFrom ?? new Date(now.getTime() - dayMs);
      to = askedTo === undefined || askedTo > now ? now : askedTo;
      if (askedFrom !== undefined && askedTo !== undefined) {
        if (from >= to) problems.push({ path: 'from', problem: 'must be before to (and before now)' });
        else if (to.getTime() - from.getTime() > options.maxPeriodDays * dayMs)
          problems.push({ path: 'from', problem: `the period may be at most ${options.maxPeriodDays} days` });
      }
      if (
        askedFrom === undefined ||
        askedTo === undefined ||
        from >= to ||
        to.getTime() - from.getTime() > options.maxPeriodDays * dayMs
      ) {
        preset = '24h';
        from = new Date(now.getTime() - dayMs);
        to = now;
      }
      break;
    }
    default:
      from = new Date(now.getTime() - dayMs);
  }
  if (fromInput === '' || preset !== 'custom') fromInput = localInputOf(from, tz);
  if (toInput === '' || preset !== 'custom') toInput = localInputOf(to, tz);
  return { preset, from, to, tz, fromInput, toInput, problems };
}

/** The query string that carries a view's period to another page, with `extra` parameters. */
export function periodQuery(
  period: ViewPeriod,
  extra: Record<string, string | number | undefined> = {},
): string {
  const search = new URLSearchParams();
  search.set('period', period.preset);
  if (period.preset === 'custom') {
    search.set('from', period.fromInput);
    search.set('to', period.toInput);
  }
  search.set('tz', period.tz);
  for (const [name, value] of Object.entries(extra))
    if (value !== undefined && value !== '') search.set(name, String(value));
  return search.toString();
}
