// What the logs-store writes to VictoriaLogs: one searchable entry per robot log line, per robot
// run, per OpenTelemetry log record and per span. Every entry carries a deterministic `entry_id`:
// VictoriaLogs does not de-duplicate, so a replay writes the same entries again and queries collapse
// them by that id (README "Logs").
import type {
  AnyValueRecord,
  KeyValueRecord,
  OtelLogRecord,
  OtelSpanRecord,
  SynthResult,
} from '../../schemas/record-types.ts';

/** One VictoriaLogs entry: flat string-ish fields, nested objects are flattened by VictoriaLogs. */
export type LogEntry = Record<string, unknown> & { _time: string; _msg: string; entry_id: string };

/**
 * The stream fields: what people filter by first, each with a bounded set of values (never an id
 * that changes per run or per trace), so the number of streams stays small.
 */
export const streamFields = ['kind', 'service', 'environment', 'robot', 'transaction'] as const;

export const entryKinds = {
  robotLog: 'robot.log',
  robotRun: 'robot.run',
  otelLog: 'otel.log',
  otelSpan: 'otel.span',
} as const;

/**
 * VictoriaLogs skips lines longer than -insert.maxLineSizeBytes (256 KiB by default) without
 * telling the sender; longer robot log lines are split into parts well below it.
 */
export const maxMessageChars = 32 * 1024;

const unknownService = 'unknown_service';

/**
 * RFC 3339 with microseconds, e.g. 2026-11-23T04:00:00.123456Z; '' for a time no Date can hold
 * (entry-limits.ts then puts the entry at the time it was published).
 */
export function rfc3339FromMicros(micros: number): string {
  const millis = Math.floor(micros / 1000);
  if (Number.isNaN(new Date(millis).getTime())) return '';
  const fraction = String(Math.trunc(micros - millis * 1000)).padStart(3, '0');
  return new Date(millis).toISOString().replace(/\.(\d{3})Z$/, `.$1${fraction}Z`);
}

function splitMessage(line: string): string[] {
  if (line.length <= maxMessageChars) return [line];
  const parts: string[] = [];
  for (let start = 0; start < line.length; start += maxMessageChars) {
    parts.push(line.slice(start, start + maxMessageChars));
  }
  return parts;
}

function withoutNulls(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== null && value !== undefined),
  );
}

/** The entries of one robot run: one for the run itself, one per line of its log. */
export function robotRunEntries(result: SynthResult): LogEntry[] {
  const stream = {
    kind: entryKinds.robotRun,
    service: result.service,
    environment: result.environment,
    robot: result.robot_name ?? result.robot_id,
    transaction: result.transaction_name,
  };
  const context = withoutNulls({
    result_id: result.result_id,
    transaction_id: result.transaction_id,
    robot_id: result.robot_id,
    project: result.project,
    status: result.status,
  });
  // A run is (robot_id, result_id): another robot reusing a result_id is another run, with its own entries.
  const runId = `${result.robot_id}/${result.result_id}`;
  const failedStep = result.steps.find((step) => step.status === 'FAIL');
  const summary = [`run ${result.status}: ${result.transaction_name}`];
  if (failedStep !== undefined) summary.push(`step ${failedStep.index} "${failedStep.name}" failed`);
  if (result.error_message !== null) summary.push(result.error_message);
  const run: LogEntry = {
    ...stream,
    ...context,
    _time: result.finished_at.toISOString(),
    _msg: summary.join(' — '),
    entry_id: `${runId}:run`,
    ...withoutNulls({
      error_code: result.error_code,
      error_message: result.error_message,
      failed_step: failedStep?.name,
      failed_step_index: failedStep?.index,
      duration_ms: result.finished_at.getTime() - result.started_at.getTime(),
      started_at: result.started_at.toISOString(),
      location: result.location?.city ?? null,
      country: result.location?.country ?? null,
      has_log: result.log !== null && result.log !== '',
    }),
    ...(Object.keys(result.attributes).length > 0 ? { attributes: result.attributes } : {}),
  };
  if (result.log === null || result.log === '') return [run];

  // The log carries no times of its own: every line is stamped with the run's start, in order by `line`.
  const lines = result.log.replace(/\r?\n$/, '').split(/\r?\n/);
  const time = result.started_at.toISOString();
  const entries: LogEntry[] = [run];
  lines.forEach((line, index) => {
    const parts = splitMessage(line);
    parts.forEach((part, partIndex) => {
      entries.push({
        ...stream,
        kind: entryKinds.robotLog,
        ...context,
        _time: time,
        _msg: part,
        entry_id:
          parts.length === 1 ? `${runId}:log:${index + 1}` : `${runId}:log:${index + 1}.${partIndex + 1}`,
        line: index + 1,
        ...(parts.length === 1 ? {} : { line_part: partIndex + 1 }),
      });
    });
  });
  return entries;
}

/**
 * NaN and ±Infinity as text: JSON has no such numbers (JSON.stringify writes null, and VictoriaLogs
 * then stores no field at all).
 */
const finiteOrText = (value: number): number | string =>
  Number.isFinite(value) ? value : Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';

