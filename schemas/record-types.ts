// TypeScript faces of the contract and of the Avro records.
//
// Each record type has a field-name object checked by the compiler against the type (`satisfies`: a
// missing or extra key fails to compile). The upload validator takes its list of known fields from the
// payload ones; a unit test compares the record ones with the .avsc field names both ways. Together
// the TypeScript types, the validator and the Avro schemas cannot drift apart silently.

export const runStatuses = ['OK', 'WARNING', 'FAIL'] as const;
export type RunStatus = (typeof runStatuses)[number];

export const screenshotContentTypes = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type ScreenshotContentType = (typeof screenshotContentTypes)[number];

// What a robot sends (CONTRACT.md "Robot results"). Optional fields may also be sent as null.

export interface LocationPayload {
  city?: string | null;
  region?: string | null;
  country?: string | null;
  latitude?: number | null;
  longitude?: number | null;
}

export interface StepPayload {
  index: number;
  name: string;
  started_at: string;
  finished_at: string;
  status: RunStatus;
  error_message?: string | null;
}

export interface ScreenshotPayload {
  step_index: number;
  content_type: ScreenshotContentType;
  /** Standard base64 of the image bytes. */
  data: string;
}

export interface TransactionResultPayload {
  result_id: string;
  transaction_id: string;
  transaction_name: string;
  service: string;
  project?: string | null;
  robot_id: string;
  robot_name?: string | null;
  location?: LocationPayload | null;
  environment?: string | null;
  started_at: string;
  finished_at: string;
  status: RunStatus;
  error_code?: number | null;
  error_message?: string | null;
  target_duration_ms?: number | null;
  steps: StepPayload[];
  log?: string | null;
  screenshots?: ScreenshotPayload[] | null;
  attributes?: Record<string, string> | null;
}

export interface BatchPayload {
  results: unknown[];
}

export const locationPayloadFields = {
  city: true,
  region: true,
  country: true,
  latitude: true,
  longitude: true,
} as const satisfies Record<keyof LocationPayload, true>;

export const stepPayloadFields = {
  index: true,
  name: true,
  started_at: true,
  finished_at: true,
  status: true,
  error_message: true,
} as const satisfies Record<keyof StepPayload, true>;

export const screenshotPayloadFields = {
  step_index: true,
  content_type: true,
  data: true,
} as const satisfies Record<keyof ScreenshotPayload, true>;

export const transactionResultPayloadFields = {
  result_id: true,
  transaction_id: true,
  transaction_name: true,
  service: true,
  project: true,
  robot_id: true,
  robot_name: true,
  location: true,
  environment: true,
  started_at: true,
  finished_at: true,
  status: true,
  error_code: true,
  error_message: true,
  target_duration_ms: true,
  steps: true,
  log: true,
  screenshots: true,
  attributes: true,
} as const satisfies Record<keyof TransactionResultPayload, true>;

export const batchPayloadFields = { results: true } as const satisfies Record<keyof BatchPayload, true>;

// What the workers use: the Avro records with times as Date. Absent optional values are null;
// absent screenshots and attributes are empty.

export interface Location {
  city: string | null;
  region: string | null;
  country: string | null;
  latitude: number | null;
  longitude: number | null;
}

export interface Step {
  index: number;
  name: string;
  started_at: Date;
  finished_at: Date;
  status: RunStatus;
  error_message: string | null;
}

export interface ScreenshotRef {
  step_index: number;
  content_type: ScreenshotContentType;
  object_key: string;
  size_bytes: number;
  /** Lowercase hex. */
  sha256: string;
}

/** The fields a validated upload and a stored result share. */
interface TransactionResultCore {
  result_id: string;
  transaction_id: string;
  transaction_name: string;
  service: string;
  project: string | null;
  robot_id: string;
  robot_name: string | null;
  location: Location | null;
  environment: string;
  started_at: Date;
  finished_at: Date;
  status: RunStatus;
  error_code: number | null;
  error_message: string | null;
  target_duration_ms: number | null;
  steps: Step[];
  log: string | null;
  attributes: Record<string, string>;
}

/** One record of primoart.synth.results.v1, as workers see it. */
export interface SynthResult extends TransactionResultCore {
  screenshots: ScreenshotRef[];
  received_at: Date;
}

/** One record of primoart.synth.artifacts.v1, as workers see it. */
export interface SynthArtifact {
  result_id: string;
  transaction_id: string;
  step_index: number;
  ordinal: number;
  content_type: ScreenshotContentType;
  sha256: string;
  object_key: string;
  data: Buffer;
  captured_at: Date;
  received_at: Date;
}

/** A screenshot that passed validation: its bytes decoded and matching content_type. */
export interface ValidScreenshot {
  step_index: number;
  content_type: ScreenshotContentType;
  bytes: Buffer;
}

/** An upload that passed validation: UUIDs lowercased, times parsed, environment filled in. */
export interface ValidTransactionResult extends TransactionResultCore {
  screenshots: ValidScreenshot[];
}

