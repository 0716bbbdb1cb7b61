// Generated from schemas/*.avsc by `node schemas/typescript-types.ts`: do not edit, regenerate.
// test/unit/schemas/typescript-types.test.ts fails while this file is stale.

export interface TransactionResult<Time = number> {
  /** UUID chosen by the robot; with robot_id, the idempotency key of the run (sinks upsert on robot_id and result_id, so two robots sending the same result_id are two runs). */
  result_id: string;
  /** UUID of the transaction definition this run executed; the Kafka record key. */
  transaction_id: string;
  /** Human name of the transaction, 1-256 characters. */
  transaction_name: string;
  /** Service the transaction exercises, 1-128 characters. */
  service: string;
  /** Project the transaction belongs to, 1-128 characters; null when the robot sent none. */
  project: string | null;
  /** UUID of the robot that ran the transaction (the API key is bound to it). */
  robot_id: string;
  /** Human name of the robot; null when the robot sent none. */
  robot_name: string | null;
  /** Where the robot ran; null when the robot sent no location. */
  location: Location | null;
  /** Environment of the run, e.g. production. The gateway fills in its configured default when the robot sent none. */
  environment: string;
  /** When the run started, milliseconds since the Unix epoch (UTC). */
  started_at: Time;
  /** When the run finished, milliseconds since the Unix epoch (UTC); not before started_at. */
  finished_at: Time;
  /** Outcome of the whole run. */
  status: RunStatus;
  /** Robot-defined error code of a failed run; null when none was sent. */
  error_code: number | null;
  /** Error text of a failed run, at most 8 KiB of UTF-8; null when none was sent. */
  error_message: string | null;
  /** Duration the run is expected to stay under, in milliseconds (> 0); null when none was sent. */
  target_duration_ms: number | null;
  /** The run's steps, 1-500, in the order the robot sent them. */
  steps: Step<Time>[];
  /** The run's log text, at most 1 MiB of UTF-8; null when none was sent. */
  log: string | null;
  /** References to the run's screenshots, in the order the robot sent them; empty when it sent none. */
  screenshots: ScreenshotRef[];
  /** Free-form string attributes of the run, at most 64 entries; empty when the robot sent none. */
  attributes: Record<string, string>;
  /** When the gateway accepted the upload, milliseconds since the Unix epoch (UTC). */
  received_at: Time;
}

export interface Location {
  /** City name. */
  city: string | null;
  /** Region or state. */
  region: string | null;
  /** Country name or code. */
  country: string | null;
  /** Latitude in degrees, -90..90. */
  latitude: number | null;
  /** Longitude in degrees, -180..180. */
  longitude: number | null;
}

export const runStatusSymbols = ['OK', 'WARNING', 'FAIL'] as const;
export type RunStatus = (typeof runStatusSymbols)[number];

export interface Step<Time = number> {
  /** Position of the step in the run, >= 0, unique within the run. */
  index: number;
  /** Human name of the step, 1-256 characters. */
  name: string;
  /** When the step started, milliseconds since the Unix epoch (UTC). */
  started_at: Time;
  /** When the step finished, milliseconds since the Unix epoch (UTC). */
  finished_at: Time;
  /** Outcome of the step. */
  status: RunStatus;
  /** Error text of a failed step, at most 8 KiB of UTF-8; null when none was sent. */
  error_message: string | null;
}

export interface ScreenshotRef {
  /** index of the step the screenshot belongs to. */
  step_index: number;
  /** Media type of the image: image/png, image/jpeg or image/webp. */
  content_type: string;
  /** Deterministic object-store key: screenshots/<transaction_id>/<robot_id>/<result_id>/<step_index>-<ordinal>.<ext> (records published before v2: screenshots/<transaction_id>/<result_id>/<step_index>-<ordinal>.<ext>). */
  object_key: string;
  /** Size of the decoded image in bytes. */
  size_bytes: number;
  /** SHA-256 of the decoded image, lowercase hex. */
  sha256: string;
}

