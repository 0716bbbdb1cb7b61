// The series a baseline describes, and the key it is published under on the compacted
// primoart.baselines.v1: built by the baseline worker, looked up by the event detector, so both
// go through this one file.
import type { Location } from './record-types.ts';

export interface SeriesId {
  transactionId: string;
  /** null: the whole run; else the step's index (stable while steps get renamed). */
  stepIndex: number | null;
  /** null: every location together; else `country/region/city` of the robot (`locationKey`). */
  location: string | null;
}

/** The compacted-topic key of a series: `<transaction_id>|run|<location or *>` or `…|step-<i>|…`. */
export function seriesKey(id: SeriesId): string {
  return `${id.transactionId}|${id.stepIndex === null ? 'run' : `step-${id.stepIndex}`}|${id.location ?? '*'}`;
}

/**
 * The series of a key `seriesKey` built; undefined for anything else. A transaction id is a UUID
 * (no `|`), and the location is the rest of the key, whatever characters a robot's location has.
 */
export function parseSeriesKey(key: string): SeriesId | undefined {
  const first = key.indexOf('|');
  const second = key.indexOf('|', first + 1);
  if (first <= 0 || second < 0) return undefined;
  const part = key.slice(first + 1, second);
  const step = /^step-(0|[1-9][0-9]*)$/.exec(part);
  if (part !== 'run' && step === null) return undefined;
  const location = key.slice(second + 1);
  return {
    transactionId: key.slice(0, first),
    stepIndex: step === null ? null : Number(step[1]),
    location: location === '*' ? null : location,
  };
}

/**
 * `country/region/city` with the known parts; null when the run names no location. Series, events
 * and their lookups all name a location this way, or no band is found for it.
 */
export function locationKey(location: Location | null): string | null {
  if (location === null) return null;
  const parts = [location.country, location.region, location.city].filter(
    (part): part is string => part !== null && part.length > 0,
  );
  return parts.length === 0 ? null : parts.join('/');
}
