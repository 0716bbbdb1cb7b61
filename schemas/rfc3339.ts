// RFC 3339 date-times as the contract takes them: a full date, a time and an explicit offset
// (`Z` or `±hh:mm`). A time without an offset is ambiguous and is refused, as are dates that do not
// exist (2026-02-30) and leap seconds, which JavaScript time cannot represent.

const rfc3339Pattern =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const withoutOffsetPattern = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

export type ParsedTime = { ok: true; epochMillis: number } | { ok: false; reason: string };

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Parses an RFC 3339 date-time into epoch milliseconds; digits beyond milliseconds are truncated. */
export function parseRfc3339(text: string): ParsedTime {
  const match = rfc3339Pattern.exec(text);
  if (match === null) {
    if (withoutOffsetPattern.test(text)) {
      return { ok: false, reason: 'has no UTC offset; add "Z" or an offset like "+02:00"' };
    }
    return { ok: false, reason: 'is not an RFC 3339 time like "2026-11-23T10:00:12.345Z"' };
  }
  const [, yearText, monthText, dayText, hourText, minuteText, secondText, fraction, zulu, sign] = match;
  const year = Number(yearText);
  const month = Number(monthText);
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText);
  if (month < 1 || month > 12) return { ok: false, reason: `has month ${monthText}, which does not exist` };
  if (day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, reason: `has day ${dayText}, which does not exist in ${yearText}-${monthText}` };
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return {
      ok: false,
      reason: `has time of day ${hourText}:${minuteText}:${secondText}, which does not exist`,
    };
  }
  let offsetMinutes = 0;
  if (zulu === undefined) {
    const offsetHours = Number(match[10]);
    const offsetMinutesPart = Number(match[11]);
    if (offsetHours > 23 || offsetMinutesPart > 59) {
      return { ok: false, reason: `has offset ${sign}${match[10]}:${match[11]}, which does not exist` };
    }
    offsetMinutes = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutesPart);
  }
  const millis = Number((fraction ?? '').padEnd(3, '0').slice(0, 3));
  let wallClock = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (year < 100) {
    // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not. (Not the common path: a
    // Date object per time costs, and every step has two.)
    const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millis));
    date.setUTCFullYear(year);
    wallClock = date.getTime();
  }
  return { ok: true, epochMillis: wallClock - offsetMinutes * 60_000 };
}