export interface SynthArtifact<Time = number> {
  /** result_id of the run the screenshot belongs to. */
  result_id: string;
  /** transaction_id of the run the screenshot belongs to. */
  transaction_id: string;
  /** index of the step the screenshot belongs to. */
  step_index: number;
  /** Position of this screenshot among the screenshots of the same step, from 0. */
  ordinal: number;
  /** Media type of the image: image/png, image/jpeg or image/webp (checked against its bytes). */
  content_type: string;
  /** SHA-256 of data, lowercase hex. */
  sha256: string;
  /** Deterministic object-store key: screenshots/<transaction_id>/<robot_id>/<result_id>/<step_index>-<ordinal>.<ext> (a run is identified by robot_id and result_id; records published before v2 carry screenshots/<transaction_id>/<result_id>/<step_index>-<ordinal>.<ext>). Writing it twice changes nothing. */
  object_key: string;
  /** The decoded image bytes, at most 5 MiB. */
  data: Buffer;
  /** When the screenshot was taken at the latest: the finished_at of its step, milliseconds since the Unix epoch (UTC). The upload contract carries no capture time of its own. */
  captured_at: Time;
  /** When the gateway accepted the upload, milliseconds since the Unix epoch (UTC). */
  received_at: Time;
}

export interface ApiKey<Time = number> {
  /** The key's id (16 lowercase hex characters), also the message key; part of the key itself. */
  id: string;
  /** A human label given at creation, e.g. the robot or collector that uses the key. */
  name: string;
  /** Scopes the key carries: results:write, otlp:write, definitions:read, read (the console's read API), admin (implies every other). Readers ignore scopes they do not know. */
  scopes: string[];
  /** The robot a robot key may upload results for (lowercase UUID); null for keys not bound to a robot. */
  robot_id: string | null;
  /** SHA-256 of the whole key string (UTF-8), lowercase hex. */
  sha256: string;
  /** When the key was created. */
  created_at: Time;
  /** When the key was revoked; null while it is valid. */
  revoked_at: Time | null;
  /** The key's own rate limit in records (results, spans, data points, log records) per second; null: the gateway's gateway.rate_limit.records_per_second. Added in v2. */
  records_per_second: number | null;
}

export interface ApiKeyUsage<Time = number> {
  /** The key's id: a managed key's 16 hex characters, or config:<name> for a key from the config file. */
  key_id: string;
  /** The latest request this gateway instance authenticated with the key. */
  last_used_at: Time;
}

export interface TransactionDefinition<Time = number> {
  /** Identity of the definition, lowercased; also the message key. */
  uuid: string;
  /** Human name of the transaction, 1-256 characters. */
  name: string;
  /** When robots run it: a 5-field cron expression (minute hour day-of-month month day-of-week), checked with cron-parser. */
  cron: string;
  /** The script the robot executes, at most 256 KiB of UTF-8; opaque to PrimoART. */
  code: string;
  /** The acceptable duration of one run in seconds, greater than 0; slower runs are WARNING. */
  target_duration: number;
  /** Free string labels for robots and dashboards (e.g. location), at most 64 entries. */
  metadata: Record<string, string>;
  /** Optional free text for people, at most 4096 characters. */
  description: string | null;
  /** When the gateway accepted this version, milliseconds since the Unix epoch (UTC). */
  updated_at: Time;
}

export interface OtelSpan<Time = number> {
  /** Trace id, 32 lowercase hex digits (never all zeros). */
  trace_id: string;
  /** Span id, 16 lowercase hex digits (never all zeros). */
  span_id: string;
  /** Parent span id, 16 lowercase hex digits; null for a root span. */
  parent_span_id: string | null;
  /** W3C tracestate of the span, empty when not sent. */
  trace_state: string;
  /** OTLP span flags (W3C trace flags in the low 8 bits, then the parent-is-remote bits). */
  flags: number;
  /** Span name. */
  name: string;
  /** Span kind: UNSPECIFIED, INTERNAL, SERVER, CLIENT, PRODUCER or CONSUMER. */
  kind: string;
  /** Start time, microseconds since the Unix epoch. */
  start_time_unix_micros: number;
  /** End time, microseconds since the Unix epoch. */
  end_time_unix_micros: number;
  /** Span attributes, in the order sent. */
  attributes: KeyValue[];
  /** Span attributes the sender dropped. */
  dropped_attributes_count: number;
  /** Span events, in the order sent. */
  events: SpanEvent[];
  /** Events the sender dropped. */
  dropped_events_count: number;
  /** Span links, in the order sent. */
  links: SpanLink[];
  /** Links the sender dropped. */
  dropped_links_count: number;
  /** Span status: UNSET, OK or ERROR. */
  status_code: string;
  /** Status message (usually of an ERROR), empty when not sent. */
  status_message: string;
  /** The resource attribute service.name when it is a string (copied for convenience), else null. */
  service_name: string | null;
  /** The resource: attributes, dropped count and schema URL. */
  resource: Resource;
  /** The instrumentation scope: name, version, attributes, dropped count and schema URL. */
  scope: InstrumentationScope;
  /** When the gateway received the export request. */
  received_at: Time;
}

