// What the event detector needs from a baseline: the band a run's duration is judged against.
// The baseline worker supplies one per series (transaction × location, and transaction overall).
import { probit } from 'simple-statistics';
import type { BaselineBand } from '../../schemas/record-types.ts';

/** The bands that apply to one run: its location's, and its transaction's over all locations. */
export interface RunBaselines {
  location: BaselineBand | null;
  overall: BaselineBand | null;
}

/** The shape of a duration baseline as the baseline worker computes it (quantiles without units). */
export interface ComputedBaseline {
  state: 'learning' | 'ready';
  duration: { p10: number; p50: number; p90: number } | null;
  durationSamples: number;
}

/** The band of a computed baseline; null while it has no duration (no run has passed yet). */
export function bandOf(baseline: ComputedBaseline | null | undefined): BaselineBand | null {
  if (baseline === null || baseline === undefined || baseline.duration === null) return null;
  return {
    state: baseline.state,
    p10_ms: baseline.duration.p10,
    p50_ms: baseline.duration.p50,
    p90_ms: baseline.duration.p90,
    samples: baseline.durationSamples,
  };
}

/** Standard normal quantile at 0.9 (minus it at 0.1): a log-normal's p90 is p50 × exp(σ · z90). */
export const z90 = 1.2815515655446004;

/**
 * The standard-normal value the baseline's p90 of `n` samples sits at on average. The baseline
 * worker's quantiles are type 7 (linear between the order statistics around (n − 1)·0.9), which
 * lean toward the median with few samples: at n = 12 the p90 sits at z ≈ 1.08, not 1.28, so a band
 * of a one-week-old bucket is ≈ 16 % too narrow. Order statistics' expectations by Blom's
 * approximation, Φ⁻¹((i − 0.375)/(n + 0.25)).
 */
export function sampleZ90(n: number): number {
  if (!(n >= 2)) return z90;
  const position = (n - 1) * 0.9;
  const below = Math.floor(position);
  const fraction = position - below;
  const expected = (i: number) => probit((i + 1 - 0.375) / (n + 0.25));
  return (1 - fraction) * expected(below) + fraction * expected(Math.min(below + 1, n - 1));
}

/** An hour of week's band as the baseline record publishes it. */
export interface PublishedHour extends ComputedBaseline {
  /** From the hour's own bucket (`source: hour-of-week`), not the all-hours band of a thin bucket. */
  own: boolean;
}

/**
 * How many samples' worth of weight the series' pooled spread gets against an hour's own: an
 * hour's spread from 12 samples is ±20 % noise, from 48 (four weeks) still ±10 %.
 */
const pooledSpreadWeight = 48;
/** A thin hour takes its level from own hours at most this far away. */
const thinHourReach = 2;
/**
 * Runs judged against one hour's band: an hour of a 5-minute schedule. They share its level's
 * error, so a test summing them sees that error this many times over (see `steadiedHourBands`).
 */
const runsPerBand = 12;
/**
 * The level of an hour from its three quantiles: for a normal sample the best linear mix of the
 * median and the p10–p90 midpoint (asymptotic covariances of order statistics) has variance
 * 1.155 σ²/n against π/2 σ²/n = 1.571 σ²/n for the median alone. The midpoint needs no spread and
 * the type-7 lean toward the median cancels in it.
 */
const midpointWeight = 0.485;
const levelVarianceFactor = 1.155;

interface OwnHour {
  hour: number;
  level: number;
  spread: number;
  samples: number;
}

/**
 * The bands the detector judges against: each hour's published band steadied by what the other
 * hours of the same series say, as a log-normal band (p10, p50, p90 = exp(level ∓ z90 · spread)).
 *
 * Why: a bucket one week old holds ~12 runs. Its p50 is then off by ±0.36 σ and its p10–p90 width by
 * ±20 % (and 16 % too narrow, see `sampleZ90`); a test that judges the runs of that hour together
 * reads such an error as a slowdown (measured: the fleet's chance alarms come from exactly those
 * hours). So:
 * - spread (σ of ln duration) is a property of the journey rather than of the hour: each own
 *   hour's spread, corrected for its sample size, is pooled with the series' mean spread
 *   (`pooledSpreadWeight`);
 * - level (ln p50) is estimated from all three quantiles (`midpointWeight`) and shrunk toward the
 *   mean of the two neighbouring hours (empirical Bayes): the weight toward them is
 *   v / (v + v_neighbours + τ²), v = 1.155 σ²/n the variance of an hour's level and τ² how much an
 *   hour really differs from its neighbours' mean, estimated over the series' hours. Not toward the
 *   all-hours band: seasonality makes an hour really differ from it (the simulated busy hour is
 *   × 1.35, 1.5 σ, above the all-hours median), so shrinking toward it would bias exactly the hours
 *   that matter, while neighbouring hours differ by curvature only;
 * - what error remains in the level (its posterior variance u²) is shared by all the runs of that
 *   hour, so the band's spread is widened to √(σ² + `runsPerBand` · u²): then the mean of an hour's
 *   runs has the spread a test assumes (σ_band² / m = σ²/m + u²). That is 18 % at one week of
 *   history, 7 % at four;
 * - a thin hour (its bucket under the baseline worker's minimum: the published band is the
 *   all-hours one) takes the level of the nearest own hours within `thinHourReach`, widened the
 *   same way for that borrowed level's error and for how much levels move from one hour to the next.
 * - an hour with no own hour within reach, and every hour of a series without any (a schedule
 *   sparser than 5 minutes until its buckets fill: 15 minutes until the third week, hourly never
 *   within 28 days), has only the all-hours band. Where in it the hour's own level lies is unknown
 *   (the simulated busy hours sit ≈ 1 all-hours σ above its p50), so the band is widened as if the
 *   whole all-hours spread were such shared error: √(1 + `runsPerBand`) × its spread. Judged
 *   against it only gross slowdowns open, and a busy hour is not taken for one (measured at 15
 *   minutes: not one chance problem in the first two weeks, where 5 of 5 opened ~0.05 a day).
 */
