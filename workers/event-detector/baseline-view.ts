// The baselines the detector judges against, from the baseline worker's compacted
// primoart.baselines.v1 (keyed per series, so not co-partitioned with the results: every instance
// reads the whole topic into memory). Only whole-run series are kept, and only as their encoded
// bytes: decoding 168 hour bands of every series at start costs more than reading the topic, and
// the bytes are smaller than the decoded bands. A series is decoded when a run needs it, and the
// most recently used ones stay decoded.
import { hourOfWeek, hoursPerWeek } from '../../schemas/hour-of-week.ts';
import type { SeriesBaselineRecord } from '../../schemas/record-types.ts';
import { parseSeriesKey, seriesKey } from '../../schemas/series-key.ts';
import {
  bandOf,
  type ComputedBaseline,
  type PublishedHour,
  type RunBaselines,
  steadiedHourBands,
} from './baseline-band.ts';

export function isRunSeriesKey(key: string): boolean {
  const series = parseSeriesKey(key);
  return series !== undefined && series.stepIndex === null;
}

/**
 * The bands a run of each hour of week is judged against: the record's, steadied by the series'
 * other hours (`steadiedHourBands`: a one-week-old bucket of ~12 runs is too noisy to judge several
 * runs together against). The event carries this band, so the console shows what was judged.
 */
export function hourBaselinesOf(record: SeriesBaselineRecord): ComputedBaseline[] {
  const published: Array<PublishedHour | undefined> = Array.from({ length: hoursPerWeek }, () => undefined);
  for (const { hour_of_week, source, band } of record.hours) {
    const { p10_ms: p10, p50_ms: p50, p90_ms: p90 } = band;
    published[hour_of_week] = {
      state: record.state,
      duration: p10 === null || p50 === null || p90 === null ? null : { p10, p50, p90 },
      durationSamples: band.duration_samples,
      own: source === 'hour-of-week',
    };
  }
  return steadiedHourBands(published);
}

/** The keys of the location's and the overall run series of a run. */
export function runSeriesKeys(transactionId: string, location: string | null): string[] {
  const overall = seriesKey({ transactionId, stepIndex: null, location: null });
  return location === null ? [overall] : [seriesKey({ transactionId, stepIndex: null, location }), overall];
}

export interface BaselineLookup {
  /** Decode the given series (those not decoded yet), so that `get` finds them. */
  prepare(keys: Iterable<string>): Promise<void>;
  /** A prepared series' bands by hour of week (as prepared); undefined for a series without baselines. */
  get(key: string): ComputedBaseline[] | undefined;
}

/**
 * Decoded series over `encoded` (the view: a series' latest record bytes), at most `keep` of them,
 * the least recently used dropped first; a changed record is decoded again.
 */
export function baselineLookup(
  encoded: (key: string) => Buffer | null | undefined,
  decode: (value: Buffer) => Promise<SeriesBaselineRecord>,
  keep = 10_000,
): BaselineLookup {
  const decoded = new Map<string, { from: Buffer; hours: ComputedBaseline[] }>();
  const current = (key: string) => {
    const entry = decoded.get(key);
    const bytes = encoded(key);
    return entry !== undefined && entry.from === bytes ? entry : undefined;
  };
  return {
    async prepare(keys) {
      for (const key of keys) {
        const entry = current(key);
        decoded.delete(key);
        if (entry !== undefined) {
          decoded.set(key, entry);
          continue;
        }
        const bytes = encoded(key);
        if (bytes === null || bytes === undefined) continue;
        decoded.set(key, { from: bytes, hours: hourBaselinesOf(await decode(bytes)) });
        if (decoded.size > keep) decoded.delete(decoded.keys().next().value as string);
      }
    },
    // What `prepare` decoded, even if a newer record arrived since: the baseline worker republishes
    // while a batch is judged, and a run must not go unjudged because its band just got fresher.
    get: (key) => decoded.get(key)?.hours,
  };
}

/** The location's and the overall band a run starting at `startedAt` is judged against. */
export function runBaselinesAt(
  lookup: (key: string) => ComputedBaseline[] | undefined,
  transactionId: string,
  location: string | null,
  startedAt: Date,
): RunBaselines {
  const hour = hourOfWeek(startedAt);
  const [first, second] = runSeriesKeys(transactionId, location);
  const bandFor = (key: string | undefined) => (key === undefined ? null : bandOf(lookup(key)?.[hour]));
  return location === null
    ? { location: null, overall: bandFor(first) }
    : { location: bandFor(first), overall: bandFor(second) };
}