export interface KeyValue {
  /** The attribute key. */
  key: string;
  /** The attribute value. */
  value: AnyValue;
}

export interface AnyValue {
  /** A string value; also an integer beyond ±(2^53−1), as its decimal digits. */
  string_value: string | null;
  /** A boolean value. */
  bool_value: boolean | null;
  /** An integer value within ±(2^53−1). */
  int_value: number | null;
  /** A floating-point value. */
  double_value: number | null;
  /** A bytes value. */
  bytes_value: Buffer | null;
  /** An array of values. */
  array_value: AnyValue[] | null;
  /** A list of key/value pairs (a map). */
  kvlist_value: KeyValue[] | null;
}

export interface SpanEvent {
  /** Event time, microseconds since the Unix epoch. */
  time_unix_micros: number;
  /** Event name. */
  name: string;
  /** Event attributes, in the order sent. */
  attributes: KeyValue[];
  /** Event attributes the sender dropped. */
  dropped_attributes_count: number;
}

export interface SpanLink {
  /** Linked trace id, 32 lowercase hex digits. */
  trace_id: string;
  /** Linked span id, 16 lowercase hex digits. */
  span_id: string;
  /** W3C tracestate of the link, empty when not sent. */
  trace_state: string;
  /** Link attributes, in the order sent. */
  attributes: KeyValue[];
  /** Link attributes the sender dropped. */
  dropped_attributes_count: number;
  /** OTLP link flags. */
  flags: number;
}

export interface Resource {
  /** Resource attributes, in the order sent. */
  attributes: KeyValue[];
  /** Resource attributes the sender dropped. */
  dropped_attributes_count: number;
  /** schema_url of the ResourceSpans/ResourceMetrics/ResourceLogs, empty when not sent. */
  schema_url: string;
}

export interface InstrumentationScope {
  /** Scope name, empty when not sent. */
  name: string;
  /** Scope version, empty when not sent. */
  version: string;
  /** Scope attributes, in the order sent. */
  attributes: KeyValue[];
  /** Scope attributes the sender dropped. */
  dropped_attributes_count: number;
  /** schema_url of the ScopeSpans/ScopeMetrics/ScopeLogs, empty when not sent. */
  schema_url: string;
}