/** The value avsc encodes: the same shape with timestamp-millis fields as epoch milliseconds. */
export type AvroValue<T> = T extends Date
  ? number
  : T extends Buffer
    ? T
    : T extends readonly (infer Item)[]
      ? AvroValue<Item>[]
      : T extends object
        ? { [Key in keyof T]: AvroValue<T[Key]> }
        : T;

export type TransactionResultRecord = AvroValue<SynthResult>;
export type SynthArtifactRecord = AvroValue<SynthArtifact>;

export const locationFields = {
  city: true,
  region: true,
  country: true,
  latitude: true,
  longitude: true,
} as const satisfies Record<keyof Location, true>;

export const stepFields = {
  index: true,
  name: true,
  started_at: true,
  finished_at: true,
  status: true,
  error_message: true,
} as const satisfies Record<keyof Step, true>;

export const screenshotRefFields = {
  step_index: true,
  content_type: true,
  object_key: true,
  size_bytes: true,
  sha256: true,
} as const satisfies Record<keyof ScreenshotRef, true>;

export const synthResultFields = {
  result_id: true,
  transaction_id: true,
  transaction_name: true,
  service: true,
  project: true,
  robot_id: true,
  robot_name: true,
  location: true,
  environment: true,
  started_at: true,
  finished_at: true,
  status: true,
  error_code: true,
  error_message: true,
  target_duration_ms: true,
  steps: true,
  log: true,
  screenshots: true,
  attributes: true,
  received_at: true,
} as const satisfies Record<keyof SynthResult, true>;

export const synthArtifactFields = {
  result_id: true,
  transaction_id: true,
  step_index: true,
  ordinal: true,
  content_type: true,
  sha256: true,
  object_key: true,
  data: true,
  captured_at: true,
  received_at: true,
} as const satisfies Record<keyof SynthArtifact, true>;

// The three OpenTelemetry Avro records (otel-*.avsc): what the gateway's mappers build and the
// logs and metrics stores read. Times are epoch microseconds (see ingest-gateway/README.md "OpenTelemetry").

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

// The baseline worker's records: a series' baselines on primoart.baselines.v1 (baseline.avsc) and a
// transaction's forecast on primoart.forecasts.v1 (transaction-forecast.avsc).

export interface BandRecord {
  runs: number;
  duration_samples: number;
  p10_ms: number | null;
  p50_ms: number | null;
  p90_ms: number | null;
  availability: number | null;
}

export interface SeriesBaselineRecord {
  series_key: string;
  transaction_id: string;
  transaction_name: string;
  step_index: number | null;
  step_name: string | null;
  location: string | null;
  state: 'learning' | 'ready';
  window_runs: number;
  /** Epoch milliseconds. */
  newest_run_at: number;
  all_hours: BandRecord;
  hours: Array<{ hour_of_week: number; source: 'hour-of-week' | 'all-hours'; band: BandRecord }>;
  /** Epoch milliseconds. */
  updated_at: number;
}

export interface TrendRecord {
  fitted_days: number;
  slope_per_day: number;
  /** Monday first. */
  weekday_index: number[];
}

export interface TransactionForecastRecord {
  transaction_id: string;
  transaction_name: string;
  /** Epoch milliseconds. */
  computed_at: number;
  based_on_days: number;
  method: string;
  days: Array<{ date: string; p50_ms: number | null; availability: number | null }>;
  p50_trend: TrendRecord | null;
  availability_trend: TrendRecord | null;
}

// The event detector's record on primoart.events.v1 (detected-event.avsc): a problem opening (or
// changing severity) and a problem clearing.

export const eventKinds = ['availability', 'performance', 'degraded', 'no_data'] as const;
export type EventKind = (typeof eventKinds)[number];

export type ProblemSeverity = 'critical' | 'major' | 'warning';

/** The band a run was judged against (`JudgedBand` in the schema). */
export interface BaselineBand {
  /** `learning` until the baseline has enough samples; no performance judgement is made then. */
  state: 'learning' | 'ready';
  p10_ms: number;
  p50_ms: number;
  p90_ms: number;
  /** How many runs the band was computed from. */
  samples: number;
}

export interface DetectedEvent {
  /** Deterministic: the same judgement of the same run always has the same id (idempotent sinks). */
  event_id: string;
  /** `open` also announces a severity change, or a problem that outlived its maintenance window. */
  action: 'open' | 'clear';
  kind: EventKind;
  severity: ProblemSeverity | 'normal';
  transaction_id: string;
  transaction_name: string;
  service: string;
  environment: string;
  /** Null for the transaction over all locations. */
  location: string | null;
  occurred_at: Date;
  /** The run that caused the event; null for no-data events. */
  result_id: string | null;
  value: string;
  text: string;
  /** The band the run was judged against, when there was one. */
  baseline: BaselineBand | null;
  /** Recorded but not to be alerted: inside a maintenance window, or closing a problem never alerted. */
  suppressed: boolean;
  maintenance_window_id: string | null;
}

/** The event as avsc encodes it: the same fields, `occurred_at` in epoch milliseconds. */
export type DetectedEventRecord = Omit<DetectedEvent, 'occurred_at'> & { occurred_at: number };
