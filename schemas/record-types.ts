// TypeScript faces of the contract and of the Avro records.
//
// The records on the bus are typed from their .avsc files: `record-types.generated.ts` is generated
// from them (`typescript-types.ts`), and this file only names those types as the code knows them,
// gives each record with times its face with `Date`s (the generated `Time` parameter), and narrows
// string fields whose values the schema's docs fix (a content type, a state) — never a field list.
//
// What a robot sends (CONTRACT.md "Robot results", JSON) is typed here by hand: each payload type
// has a field-name object checked by the compiler against it (`satisfies`: a missing or extra key
// fails to compile), and the upload validator takes its list of known fields from those.

import type * as Avro from './record-types.generated.ts';
import { runStatusSymbols } from './record-types.generated.ts';

export type RunStatus = Avro.RunStatus;
export const runStatuses = runStatusSymbols;

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

// The results and screenshots: what the gateway publishes (`…Record`, times in epoch
// milliseconds) and what workers use (times as Date). Absent optional values are null; absent
// screenshots and attributes are empty.

export type Location = Avro.Location;
export type Step = Avro.Step<Date>;

export interface ScreenshotRef extends Avro.ScreenshotRef {
  content_type: ScreenshotContentType;
}

interface TransactionResultOf<Time> extends Avro.TransactionResult<Time> {
  screenshots: ScreenshotRef[];
}

interface SynthArtifactOf<Time> extends Avro.SynthArtifact<Time> {
  content_type: ScreenshotContentType;
}

/** One record of primoart.synth.results.v1, as workers see it. */
export type SynthResult = TransactionResultOf<Date>;
/** One record of primoart.synth.artifacts.v1, as workers see it. */
export type SynthArtifact = SynthArtifactOf<Date>;
export type TransactionResultRecord = TransactionResultOf<number>;
export type SynthArtifactRecord = SynthArtifactOf<number>;

/** A screenshot that passed validation: its bytes decoded and matching content_type. */
export interface ValidScreenshot {
  step_index: number;
  content_type: ScreenshotContentType;
  bytes: Buffer;
}

/** An upload that passed validation: UUIDs lowercased, times parsed, environment filled in. */
export interface ValidTransactionResult extends Omit<SynthResult, 'screenshots' | 'received_at'> {
  screenshots: ValidScreenshot[];
}

// The three OpenTelemetry records (otel-*.avsc): what the gateway's mappers build and the logs and
// metrics stores read. Times are epoch microseconds (see ingest-gateway/README.md "OpenTelemetry"),
// except received_at (epoch milliseconds).

export type AnyValueRecord = Avro.AnyValue;
export type KeyValueRecord = Avro.KeyValue;
export type ResourceRecord = Avro.Resource;
export type ScopeRecord = Avro.InstrumentationScope;
export type SpanEventRecord = Avro.SpanEvent;
export type SpanLinkRecord = Avro.SpanLink;
export type ExponentialBucketsRecord = Avro.ExponentialBuckets;
export type QuantileRecord = Avro.QuantileValue;
export type OtelSpanRecord = Avro.OtelSpan;
export type OtelLogRecord = Avro.OtelLogRecord;

export interface OtelMetricPointRecord extends Avro.OtelMetricPoint {
  metric_type: 'GAUGE' | 'SUM' | 'HISTOGRAM' | 'EXPONENTIAL_HISTOGRAM' | 'SUMMARY';
}

/** What every OpenTelemetry record carries about where it came from. */
export type OriginFields = Pick<OtelSpanRecord, 'service_name' | 'resource' | 'scope' | 'received_at'>;

// The baseline worker's records: a series' baselines on primoart.baselines.v1 (baseline.avsc) and a
// transaction's forecast on primoart.forecasts.v1 (transaction-forecast.avsc).

export type BandRecord = Avro.Band;

export interface HourBandRecord extends Avro.HourBand {
  source: 'hour-of-week' | 'all-hours';
}

export interface SeriesBaselineRecord extends Avro.SeriesBaseline {
  state: 'learning' | 'ready';
  hours: HourBandRecord[];
}

export type TrendRecord = Avro.Trend;
export type TransactionForecastRecord = Avro.TransactionForecast;

// The event detector's record on primoart.events.v1 (detected-event.avsc): a problem opening (or
// changing severity) and a problem clearing.

export const eventKinds = ['availability', 'performance', 'degraded', 'no_data'] as const;
export type EventKind = (typeof eventKinds)[number];

export type ProblemSeverity = 'critical' | 'major' | 'warning';

/** The band a run was judged against (`JudgedBand` in the schema). */
export interface BaselineBand extends Avro.JudgedBand {
  /** `learning` until the baseline has enough samples; no performance judgement is made then. */
  state: 'learning' | 'ready';
}

interface DetectedEventOf<Time> extends Avro.DetectedEvent<Time> {
  action: 'open' | 'clear';
  kind: EventKind;
  severity: ProblemSeverity | 'normal';
  baseline: BaselineBand | null;
}

export type DetectedEvent = DetectedEventOf<Date>;
/** The event as avsc encodes it: `occurred_at` in epoch milliseconds. */
export type DetectedEventRecord = DetectedEventOf<number>;

// The other records: managed API keys and their use (read by every gateway) and transaction
// definitions (see definition-records.ts for their JSON face).

export type ApiKeyRecord = Avro.ApiKey;
export type ApiKeyUsageRecord = Avro.ApiKeyUsage;
export type TransactionDefinitionRecord = Avro.TransactionDefinition;

// A target SLA % set through the console (sla-target.avsc on primoart.console.sla-targets.v1).
export type SlaTargetRecord = Avro.SlaTarget;

// A maintenance window managed through the console (maintenance-window.avsc on the compacted
// primoart.maintenance-windows.v1; see maintenance-window-record.ts).
export type MaintenanceWindowRecord = Avro.MaintenanceWindow;

// Which dead letters `primoart dlq replay` sent back (dead-letter-replay.avsc on the compacted
// primoart.deadletter.replays.v1; topics/dead-letters.ts).
export type DeadLetterReplayRecord = Avro.DeadLetterReplay;