export interface OtelMetricPoint<Time = number> {
  /** Stable id of the series: the first 128 bits (32 hex digits) of the SHA-256 of metric name, resource attributes and point attributes (each sorted by key). */
  series_id: string;
  /** Metric name. */
  metric_name: string;
  /** Metric description, empty when not sent. */
  metric_description: string;
  /** Metric unit (UCUM), empty when not sent. */
  metric_unit: string;
  /** GAUGE, SUM, HISTOGRAM, EXPONENTIAL_HISTOGRAM or SUMMARY. */
  metric_type: string;
  /** DELTA, CUMULATIVE or UNSPECIFIED for sums and histograms; null for gauges and summaries. */
  aggregation_temporality: string | null;
  /** Whether a sum only grows; null for every other type. */
  is_monotonic: boolean | null;
  /** Point attributes, in the order sent. */
  attributes: KeyValue[];
  /** Start of the aggregation interval, microseconds since the Unix epoch; null when not sent. */
  start_time_unix_micros: number | null;
  /** Time of the point, microseconds since the Unix epoch. */
  time_unix_micros: number;
  /** OTLP data point flags (1 = no recorded value: the point marks a gap). */
  flags: number;
  /** Value of a gauge or sum point sent as a double. */
  value_double: number | null;
  /** Value of a gauge or sum point sent as an integer. */
  value_int: number | null;
  /** Number of measurements of a histogram, exponential histogram or summary point. */
  count: number | null;
  /** Sum of the measurements, when sent (histograms, exponential histograms, summaries). */
  sum: number | null;
  /** Smallest measurement, when sent (histograms and exponential histograms). */
  min: number | null;
  /** Largest measurement, when sent (histograms and exponential histograms). */
  max: number | null;
  /** Histogram bucket upper bounds (bucket i holds values in (bound[i-1], bound[i]]); empty for other types. */
  explicit_bounds: number[];
  /** Histogram bucket counts, one more than explicit_bounds (the last bucket is above every bound); empty for other types. */
  bucket_counts: number[];
  /** Buckets of an exponential histogram point; null for every other type. */
  exponential: ExponentialBuckets | null;
  /** Quantiles of a summary point; empty for other types. */
  quantile_values: QuantileValue[];
  /** The resource attribute service.name when it is a string (copied for convenience), else null. */
  service_name: string | null;
  /** The resource: attributes, dropped count and schema URL. */
  resource: Resource;
  /** The instrumentation scope: name, version, attributes, dropped count and schema URL. */
  scope: InstrumentationScope;
  /** When the gateway received the export request. */
  received_at: Time;
}

export interface ExponentialBuckets {
  /** Resolution: bucket boundaries are powers of 2^(2^-scale). */
  scale: number;
  /** Measurements in the zero bucket. */
  zero_count: number;
  /** Width of the zero bucket (0 when not sent). */
  zero_threshold: number;
  /** Index of the first positive bucket. */
  positive_offset: number;
  /** Counts of consecutive positive buckets from positive_offset. */
  positive_bucket_counts: number[];
  /** Index of the first negative bucket. */
  negative_offset: number;
  /** Counts of consecutive negative buckets from negative_offset. */
  negative_bucket_counts: number[];
}

export interface QuantileValue {
  /** The quantile, 0…1. */
  quantile: number;
  /** The value at that quantile. */
  value: number;
}

export interface OtelLogRecord<Time = number> {
  /** When the event happened, microseconds since the Unix epoch; null when not sent. */
  time_unix_micros: number | null;
  /** When the event was observed by the sender, microseconds since the Unix epoch; null when not sent. */
  observed_time_unix_micros: number | null;
  /** OTLP severity number (1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR, 21-24 FATAL; 0 unspecified). */
  severity_number: number;
  /** Severity as the source named it, empty when not sent. */
  severity_text: string;
  /** Log record attributes, in the order sent. */
  attributes: KeyValue[];
  /** The body: usually a string, possibly any structured value; null when not sent. */
  body: AnyValue | null;
  /** Log record attributes the sender dropped. */
  dropped_attributes_count: number;
  /** OTLP log record flags (W3C trace flags in the low 8 bits). */
  flags: number;
  /** Trace id of the span the record was emitted in, 32 lowercase hex digits; null when none. */
  trace_id: string | null;
  /** Span id of the span the record was emitted in, 16 lowercase hex digits; null when none. */
  span_id: string | null;
  /** Event name of an event record, empty for an ordinary log record. */
  event_name: string;
  /** The resource attribute service.name when it is a string (copied for convenience), else null. */
  service_name: string | null;
  /** The resource: attributes, dropped count and schema URL. */
  resource: Resource;
  /** The instrumentation scope: name, version, attributes, dropped count and schema URL. */
  scope: InstrumentationScope;
  /** When the gateway received the export request. */
  received_at: Time;
}

