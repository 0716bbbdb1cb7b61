// ExportLogsServiceRequest → one OtelLogRecord per log record, keyed by service.name.
import type { OtelLogRecord } from '../../schemas/record-types.ts';
import {
  anyValue,
  attributesOf,
  idHex,
  optionalMicros,
  Rejections,
  resourceOf,
  scopeOf,
  serviceNameOf,
} from './common-mapping.ts';
import { message, messages, numberField, type PlainMessage, text } from './plain-message.ts';
import type { Mapped } from './trace-mapping.ts';

/** The key of a resource without service.name (the OpenTelemetry SDKs' own fallback name). */
export const unknownServiceKey = 'unknown_service';

export function logRecordsFromRequest(request: PlainMessage, receivedAt: Date): Mapped<OtelLogRecord> {
  const records: Mapped<OtelLogRecord>['records'] = [];
  const rejections = new Rejections();
  messages(request, 'resourceLogs').forEach((resourceLogs, r) => {
    const resource = resourceOf(resourceLogs);
    const serviceName = serviceNameOf(resource);
    messages(resourceLogs, 'scopeLogs').forEach((scopeLogs, s) => {
      const scope = scopeOf(scopeLogs);
      messages(scopeLogs, 'logRecords').forEach((log, i) => {
        try {
          const body = message(log, 'body');
          const record: OtelLogRecord = {
            time_unix_micros: optionalMicros(log, 'timeUnixNano'),
            observed_time_unix_micros: optionalMicros(log, 'observedTimeUnixNano'),
            severity_number: numberField(log, 'severityNumber'),
            severity_text: text(log, 'severityText'),
            body: body === undefined ? null : anyValue(body),
            attributes: attributesOf(log),
            dropped_attributes_count: numberField(log, 'droppedAttributesCount'),
            flags: numberField(log, 'flags'),
            trace_id: idHex(log, 'traceId', 16, true),
            span_id: idHex(log, 'spanId', 8, true),
            event_name: text(log, 'eventName'),
            service_name: serviceName,
            resource,
            scope,
            received_at: receivedAt.getTime(),
          };
          records.push({ key: serviceName ?? unknownServiceKey, record });
        } catch (error) {
          rejections.add(`resourceLogs[${r}].scopeLogs[${s}].logRecords[${i}]`, error);
        }
      });
    });
  });
  return { records, rejections };
}
