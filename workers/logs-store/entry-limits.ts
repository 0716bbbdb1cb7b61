// What VictoriaLogs would skip without telling the sender, made to fit before writing, and every
// change counted. Its insert answers 2xx even when it leaves out a line over
// -insert.maxLineSizeBytes, a line with more than -insert.maxFieldsPerLine fields, or an entry
// whose time is outside [now - retentionPeriod, now + futureRetention]; the worker cannot see that
// afterwards, so it keeps every entry within those limits here (README "Logs").
import { createHash } from 'node:crypto';
import type { LogEntry } from './log-entries.ts';

/** VictoriaLogs' defaults (v1.24: -insert.maxLineSizeBytes, -insert.maxFieldsPerLine, -futureRetention). */
export const entryLimits = {
  /** Below VictoriaLogs' 256 KiB, with room for the JSON framing it counts. */
  maxLineBytes: 250 * 1024,
  maxFields: 1000,
  /** VictoriaLogs' default future retention; the stack allows a year, a smaller setup may not. */
  maxFutureMs: 2 * 24 * 3600 * 1000,
} as const;

/** A field shortened to make a line fit keeps at least this much of its start. */
const shortenedFieldBytes = 4 * 1024;

export type EntryAdjustment = 'time_out_of_range_replaced' | 'field_over_limit_dropped' | 'field_shortened';

type Count = (reason: EntryAdjustment, count?: number) => void;

/** Fields as VictoriaLogs counts them: nested objects flatten to `<parent>.<key>`. */
function flatFieldCount(value: Record<string, unknown>): number {
  let count = 0;
  for (const field of Object.values(value)) {
    count +=
      typeof field === 'object' && field !== null && !Array.isArray(field)
        ? flatFieldCount(field as Record<string, unknown>)
        : 1;
  }
  return count;
}

function shortenedText(text: string, maxBytes: number): string {
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  let prefix = Buffer.from(text, 'utf8').subarray(0, maxBytes).toString('utf8');
  if (prefix.endsWith('\uFFFD')) prefix = prefix.slice(0, -1);
  return `${prefix}… [shortened from ${Buffer.byteLength(text, 'utf8')} bytes, sha256 ${digest}]`;
}

/** The string fields of an entry, nested ones included, as (holder, key) pairs. */
function stringFields(
  holder: Record<string, unknown>,
): Array<{ holder: Record<string, unknown>; key: string }> {
  const found: Array<{ holder: Record<string, unknown>; key: string }> = [];
  for (const [key, value] of Object.entries(holder)) {
    if (typeof value === 'string') found.push({ holder, key });
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      found.push(...stringFields(value as Record<string, unknown>));
    }
  }
  return found;
}

/**
 * The entry as VictoriaLogs will keep it. A time it would refuse (before 1970, too far ahead, or
 * none at all) becomes the time the record was published to Kafka, the reported one kept in
 * `reported_time`; fields past the limit (client attributes, in the order sent) are left out; a
 * line still too long has its longest texts shortened, longest first. Each change is counted.
 */
export function withinLineLimits(
  entry: LogEntry,
  publishedAtMs: number,
  count: Count,
  nowMs: number,
): LogEntry {
  let fitted = entry;
  const timeMs = Date.parse(entry._time);
  if (!(timeMs >= 0 && timeMs <= nowMs + entryLimits.maxFutureMs)) {
    fitted = {
      ...fitted,
      _time: new Date(publishedAtMs).toISOString(),
      reported_time: entry._time || 'unrepresentable',
    };
    count('time_out_of_range_replaced');
  }
  // One more goes, to make room for `fields_dropped`.
  let excess = flatFieldCount(fitted) - entryLimits.maxFields;
  if (excess > 0) {
    excess += 1;
    fitted = structuredClone(fitted);
    let dropped = 0;
    for (const group of ['attributes', 'resource'] as const) {
      const fields = fitted[group];
      if (typeof fields !== 'object' || fields === null) continue;
      const keys = Object.keys(fields);
      while (excess > 0 && keys.length > 0) {
        delete (fields as Record<string, unknown>)[keys.pop() as string];
        excess -= 1;
        dropped += 1;
      }
    }
    fitted.fields_dropped = dropped;
    count('field_over_limit_dropped', dropped);
  }
  if (lineBytes(fitted) <= entryLimits.maxLineBytes) return fitted;
  fitted = structuredClone(fitted);
  const texts = stringFields(fitted)
    .map((field) => ({ ...field, bytes: Buffer.byteLength(field.holder[field.key] as string, 'utf8') }))
    .filter((field) => field.bytes > shortenedFieldBytes && field.key !== 'entry_id')
    .sort((a, b) => b.bytes - a.bytes);
  for (const { holder, key, bytes } of texts) {
    // Keep as much as fits (JSON escaping can make a text longer on the line than in bytes).
    const over = lineBytes(fitted) - entryLimits.maxLineBytes;
    const keep = Math.max(shortenedFieldBytes, Math.floor((bytes - over) / 2));
    holder[key] = shortenedText(holder[key] as string, keep);
    count('field_shortened');
    if (lineBytes(fitted) <= entryLimits.maxLineBytes) break;
  }
  if (lineBytes(fitted) <= entryLimits.maxLineBytes) return fitted;
  // Many texts each too short to shorten (64 attributes of 4 KiB): client fields go, largest first.
  let dropped = 0;
  for (const group of ['attributes', 'resource'] as const) {
    const fields = fitted[group];
    if (typeof fields !== 'object' || fields === null) continue;
    const bySize = Object.entries(fields as Record<string, unknown>)
      .map(([key, value]) => ({ key, bytes: Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') }))
      .sort((a, b) => b.bytes - a.bytes);
    for (const { key } of bySize) {
      if (lineBytes(fitted) <= entryLimits.maxLineBytes) break;
      delete (fields as Record<string, unknown>)[key];
      dropped += 1;
    }
  }
  if (dropped > 0) {
    fitted.fields_dropped = Number(fitted.fields_dropped ?? 0) + dropped;
    count('field_over_limit_dropped', dropped);
  }
  return fitted;
}

const lineBytes = (entry: LogEntry): number => Buffer.byteLength(JSON.stringify(entry), 'utf8');