export interface SeriesBaseline<Time = number> {
  /** The series: <transaction_id>|run|<location or *> or <transaction_id>|step-<index>|<location or *>; also the message key. */
  series_key: string;
  /** The transaction (journey) the series belongs to. */
  transaction_id: string;
  /** The transaction's newest name, for display. */
  transaction_name: string;
  /** The step's index (0-based) for a step series; null for the whole run. */
  step_index: number | null;
  /** The step's newest name for a step series; null for the whole run. */
  step_name: string | null;
  /** The robots' location as country/region/city (known parts); null for every location together. */
  location: string | null;
  /** learning: too few runs in the window, the figures are provisional and nothing should be judged against them; ready: judge against them. */
  state: string;
  /** Runs of the series in the window, all hours, FAIL included. */
  window_runs: number;
  /** Start time of the series' newest run; the window ends here (run time, not wall clock). */
  newest_run_at: Time;
  /** The band over the whole window, all hours together. */
  all_hours: Band;
  /** 168 entries, index = hour of week. */
  hours: HourBand[];
  /** When the worker published this record (wall clock). */
  updated_at: Time;
}

export interface Band {
  /** Runs counted, FAIL included. */
  runs: number;
  /** Non-FAIL runs counted: the ones with a duration. */
  duration_samples: number;
  /** 10th percentile of duration in milliseconds; null without duration samples. */
  p10_ms: number | null;
  /** Median duration in milliseconds; null without duration samples. */
  p50_ms: number | null;
  /** 90th percentile of duration in milliseconds; null without duration samples. */
  p90_ms: number | null;
  /** Share of non-FAIL runs, 0 to 1; null without runs. */
  availability: number | null;
}

export interface HourBand {
  /** 0 = Monday 00:00-00:59 UTC ... 167 = Sunday 23:00-23:59 UTC. */
  hour_of_week: number;
  /** hour-of-week: from that bucket's own runs; all-hours: the bucket is still thin, the all-hours band. */
  source: string;
  /** The figures of that hour of week. */
  band: Band;
}

export interface DetectedEvent<Time = number> {
  /** Deterministic: the same judgement of the same run always has the same id; sinks upsert on it. */
  event_id: string;
  /** open (also a change of severity or of the failing locations, a rename, or a problem outliving its maintenance window) or clear. */
  action: string;
  /** availability, performance, degraded or no_data. */
  kind: string;
  /** critical, major or warning for an open; normal for a clear. */
  severity: string;
  /** The transaction; also the message key. */
  transaction_id: string;
  /** The transaction's name when the event was judged. */
  transaction_name: string;
  /** The service the transaction belongs to (may be empty). */
  service: string;
  /** The environment of the run. */
  environment: string;
  /** country/region/city (known parts) of a location series' problem; null for a problem of the transaction (over its locations, see `locations`). */
  location: string | null;
  /** The judged run's finished_at; for no data, the time of the check. */
  occurred_at: Time;
  /** The run that caused the event; for no data, the last run before the silence (null if none). */
  result_id: string | null;
  /** The measured value, for display (e.g. '3/5 FAIL', '5123 ms'). */
  value: string;
  /** A sentence for humans. */
  text: string;
  /** Null when there was no band (availability judged without one, no data). */
  baseline: JudgedBand | null;
  /** Recorded but not to be alerted: inside a maintenance window, or closing a problem never alerted. */
  suppressed: boolean;
  /** The maintenance window that suppressed it. */
  maintenance_window_id: string | null;
  /** The robot of result_id (null when unknown or for no data without a run). */
  robot_id: string | null;
  /** The failing locations (country/region/city; '' for runs without a location), sorted; empty for a clear and in events of version 1. */
  locations: string[];
  /** How many locations the transaction has (each with a run within the detector's memory); 0 in events of version 1. */
  locations_total: number;
}

export interface JudgedBand {
  /** learning or ready. */
  state: string;
  /** 10th percentile of duration, ms. */
  p10_ms: number;
  /** Median duration, ms. */
  p50_ms: number;
  /** 90th percentile of duration, ms. */
  p90_ms: number;
  /** Runs the band was computed from. */
  samples: number;
}

export interface TransactionForecast<Time = number> {
  /** The transaction (journey); also the message key. */
  transaction_id: string;
  /** The transaction's newest name, for display. */
  transaction_name: string;
  /** When the worker published this forecast (wall clock). */
  computed_at: Time;
  /** Days of history in the window the forecast was computed from (UTC days with runs, partial ones included). */
  based_on_days: number;
  /** How the values were forecast, for display and for telling forecasts of different methods apart. */
  method: string;
  /** The forecast days in order, starting the day after the newest day of runs (run time, not wall clock). */
  days: ForecastDay[];
  /** The p50 duration forecast's trend (ms per day); null without a day of durations. */
  p50_trend: Trend | null;
  /** The availability forecast's trend (share per day); null without a day of runs. */
  availability_trend: Trend | null;
}

