// Periods of a report and how each is read: the whole UTC days inside it from the daily rollups,
// the whole UTC hours around them from the hourly rollups, the parts before the first and after the
// last whole hour from the raw runs, so a count is exact for any period (a period in a zone whose
// offset is not a whole hour, or one starting at 10:17) and a month reads ~30 rows per transaction
// and robot.
//
// Calendar arithmetic in a time zone (this week since Monday 00:00, today since 00:00, a DST change
// in between) is PostgreSQL's date_trunc(…, zone): never a fixed offset.
import type { Pool } from 'pg';

export interface Period {
  from: Date;
  to: Date;
}

/**
 * One slice of a period: `days` reads synth_*_days rows of [from, to), `rollup` synth_*_hours
 * rows, `quarters` synth_*_quarters rows, `raw` the runs.
 */
export interface PeriodRange {
  period: string;
  source: 'days' | 'rollup' | 'quarters' | 'raw';
  from: Date;
  to: Date;
  /** Rows of this range are taken away, not added (see `byComplement`). */
  subtract?: true;
}

const quarterMs = 900_000;
const hourMs = 4 * quarterMs;

/** The rollup part (whole UTC hours) and the raw edges of a period; empty parts are left out. */
export function splitPeriod(name: string, period: Period): PeriodRange[] {
  return splitWhole(name, period, hourMs, 'rollup');
}

/** As `splitPeriod` with whole quarter hours (the heatmap's synth_*_quarters rows, migration 0009). */
export function splitPeriodByQuarters(name: string, period: Period): PeriodRange[] {
  return splitWhole(name, period, quarterMs, 'quarters');
}

function splitWhole(
  name: string,
  { from, to }: Period,
  unitMs: number,
  source: PeriodRange['source'],
): PeriodRange[] {
  const first = Math.ceil(from.getTime() / unitMs) * unitMs;
  const last = Math.floor(to.getTime() / unitMs) * unitMs;
  if (first >= last) return from < to ? [{ period: name, source: 'raw', from, to }] : [];
  const ranges: PeriodRange[] = [];
  if (from.getTime() < first) ranges.push({ period: name, source: 'raw', from, to: new Date(first) });
  ranges.push({ period: name, source, from: new Date(first), to: new Date(last) });
  if (last < to.getTime()) ranges.push({ period: name, source: 'raw', from: new Date(last), to });
  return ranges;
}

const dayMs = 24 * hourMs;

/**
 * As `splitPeriod` (or `splitPeriodByQuarters` with `edges: 'quarters'`), and the whole UTC days
 * inside the whole hours (quarters) from the daily rollups: a month reads ~30 rows per series,
 * plus the hours (quarters) and minutes at its two edges.
 */
export function splitPeriodByDays(
  name: string,
  period: Period,
  edges: 'rollup' | 'quarters' = 'rollup',
): PeriodRange[] {
  const whole = edges === 'rollup' ? splitPeriod(name, period) : splitPeriodByQuarters(name, period);
  return whole.flatMap((range) => {
    if (range.source !== edges) return [range];
    const firstDay = Math.ceil(range.from.getTime() / dayMs) * dayMs;
    const lastDay = Math.floor(range.to.getTime() / dayMs) * dayMs;
    if (firstDay >= lastDay) return [range];
    const slices: PeriodRange[] = [];
    if (range.from.getTime() < firstDay) slices.push({ ...range, to: new Date(firstDay) });
    slices.push({ period: name, source: 'days', from: new Date(firstDay), to: new Date(lastDay) });
    if (lastDay < range.to.getTime()) slices.push({ ...range, from: new Date(lastDay) });
    return slices;
  });
}

/**
 * A period's slices as few rows as possible, for counts that add up (an SLA), never for a
 * distribution: whole hours (or quarters) of a partial UTC day are read as the day's row less the
 * hours (quarters) of it outside the slice, and raw runs of a partial hour (quarter) as its row less
 * the runs outside, whenever the outside holds less than the slice. Nothing is stored after `now`,
 * so only the part before it counts: the minutes up to now are the hour's row less nothing, today
 * is the day's row. An edge then reads at most 12 hourly rows per series instead of 23, and at most
 * half an hour of runs. Exact, since a coarser row is the sum of the finer ones it covers (0005–0013,
 * recomputed in the writer's transaction) and one statement sees one snapshot of all. `edges` is
 * what splitPeriodByDays was given.
 */
export function byComplement(
  ranges: readonly PeriodRange[],
  now: Date,
  edges: 'rollup' | 'quarters' = 'rollup',
): PeriodRange[] {
  const unitMs = edges === 'rollup' ? hourMs : quarterMs;
  const stored = (from: number, to: number) => Math.max(0, Math.min(to, now.getTime()) - from);
  const complement = (
    range: PeriodRange,
    source: PeriodRange['source'],
    outer: number,
    outerSource: PeriodRange['source'],
  ) => {
    const pieces: PeriodRange[] = [];
    for (let from = range.from.getTime(); from < range.to.getTime(); ) {
      const start = Math.floor(from / outer) * outer;
      const to = Math.min(range.to.getTime(), start + outer);
      const outside = [
        [start, from],
        [to, start + outer],
      ] as const;
      if (outside.reduce((sum, [a, b]) => sum + stored(a, b), 0) >= stored(from, to))
        pieces.push({ period: range.period, source, from: new Date(from), to: new Date(to) });
      else {
        pieces.push({
          period: range.period,
          source: outerSource,
          from: new Date(start),
          to: new Date(start + outer),
        });
        for (const [a, b] of outside)
          if (a < b)
            pieces.push({ period: range.period, source, from: new Date(a), to: new Date(b), subtract: true });
      }
      from = to;
    }
    return pieces;
  };
  return ranges.flatMap((range) => {
    if (range.source === edges) return complement(range, edges, dayMs, 'days');
    if (range.source === 'raw') return complement(range, 'raw', unitMs, edges);
    return [range];
  });
}

