// What `primoart lag --watch` shows, without Kafka or a clock of its own: partition lags summed per
// group and topic, the rate the lag changes at from one sample to the next, and the two ways of
// showing them: a screen redrawn in place on a terminal, timestamped tab-separated lines otherwise.
// topics/commands.ts reads the offsets and writes the output.
import { formatDuration, rateMeter } from '../core/progress.ts';
import type { PartitionLag } from './admin.ts';

export interface GroupTopicLag {
  group: string;
  topic: string;
  /** Records the group has still to read on the topic, all partitions together. */
  lag: number;
}

export interface LagViewRow extends GroupTopicLag {
  /** How fast the lag changes, per second (negative: catching up); undefined on a row's first sample. */
  ratePerSecond: number | undefined;
  /** When the lag reaches zero at that rate: only while it falls. */
  etaMs: number | undefined;
}

// Group ids may hold any character: a JSON pair cannot be mistaken for another.
const keyOf = (row: GroupTopicLag) => JSON.stringify([row.group, row.topic]);

/** One row per group and topic, the lag of its partitions added up, ordered by group then topic. */
export function sumByGroupAndTopic(partitions: readonly PartitionLag[]): GroupTopicLag[] {
  const sums = new Map<string, GroupTopicLag>();
  for (const { group, topic, lag } of partitions) {
    const key = keyOf({ group, topic, lag });
    const sum = sums.get(key);
    if (sum === undefined) sums.set(key, { group, topic, lag });
    else sum.lag += lag;
  }
  return [...sums.values()].sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic));
}

/**
 * The rate of each row's lag over the samples of the last `windowMs` (the last two at least), so a
 * burst a minute ago no longer shows. A row that leaves the view (its group deleted) forgets its past.
 */
export function lagRates(windowMs = 5_000, now: () => number = Date.now) {
  let meters = new Map<string, ReturnType<typeof rateMeter>>();
  return {
    sample(rows: readonly GroupTopicLag[]): LagViewRow[] {
      const kept = new Map<string, ReturnType<typeof rateMeter>>();
      const viewed = rows.map((row) => {
        const key = keyOf(row);
        const known = meters.get(key);
        const meter = known ?? rateMeter(windowMs, now);
        kept.set(key, meter);
        const rate = meter.sample(row.lag);
        const ratePerSecond = known === undefined ? undefined : rate;
        const falling = ratePerSecond !== undefined && ratePerSecond < 0 && row.lag > 0;
        return { ...row, ratePerSecond, etaMs: falling ? (row.lag / -ratePerSecond) * 1000 : undefined };
      });
      meters = kept;
      return viewed;
    },
  };
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
// A slow drain (a record every few seconds) must not read as "0/s"; a fast one needs no decimals.
const slowRate = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, signDisplay: 'exceptZero' });
const fastRate = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0, signDisplay: 'exceptZero' });

function rateText(perSecond: number | undefined): string {
  if (perSecond === undefined) return '—';
  return `${(Math.abs(perSecond) < 10 ? slowRate : fastRate).format(perSecond)}/s`;
}

/** Cells padded to their column's width: text to the left, numbers to the right. */
function columns(cells: readonly (readonly string[])[], rightAligned: readonly boolean[]): string[] {
  const widths = rightAligned.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  return cells.map((row) =>
    row
      .map((cell, i) => (rightAligned[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

export interface ScreenOptions {
  /** When this sample was taken. */
  at: number;
  intervalMs: number;
  /** Why this sample has no rows, e.g. the broker did not answer. */
  error?: string | undefined;
  /** The terminal's size: longer lines are cut, rows beyond its height left out. */
  size?: { columns?: number | undefined; rows?: number | undefined };
}

/** The lines of one screen: a title line as `watch` has, then the table (or what went wrong). */
export function screenLines(rows: readonly LagViewRow[], options: ScreenOptions): string[] {
  const clock = new Date(options.at).toISOString().slice(11, 19);
  // Not formatDuration: it rounds to whole seconds, and --interval 0.5 is not "every 1 s".
  const title = `every ${options.intervalMs / 1000} s: primoart lag    ${clock} UTC    (Ctrl-C to stop)`;
  let body: string[];
  if (options.error !== undefined) body = [`could not read the lag: ${options.error}`];
  else if (rows.length === 0) body = ['no group has committed offsets on a topic of the catalog'];
  else
    body = columns(
      [
        ['GROUP', 'TOPIC', 'LAG', 'RATE', 'ETA'],
        ...rows.map((row) => [
          row.group,
          row.topic,
          count.format(row.lag),
          rateText(row.ratePerSecond),
          row.etaMs === undefined ? '' : formatDuration(row.etaMs),
        ]),
      ],
      [false, false, true, true, true],
    );
  // A terminal that does not know its size (a bare pty) says 0.
  const width = options.size?.columns || undefined;
  const lines = [title, '', ...body].map((line) => (width === undefined ? line : line.slice(0, width)));
  // The last terminal row stays empty: writing into it would scroll the screen a line per redraw.
  const height = options.size?.rows || undefined;
  return height === undefined ? lines : lines.slice(0, Math.max(1, height - 1));
}

/**
 * One redraw: cursor home, every line written over the old one and erased to its end, then the rest
 * of the screen erased, so a shorter table leaves nothing of the last one behind and nothing flickers.
 */
export function redraw(lines: readonly string[]): string {
  return `\x1b[H${lines.map((line) => `${line}\x1b[K\n`).join('')}\x1b[J`;
}

/** While watching on a terminal the cursor is hidden; shown again on the way out, whatever the way. */
export const hideCursor = '\x1b[?25l';
export const showCursor = '\x1b[?25h';

/** The columns of the lines written when the output is not a terminal (a file, a pipe, a log). */
export const plainHeader = ['TIME', 'GROUP', 'TOPIC', 'LAG', 'RATE'].join('\t');

/**
 * One line per group and topic per sample, tab-separated and timestamped like `vmstat -t`, no
 * escapes: what `grep`, `awk` or a spreadsheet reads. RATE is records per second, empty when unknown.
 */
export function plainLines(rows: readonly LagViewRow[], at: number): string[] {
  const time = new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
  return rows.map((row) =>
    [
      time,
      row.group,
      row.topic,
      row.lag,
      row.ratePerSecond === undefined ? '' : Math.round(row.ratePerSecond * 10) / 10,
    ].join('\t'),
  );
}
