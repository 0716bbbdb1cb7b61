// An OTLP metric point (primoart.otel.metrics.v1) → Prometheus samples at the point's time,
// after the OpenTelemetry "Prometheus and OpenMetrics compatibility" spec. See README "Metrics".
import type { ExponentialBucketsRecord, OtelMetricPointRecord } from '../../schemas/record-types.ts';
import {
  attributeLabels,
  identifyingKeys,
  isRenamedToProtect,
  resourceLabels,
  scopeLabels,
  targetInfoLabels,
} from './otel-attributes.ts';
import { isReservedMetricName, metricNameCharacters, prometheusMetricName } from './prometheus-names.ts';
import type { Sample } from './sample.ts';

/** OTLP data point flag: the point marks a gap (no recorded value). */
const noRecordedValue = 1;

/** Bucket bound as a label value, the way Prometheus clients write it: 1, 0.25, +Inf. */
const boundLabel = (bound: number): string => (bound === Number.POSITIVE_INFINITY ? '+Inf' : String(bound));

/**
 * base^index with base = 2^(2^-scale), computed as one power of two: index × 2^-scale is exact in
 * floating point, so a bound that is a power of two is exactly that (1024, never
 * 1023.9999999999986), and the same bound reached from another scale is the same number (and the
 * same `le`). Raising a rounded base to the index would carry its error into every bound.
 */
export function exponentialBound(scale: number, index: number): number {
  return 2 ** (index * 2 ** -scale);
}

/** Cumulative (upper bound, count) pairs of an exponential histogram, ending with +Inf. */
export function exponentialBuckets(
  buckets: ExponentialBucketsRecord,
  count: number,
): Array<{ le: number; count: number }> {
  const bound = (index: number) => exponentialBound(buckets.scale, index);
  const result: Array<{ le: number; count: number }> = [];
  let cumulative = 0;
  // Negative bucket at index i holds [-base^(i+1), -base^i): the most negative comes first.
  for (let i = buckets.negative_bucket_counts.length - 1; i >= 0; i -= 1) {
    cumulative += buckets.negative_bucket_counts[i] ?? 0;
    result.push({ le: -bound(buckets.negative_offset + i), count: cumulative });
  }
  cumulative += buckets.zero_count;
  result.push({ le: buckets.zero_threshold, count: cumulative });
  // Positive bucket at index i holds (base^i, base^(i+1)].
  buckets.positive_bucket_counts.forEach((bucketCount, i) => {
    cumulative += bucketCount;
    result.push({ le: bound(buckets.positive_offset + i + 1), count: cumulative });
  });
  result.push({ le: Number.POSITIVE_INFINITY, count });
  return result;
}

/**
 * The samples of one point. `count` hears of every client name, attribute or job renamed to keep
 * it off a name or label that is PrimoART's own (README "Metrics"); `ownJobs` are the jobs of
 * PrimoART's own processes.
 */
export function metricPointSamples(
  point: OtelMetricPointRecord,
  count: (
    reason: 'reserved_metric_name_renamed' | 'reserved_label_renamed' | 'reserved_job_renamed',
    count?: number,
  ) => void = () => {},
  ownJobs: ReadonlySet<string> = new Set(),
): Sample[] {
  if ((point.flags & noRecordedValue) !== 0) return [];
  // Point attributes, and resource attributes (target_info labels) other than the identifying ones.
  const renamed = [...point.attributes, ...point.resource.attributes].filter(
    (attribute) => !identifyingKeys.has(attribute.key) && isRenamedToProtect(attribute.key),
  ).length;
  if (renamed > 0) count('reserved_label_renamed', renamed);
  if (isReservedMetricName(metricNameCharacters(point.metric_name))) count('reserved_metric_name_renamed');
  const timestampMs = Math.floor(point.time_unix_micros / 1000);
  const resource = resourceLabels(point.resource, ownJobs);
  if (resource.job !== resourceLabels(point.resource).job) count('reserved_job_renamed');
  // No attribute can land on these: attributeLabels renames those to exported_<name>.
  const labels = { ...attributeLabels(point.attributes), ...scopeLabels(point.scope), ...resource };
  const samples: Sample[] = [];
  const add = (name: string, value: number, extra: Record<string, string> = {}) =>
    samples.push({ name, labels: { ...labels, ...extra }, value, timestampMs });

  const cumulative = point.aggregation_temporality === 'CUMULATIVE';
  const unit = point.metric_unit;
  switch (point.metric_type) {
    case 'GAUGE':
    case 'SUM': {
      const counter = point.metric_type === 'SUM' && point.is_monotonic === true && cumulative;
      const gaugeLike = point.metric_type === 'GAUGE' || point.is_monotonic !== true;
      const name = prometheusMetricName(point.metric_name, { unit, counter, ratio: gaugeLike });
      add(name, point.value_int ?? point.value_double ?? Number.NaN);
      break;
    }
    case 'HISTOGRAM':
    case 'EXPONENTIAL_HISTOGRAM': {
      const base = prometheusMetricName(point.metric_name, { unit, counter: false, ratio: false });
      const count = point.count ?? 0;
      if (point.metric_type === 'HISTOGRAM') {
        let running = 0;
        point.explicit_bounds.forEach((bound, i) => {
          running += point.bucket_counts[i] ?? 0;
          add(`${base}_bucket`, running, { le: boundLabel(bound) });
        });
        add(`${base}_bucket`, count, { le: '+Inf' });
      } else if (point.exponential !== null) {
        for (const bucket of exponentialBuckets(point.exponential, count)) {
          add(`${base}_bucket`, bucket.count, { le: boundLabel(bucket.le) });
        }
      }
      if (point.sum !== null) add(`${base}_sum`, point.sum);
      add(`${base}_count`, count);
      break;
    }
    case 'SUMMARY': {
      const base = prometheusMetricName(point.metric_name, { unit, counter: false, ratio: false });
      for (const quantile of point.quantile_values) {
        add(base, quantile.value, { quantile: String(quantile.quantile) });
      }
      if (point.sum !== null) add(`${base}_sum`, point.sum);
      add(`${base}_count`, point.count ?? 0);
      break;
    }
  }
  if (samples.length > 0) {
    samples.push({
      name: 'target_info',
      labels: targetInfoLabels(point.resource, ownJobs),
      value: 1,
      timestampMs,
    });
  }
  return samples;
}