export interface ReportPeriods {
  current: Period;
  /** The period of the same length just before `current`. */
  previous: Period;
  /** Since 00:00 today in the zone, until now. */
  today: Period;
}

/**
 * The periods of a report: `from` defaults to Monday 00:00 of the week `to` falls in, `to` to now,
 * both in `tz` (an IANA zone name, already validated).
 */
export async function reportPeriods(
  pool: Pool,
  asked: { from?: Date | undefined; to?: Date | undefined; tz: string; now: Date },
): Promise<ReportPeriods> {
  const to = asked.to ?? asked.now;
  const { rows } = await pool.query<{ week: Date; today: Date }>(
    `SELECT date_trunc('week', $1::timestamptz, $3) AS week, date_trunc('day', $2::timestamptz, $3) AS today`,
    [to, asked.now, asked.tz],
  );
  const [row] = rows;
  if (row === undefined) throw new Error('date_trunc answered no row');
  const from = asked.from ?? row.week;
  const length = to.getTime() - from.getTime();
  return {
    current: { from, to },
    previous: { from: new Date(from.getTime() - length), to: from },
    today: { from: row.today, to: asked.now },
  };
}

/** A period's name as SQL: names are the code's own (current, previous, today), never input. */
function periodLiteral(name: string): string {
  if (!/^[a-z_]+$/.test(name)) throw new Error(`not a period name: ${name}`);
  return `'${name}'::text`;
}

/**
 * One SELECT per range of `source`, joined by UNION ALL: `branch` writes it for the range's
 * placeholders. A range's bounds as plain parameters let PostgreSQL scan just that slice of an
 * index (a join against an unnested array of ranges had it scan the whole table); `empty` stands in
 * when there is no range.
 */
export function rangeBranches(
  ranges: readonly PeriodRange[],
  source: PeriodRange['source'],
  parameters: { add(value: unknown, cast?: string): string },
  branch: (range: { period: string; from: string; to: string; subtract: boolean }) => string,
  empty: string,
): string {
  const chosen = ranges.filter((range) => range.source === source);
  if (chosen.length === 0) return empty;
  return chosen
    .map((range) =>
      branch({
        period: periodLiteral(range.period),
        from: parameters.add(range.from.toISOString(), '::timestamptz'),
        to: parameters.add(range.to.toISOString(), '::timestamptz'),
        subtract: range.subtract === true,
      }),
    )
    .join('\n    UNION ALL\n');
}

/** The ranges of several periods as the parallel arrays a query unnests: ($n::text[], …). */
export function rangeArrays(ranges: readonly PeriodRange[], source: PeriodRange['source']) {
  const chosen = ranges.filter((range) => range.source === source);
  return {
    periods: chosen.map((range) => range.period),
    froms: chosen.map((range) => range.from.toISOString()),
    tos: chosen.map((range) => range.to.toISOString()),
  };
}

/**
 * How a period is read where local hours or days matter (the heatmap, the transaction detail):
 * whole UTC quarters from the quarter rollups when the question allows them (`quarters`) and the
 * zone's offset is whole quarters all through the period, else whole UTC hours from the hourly
 * rollups when it is whole hours all through, else the runs; the edges always from the runs.
 */
export async function zonedRanges(
  pool: Pool,
  period: Period,
  tz: string,
  quarters: boolean,
): Promise<{ byQuarters: boolean; ranges: PeriodRange[] }> {
  if (quarters && (await wholeQuarterOffsets(pool, period, tz)))
    return { byQuarters: true, ranges: splitPeriodByQuarters('current', period) };
  const ranges: PeriodRange[] = (await wholeHourOffsets(pool, period, tz))
    ? splitPeriod('current', period)
    : period.from < period.to
      ? [{ period: 'current', source: 'raw', ...period }]
      : [];
  return { byQuarters: false, ranges };
}

/**
 * Whether `tz`'s offset is a whole number of hours at every hour of the period: only then is a UTC
 * hour (a rollup row) one local hour (the heatmap's cells, the transaction detail's local days).
 */
export function wholeHourOffsets(pool: Pool, period: Period, tz: string): Promise<boolean> {
  return wholeOffsets(pool, period, tz, 'hour');
}

/**
 * Whether `tz`'s offset is a whole number of quarter hours all through the period: true of every
 * zone today, not of some in the past (Africa/Monrovia was −00:44:30 until 1972), where a quarter
 * rollup row is no local quarter and the runs are read instead.
 */
export function wholeQuarterOffsets(pool: Pool, period: Period, tz: string): Promise<boolean> {
  return wholeOffsets(pool, period, tz, 'quarter');
}

async function wholeOffsets(pool: Pool, period: Period, tz: string, unit: 'hour' | 'quarter') {
  // Sampled at every UTC hour of the period (a whole quarter too): it lands on a whole local hour
  // (quarter) exactly when the zone's offset then is a whole number of them.
  const local =
    unit === 'hour'
      ? "date_trunc('hour', h AT TIME ZONE $3)"
      : "date_bin('15 minutes', h AT TIME ZONE $3, timestamp '2000-01-01')";
  const { rows } = await pool.query<{ whole: boolean | null }>(
    `SELECT bool_and(${local} = h AT TIME ZONE $3) AS whole
     FROM generate_series(date_trunc('hour', $1::timestamptz, 'UTC'), $2::timestamptz, interval '1 hour') AS h`,
    [period.from, period.to, tz],
  );
  return rows[0]?.whole !== false;
}
