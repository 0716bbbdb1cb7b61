// ExportMetricsServiceRequest → one OtelMetricPointRecord per data point of every gauge, sum,
// histogram, exponential histogram and summary, keyed by a stable series id.
import { createHash } from 'node:crypto';
import type { KeyValueRecord, OriginFields, OtelMetricPointRecord } from '../../schemas/record-types.ts';
import {
  attributesOf,
  micros,
  optionalMicros,
  RecordRejection,
  Rejections,
  resourceOf,
  safeCount,
  scopeOf,
  serviceNameOf,
} from './common-mapping.ts';
import {
  bigIntField,
  bigIntList,
  has,
  message,
  messages,
  numberField,
  numberList,
  type PlainMessage,
  text,
} from './plain-message.ts';
import type { Mapped } from './trace-mapping.ts';

const temporalities = ['UNSPECIFIED', 'DELTA', 'CUMULATIVE'] as const;
/** DataPointFlags.NO_RECORDED_VALUE: a point that marks a gap, without a value. */
const noRecordedValue = 1;

type MetricType = OtelMetricPointRecord['metric_type'];
const dataFields: ReadonlyArray<[string, MetricType]> = [
  ['gauge', 'GAUGE'],
  ['sum', 'SUM'],
  ['histogram', 'HISTOGRAM'],
  ['exponentialHistogram', 'EXPONENTIAL_HISTOGRAM'],
  ['summary', 'SUMMARY'],
];

const sortedByKey = (attributes: KeyValueRecord[]) =>
  [...attributes].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

/**
 * The series a point belongs to: metric name + resource attributes + point attributes, each set
 * taken in key order, hashed (SHA-256, first 128 bits, hex). Same series → same key → same partition.
 */
export function seriesId(metricName: string, resource: KeyValueRecord[], point: KeyValueRecord[]): string {
  const canonical = JSON.stringify([metricName, sortedByKey(resource), sortedByKey(point)]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

const optionalNumber = (from: PlainMessage, field: string) =>
  has(from, field) ? numberField(from, field) : null;

type PointFields = Omit<
  OtelMetricPointRecord,
  keyof OriginFields | 'series_id' | 'metric_name' | 'metric_description' | 'metric_unit' | 'metric_type'
>;

function pointFields(point: PlainMessage, type: MetricType, data: PlainMessage): PointFields {
  const fields: PointFields = {
    aggregation_temporality:
      type === 'GAUGE' || type === 'SUMMARY'
        ? null
        : (temporalities[numberField(data, 'aggregationTemporality')] ?? 'UNSPECIFIED'),
    is_monotonic: type === 'SUM' ? data.isMonotonic === true : null,
    attributes: attributesOf(point),
    start_time_unix_micros: optionalMicros(point, 'startTimeUnixNano'),
    time_unix_micros: micros(point, 'timeUnixNano'),
    flags: numberField(point, 'flags'),
    value_double: null,
    value_int: null,
    count: null,
    sum: null,
    min: null,
    max: null,
    explicit_bounds: [],
    bucket_counts: [],
    exponential: null,
    quantile_values: [],
  };
  const gap = (fields.flags & noRecordedValue) !== 0;
  if (type === 'GAUGE' || type === 'SUM') {
    if (has(point, 'asDouble')) fields.value_double = numberField(point, 'asDouble');
    else if (has(point, 'asInt')) {
      const value = bigIntField(point, 'asInt');
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new RecordRejection(`asInt ${value} is outside ±(2^53−1)`);
      }
      fields.value_int = Number(value);
    } else if (!gap) throw new RecordRejection('the point has neither asDouble nor asInt');
    return fields;
  }
  fields.count = safeCount(bigIntField(point, 'count'), 'count');
  fields.sum = optionalNumber(point, 'sum');
  if (type === 'SUMMARY') {
    fields.quantile_values = messages(point, 'quantileValues').map((quantile) => ({
      quantile: numberField(quantile, 'quantile'),
      value: numberField(quantile, 'value'),
    }));
    return fields;
  }
  fields.min = optionalNumber(point, 'min');
  fields.max = optionalNumber(point, 'max');
  if (type === 'HISTOGRAM') {
    fields.explicit_bounds = numberList(point, 'explicitBounds');
    fields.bucket_counts = bigIntList(point, 'bucketCounts').map((count) => safeCount(count, 'bucket count'));
    if (
      fields.bucket_counts.length > 0 &&
      fields.bucket_counts.length !== fields.explicit_bounds.length + 1
    ) {
      throw new RecordRejection(
        `${fields.bucket_counts.length} bucket counts for ${fields.explicit_bounds.length} bounds (must be bounds + 1)`,
      );
    }
    return fields;
  }
  const positive = message(point, 'positive') ?? {};
  const negative = message(point, 'negative') ?? {};
  const counts = (buckets: PlainMessage) =>
    bigIntList(buckets, 'bucketCounts').map((count) => safeCount(count, 'bucket count'));
  fields.exponential = {
    scale: numberField(point, 'scale'),
    zero_count: safeCount(bigIntField(point, 'zeroCount'), 'zeroCount'),
    zero_threshold: numberField(point, 'zeroThreshold'),
    positive_offset: numberField(positive, 'offset'),
    positive_bucket_counts: counts(positive),
    negative_offset: numberField(negative, 'offset'),
    negative_bucket_counts: counts(negative),
  };
  return fields;
}

export function metricPointsFromRequest(
  request: PlainMessage,
  receivedAt: Date,
): Mapped<OtelMetricPointRecord> {
  const records: Mapped<OtelMetricPointRecord>['records'] = [];
  const rejections = new Rejections();
  messages(request, 'resourceMetrics').forEach((resourceMetrics, r) => {
    const resource = resourceOf(resourceMetrics);
    const serviceName = serviceNameOf(resource);
    messages(resourceMetrics, 'scopeMetrics').forEach((scopeMetrics, s) => {
      const scope = scopeOf(scopeMetrics);
      messages(scopeMetrics, 'metrics').forEach((metric, m) => {
        const path = `resourceMetrics[${r}].scopeMetrics[${s}].metrics[${m}]`;
        const found = dataFields.find(([field]) => has(metric, field));
        if (found === undefined) return;
        const [field, type] = found;
        const data = message(metric, field) ?? {};
        const points = messages(data, 'dataPoints');
        const name = text(metric, 'name');
        if (name === '') {
          rejections.add(path, new RecordRejection('the metric has no name'), points.length);
          return;
        }
        points.forEach((point, p) => {
          try {
            const fields = pointFields(point, type, data);
            const series = seriesId(name, resource.attributes, fields.attributes);
            const record: OtelMetricPointRecord = {
              series_id: series,
              metric_name: name,
              metric_description: text(metric, 'description'),
              metric_unit: text(metric, 'unit'),
              metric_type: type,
              ...fields,
              service_name: serviceName,
              resource,
              scope,
              received_at: receivedAt.getTime(),
            };
            records.push({ key: series, record });
          } catch (error) {
            rejections.add(`${path}.${field}.dataPoints[${p}]`, error);
          }
        });
      });
    });
  });
  return { records, rejections };
}