export interface ForecastDay {
  /** The UTC day, YYYY-MM-DD. */
  date: string;
  /** Forecast median duration of the day's runs, ms; null without a day of durations to fit. */
  p50_ms: number | null;
  /** Forecast share of non-FAIL runs, 0 to 1; null without a day of runs to fit. */
  availability: number | null;
}

export interface Trend {
  /** Full days the fit used (partial days are left out). */
  fitted_days: number;
  /** Trend slope per day, in the quantity's unit. */
  slope_per_day: number;
  /** Seven multiplicative weekday factors, Monday first, averaging 1 (all 1 under 14 days). */
  weekday_index: number[];
}

export interface SlaTarget<Time = number> {
  /** What kind of object the target is for. */
  level: SlaTargetLevel;
  /** Levels project and service: the project's name ('' for a service of no project); null at level transaction. */
  project: string | null;
  /** Level service: the service's name; null otherwise. */
  service: string | null;
  /** Level transaction: the transaction (lowercase UUID); null otherwise. */
  transaction_id: string | null;
  /** The target SLA % (OK runs / all runs × 100), 0 to 100; null: the target was removed. */
  target_percent: number | null;
  /** Who: the id of the API key that set it (a managed key's id, or config:<name>). */
  set_by_key_id: string;
  /** When the console accepted the change. */
  set_at: Time;
  /** The console's id of the request, answered to the client with the change. */
  request_id: string;
}

export const slaTargetLevelSymbols = ['project', 'service', 'transaction'] as const;
export type SlaTargetLevel = (typeof slaTargetLevelSymbols)[number];

export interface MaintenanceWindow<Time = number> {
  /** The window's id (lowercase UUID), also the message key and the maintenance_window_id of the events it suppresses. */
  id: string;
  /** Covers this transaction only (with service: only if it is of that service); null with service null: everything. */
  transaction_id: string | null;
  /** Covers every transaction of this service; null with transaction_id null: everything. */
  service: string | null;
  /** A one-off window; null for a weekly one. */
  once: MaintenanceOnce<Time> | null;
  /** A weekly window; null for a one-off one. */
  weekly: MaintenanceWeekly | null;
  /** What the downtime is for, as the admin wrote it (at most 1024 characters). */
  description: string | null;
  /** Who: the id of the API key that created it (a managed key's id, or config:<name>). */
  created_by_key_id: string;
  /** When the console accepted it. */
  created_at: Time;
}

export interface MaintenanceOnce<Time = number> {
  /** When it starts (inclusive). */
  from: Time;
  /** When it ends (exclusive); after from. */
  to: Time;
}

export interface MaintenanceWeekly {
  /** The days it starts on (at least one). */
  days: MaintenanceWeekday[];
  /** Local time of day it starts, HH:MM (00:00 to 23:59). */
  start: string;
  /** Local time of day it ends, HH:MM; at or before start: the next day. */
  end: string;
  /** The IANA time zone start and end are read in (e.g. Europe/Berlin, UTC). */
  time_zone: string;
}

export const maintenanceWeekdaySymbols = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type MaintenanceWeekday = (typeof maintenanceWeekdaySymbols)[number];

export interface DeadLetterReplay<Time = number> {
  /** The dead letter: `partition:offset` on primoart.deadletter.v1. */
  dead_letter: string;
  /** The worker that dead-lettered it. */
  worker: string;
  /** The consumer group it was sent back for; only that group processes it. */
  group_id: string;
  /** Where it came from and went back to. */
  origin_topic: string;
  /** The partition of the origin topic it failed on. */
  origin_partition: number;
  /** Its offset before it failed. */
  origin_offset: number;
  /** The partition of the origin topic the replayed copy landed on. */
  replayed_partition: number;
  /** The replayed copy's offset there. */
  replayed_offset: number;
  /** When it was sent back. */
  replayed_at: Time;
}