export function steadiedHourBands(hours: readonly (PublishedHour | undefined)[]): ComputedBaseline[] {
  const count = hours.length;
  const own: Array<OwnHour | undefined> = hours.map((published, hour) => {
    const duration = published?.duration;
    if (published === undefined || !published.own || duration == null) return undefined;
    const samples = published.durationSamples;
    if (!(samples >= 2 && duration.p10 > 0 && duration.p50 > 0 && duration.p90 > duration.p10))
      return undefined;
    const spread = Math.log(duration.p90 / duration.p10) / (2 * sampleZ90(samples));
    const midpoint = Math.log(duration.p10 * duration.p90) / 2;
    const level = (1 - midpointWeight) * Math.log(duration.p50) + midpointWeight * midpoint;
    return { hour, level, spread, samples };
  });
  const owned = own.filter((h): h is OwnHour => h !== undefined);
  if (owned.length === 0) return hours.map((published) => allHoursBand(published));

  const totalSamples = owned.reduce((sum, h) => sum + h.samples, 0);
  const pooledSpread = owned.reduce((sum, h) => sum + h.samples * h.spread, 0) / totalSamples;
  const levelVariance = (samples: number) => (levelVarianceFactor * pooledSpread ** 2) / samples;
  const at = (hour: number) => own[(hour + count) % count];
  const neighbours = (hour: number) => {
    const found = [at(hour - 1), at(hour + 1)].filter((h): h is OwnHour => h !== undefined);
    if (found.length === 0) return undefined;
    return {
      level: found.reduce((sum, h) => sum + h.level, 0) / found.length,
      variance: found.reduce((sum, h) => sum + levelVariance(h.samples), 0) / found.length ** 2,
    };
  };
  // τ²: squared differences from the neighbours' mean beyond what sampling explains; and the same
  // for one hour to the next (how far a borrowed level may be off per hour of distance).
  let excess = 0;
  let compared = 0;
  let stepExcess = 0;
  let steps = 0;
  for (const h of owned) {
    const around = neighbours(h.hour);
    if (around !== undefined) {
      excess += (h.level - around.level) ** 2 - levelVariance(h.samples) - around.variance;
      compared++;
    }
    const following = at(h.hour + 1);
    if (following !== undefined) {
      stepExcess +=
        (following.level - h.level) ** 2 - levelVariance(h.samples) - levelVariance(following.samples);
      steps++;
    }
  }
  const roughness = compared === 0 ? 0 : Math.max(0, excess / compared);
  const stepRoughness = steps === 0 ? 0 : Math.max(0, stepExcess / steps);

  return hours.map((published, hour) => {
    if (published === undefined) return stripOwn(published);
    const mine = own[hour];
    if (mine !== undefined) {
      const around = neighbours(hour);
      const variance = levelVariance(mine.samples);
      let level = mine.level;
      let uncertainty = variance;
      if (around !== undefined) {
        const prior = around.variance + roughness;
        level += (variance / (variance + prior)) * (around.level - mine.level);
        uncertainty = 1 / (1 / variance + 1 / prior);
      }
      const spread =
        (mine.samples * mine.spread + pooledSpreadWeight * pooledSpread) /
        (mine.samples + pooledSpreadWeight);
      return logNormalBand(published, level, Math.sqrt(spread ** 2 + runsPerBand * uncertainty));
    }
    if (published.duration === null) return stripOwn(published);
    const nearest: Array<{ from: OwnHour; distance: number }> = [];
    for (const direction of [-1, 1]) {
      for (let distance = 1; distance <= thinHourReach; distance++) {
        const from = at(hour + direction * distance);
        if (from !== undefined) {
          nearest.push({ from, distance });
          break;
        }
      }
    }
    if (nearest.length === 0) return allHoursBand(published);
    const level = nearest.reduce((sum, n) => sum + n.from.level, 0) / nearest.length;
    const uncertainty =
      nearest.reduce((sum, n) => sum + levelVariance(n.from.samples), 0) / nearest.length ** 2 +
      (stepRoughness * nearest.reduce((sum, n) => sum + n.distance ** 2, 0)) / nearest.length;
    return logNormalBand(published, level, Math.sqrt(pooledSpread ** 2 + runsPerBand * uncertainty));
  });
}

/** A thin hour's published (all-hours) band, widened for not knowing its hour's level in it. */
function allHoursBand(published: PublishedHour | undefined): ComputedBaseline {
  const duration = published?.duration;
  if (published === undefined || duration == null) return stripOwn(published);
  if (!(duration.p10 > 0 && duration.p90 > duration.p10)) return stripOwn(published);
  const spread = Math.log(duration.p90 / duration.p10) / (2 * sampleZ90(published.durationSamples));
  return logNormalBand(published, Math.log(duration.p50), spread * Math.sqrt(1 + runsPerBand));
}

function stripOwn(published: PublishedHour | undefined): ComputedBaseline {
  if (published === undefined) return { state: 'learning', duration: null, durationSamples: 0 };
  const { own: _own, ...band } = published;
  return band;
}

function logNormalBand(published: PublishedHour, level: number, spread: number): ComputedBaseline {
  return {
    state: published.state,
    duration: {
      p10: Math.exp(level - z90 * spread),
      p50: Math.exp(level),
      p90: Math.exp(level + z90 * spread),
    },
    durationSamples: published.durationSamples,
  };
}
