// The TypeScript faces of the three OpenTelemetry Avro records (schemas/otel-*.avsc): what the
// mappers build and what the codecs encode. Times are epoch microseconds (see README "OpenTelemetry").

export interface AnyValueRecord {
  string_value: string | null;
  bool_value: boolean | null;
  int_value: number | null;
  double_value: number | null;
  bytes_value: Buffer | null;
  array_value: AnyValueRecord[] | null;
  kvlist_value: KeyValueRecord[] | null;
}

export interface KeyValueRecord {
  key: string;
  value: AnyValueRecord;
}

export interface ResourceRecord {
  attributes: KeyValueRecord[];
  dropped_attributes_count: number;
  schema_url: string;
}

export interface ScopeRecord {
  name: string;
  version: string;
  attributes: KeyValueRecord[];
  dropped_attributes_count: number;
  schema_url: string;
}

/** What every record carries about where it came from. */
export interface OriginFields {
  service_name: string | null;
  resource: ResourceRecord;
  scope: ScopeRecord;
  received_at: number;
}

export interface SpanEventRecord {
  time_unix_micros: number;
  name: string;
  attributes: KeyValueRecord[];
  dropped_attributes_count: number;
}

export interface SpanLinkRecord {
  trace_id: string;
  span_id: string;
  trace_state: string;
  attributes: KeyValueRecord[];
  dropped_attributes_count: number;
  flags: number;
}

export interface OtelSpanRecord extends OriginFields {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  trace_state: string;
  flags: number;
  name: string;
  kind: string;
  start_time_unix_micros: number;
  end_time_unix_micros: number;
  attributes: KeyValueRecord[];
  dropped_attributes_count: number;
  events: SpanEventRecord[];
  dropped_events_count: number;
  links: SpanLinkRecord[];
  dropped_links_count: number;
  status_code: string;
  status_message: string;
}

export interface ExponentialBucketsRecord {
  scale: number;
  zero_count: number;
  zero_threshold: number;
  positive_offset: number;
  positive_bucket_counts: number[];
  negative_offset: number;
  negative_bucket_counts: number[];
}

export interface QuantileRecord {
  quantile: number;
  value: number;
}

export interface OtelMetricPointRecord extends OriginFields {
  series_id: string;
  metric_name: string;
  metric_description: string;
  metric_unit: string;
  metric_type: 'GAUGE' | 'SUM' | 'HISTOGRAM' | 'EXPONENTIAL_HISTOGRAM' | 'SUMMARY';
  aggregation_temporality: string | null;
  is_monotonic: boolean | null;
  attributes: KeyValueRecord[];
  start_time_unix_micros: number | null;
  time_unix_micros: number;
  flags: number;
  value_double: number | null;
  value_int: number | null;
  count: number | null;
  sum: number | null;
  min: number | null;
  max: number | null;
  explicit_bounds: number[];
  bucket_counts: number[];
  exponential: ExponentialBucketsRecord | null;
  quantile_values: QuantileRecord[];
}

export interface OtelLogRecord extends OriginFields {
  time_unix_micros: number | null;
  observed_time_unix_micros: number | null;
  severity_number: number;
  severity_text: string;
  body: AnyValueRecord | null;
  attributes: KeyValueRecord[];
  dropped_attributes_count: number;
  flags: number;
  trace_id: string | null;
  span_id: string | null;
  event_name: string;
}