const nonFiniteAsText = (_key: string, value: unknown): unknown =>
  typeof value === 'number' ? finiteOrText(value) : value;

/** An OTLP value as a field value: scalars as they are, bytes as base64, the rest as JSON. */
export function fieldValue(value: AnyValueRecord): unknown {
  if (value.string_value !== null) return value.string_value;
  if (value.bool_value !== null) return value.bool_value;
  if (value.int_value !== null) return value.int_value;
  if (value.double_value !== null) return finiteOrText(value.double_value);
  if (value.bytes_value !== null) return Buffer.from(value.bytes_value).toString('base64');
  if (value.array_value !== null) return JSON.stringify(value.array_value.map(plainValue), nonFiniteAsText);
  if (value.kvlist_value !== null) return JSON.stringify(plainObject(value.kvlist_value), nonFiniteAsText);
  return '';
}

function plainValue(value: AnyValueRecord): unknown {
  if (value.array_value !== null) return value.array_value.map(plainValue);
  if (value.kvlist_value !== null) return plainObject(value.kvlist_value);
  return fieldValue(value);
}

function plainObject(list: KeyValueRecord[]): Record<string, unknown> {
  return Object.fromEntries(list.map(({ key, value }) => [key, plainValue(value)]));
}

/**
 * Attributes as one level of fields under a prefix (VictoriaLogs stores them as `<prefix>.<key>`),
 * so no attribute can be `_msg`, `_time`, `_stream` or another top-level field. A key sent twice
 * keeps both values, joined with `;` in the order sent.
 */
function attributeFields(list: KeyValueRecord[]): Record<string, unknown> {
  const fields = new Map<string, unknown>();
  for (const { key, value } of list) {
    const field = fieldValue(value);
    fields.set(key, fields.has(key) ? `${String(fields.get(key))};${String(field)}` : field);
  }
  return Object.fromEntries(fields);
}

function resourceString(list: KeyValueRecord[], ...keys: string[]): string | null {
  for (const key of keys) {
    const value = list.find((attribute) => attribute.key === key)?.value.string_value;
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return null;
}

function otelStream(record: OtelLogRecord | OtelSpanRecord) {
  return withoutNulls({
    service: record.service_name ?? unknownService,
    environment: resourceString(
      record.resource.attributes,
      'deployment.environment.name',
      'deployment.environment',
    ),
  });
}

function otelOrigin(record: OtelLogRecord | OtelSpanRecord) {
  return {
    ...(record.resource.attributes.length > 0
      ? { resource: attributeFields(record.resource.attributes) }
      : {}),
    ...(record.scope.name === '' ? {} : { scope: record.scope.name }),
    ...(record.scope.version === '' ? {} : { scope_version: record.scope.version }),
  };
}

function bodyText(body: AnyValueRecord | null): string {
  if (body === null) return '';
  const value = fieldValue(body);
  return typeof value === 'string' ? value : String(value);
}

/** Where a record was read: topic, partition and offset name it uniquely and for good. */
export interface RecordOrigin {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * A log record or span has no id that is unique for certain (identical records are common: the
 * same body in the same microsecond; span ids are the client's to choose), but its place on its
 * topic is: `<topic>/<partition>/<offset>`, the same on every replay and redelivery.
 */
export function otelEntryId(origin: RecordOrigin): string {
  return `${origin.topic}/${origin.partition}/${origin.offset}`;
}

export function otelLogEntry(record: OtelLogRecord, origin: RecordOrigin): LogEntry {
  const micros = record.time_unix_micros ?? record.observed_time_unix_micros ?? record.received_at * 1000;
  return {
    kind: entryKinds.otelLog,
    ...otelStream(record),
    _time: rfc3339FromMicros(micros),
    _msg: bodyText(record.body) || record.event_name,
    entry_id: otelEntryId(origin),
    ...withoutNulls({
      trace_id: record.trace_id,
      span_id: record.span_id,
      severity: record.severity_text === '' ? null : record.severity_text,
      severity_number: record.severity_number,
      event_name: record.event_name === '' ? null : record.event_name,
    }),
    ...(record.attributes.length > 0 ? { attributes: attributeFields(record.attributes) } : {}),
    ...otelOrigin(record),
  };
}

export function otelSpanEntry(record: OtelSpanRecord, origin: RecordOrigin): LogEntry {
  const message = record.status_message === '' ? record.name : `${record.name}: ${record.status_message}`;
  return {
    kind: entryKinds.otelSpan,
    ...otelStream(record),
    _time: rfc3339FromMicros(record.start_time_unix_micros),
    _msg: message,
    entry_id: otelEntryId(origin),
    ...withoutNulls({
      trace_id: record.trace_id,
      span_id: record.span_id,
      parent_span_id: record.parent_span_id,
      span_name: record.name,
      span_kind: record.kind,
      status_code: record.status_code,
      status_message: record.status_message === '' ? null : record.status_message,
      duration_ms: (record.end_time_unix_micros - record.start_time_unix_micros) / 1000,
      events: record.events.length === 0 ? null : record.events.map((event) => event.name).join(','),
    }),
    ...(record.attributes.length > 0 ? { attributes: attributeFields(record.attributes) } : {}),
    ...otelOrigin(record),
  };
}
