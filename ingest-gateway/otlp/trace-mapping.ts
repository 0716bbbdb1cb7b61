// ExportTraceServiceRequest → one OtelSpanRecord per span, keyed by trace id.
import type { OtelSpanRecord } from '../../schemas/record-types.ts';
import {
  attributesOf,
  idHex,
  micros,
  RecordRejection,
  Rejections,
  resourceOf,
  scopeOf,
  serviceNameOf,
} from './common-mapping.ts';
import { message, messages, numberField, type PlainMessage, text } from './plain-message.ts';

export const spanKinds = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
export const statusCodes = ['UNSET', 'OK', 'ERROR'] as const;

export interface Mapped<R> {
  records: Array<{ key: string; record: R }>;
  rejections: Rejections;
}

function enumName(names: readonly string[], value: number, what: string): string {
  const name = names[value];
  if (name === undefined) throw new RecordRejection(`${what} ${value} is not a known value`);
  return name;
}

export function spansFromRequest(request: PlainMessage, receivedAt: Date): Mapped<OtelSpanRecord> {
  const records: Mapped<OtelSpanRecord>['records'] = [];
  const rejections = new Rejections();
  messages(request, 'resourceSpans').forEach((resourceSpans, r) => {
    const resource = resourceOf(resourceSpans);
    const serviceName = serviceNameOf(resource);
    messages(resourceSpans, 'scopeSpans').forEach((scopeSpans, s) => {
      const scope = scopeOf(scopeSpans);
      messages(scopeSpans, 'spans').forEach((span, i) => {
        try {
          const traceId = idHex(span, 'traceId', 16, false) as string;
          const status = message(span, 'status') ?? {};
          const record: OtelSpanRecord = {
            trace_id: traceId,
            span_id: idHex(span, 'spanId', 8, false) as string,
            parent_span_id: idHex(span, 'parentSpanId', 8, true),
            trace_state: text(span, 'traceState'),
            flags: numberField(span, 'flags'),
            name: text(span, 'name'),
            kind: enumName(spanKinds, numberField(span, 'kind'), 'kind'),
            start_time_unix_micros: micros(span, 'startTimeUnixNano'),
            end_time_unix_micros: micros(span, 'endTimeUnixNano'),
            attributes: attributesOf(span),
            dropped_attributes_count: numberField(span, 'droppedAttributesCount'),
            events: messages(span, 'events').map((event) => ({
              time_unix_micros: micros(event, 'timeUnixNano'),
              name: text(event, 'name'),
              attributes: attributesOf(event),
              dropped_attributes_count: numberField(event, 'droppedAttributesCount'),
            })),
            dropped_events_count: numberField(span, 'droppedEventsCount'),
            links: messages(span, 'links').map((link) => ({
              trace_id: idHex(link, 'traceId', 16, false) as string,
              span_id: idHex(link, 'spanId', 8, false) as string,
              trace_state: text(link, 'traceState'),
              attributes: attributesOf(link),
              dropped_attributes_count: numberField(link, 'droppedAttributesCount'),
              flags: numberField(link, 'flags'),
            })),
            dropped_links_count: numberField(span, 'droppedLinksCount'),
            status_code: enumName(statusCodes, numberField(status, 'code'), 'status.code'),
            status_message: text(status, 'message'),
            service_name: serviceName,
            resource,
            scope,
            received_at: receivedAt.getTime(),
          };
          records.push({ key: traceId, record });
        } catch (error) {
          rejections.add(`resourceSpans[${r}].scopeSpans[${s}].spans[${i}]`, error);
        }
      });
    });
  });
  return { records, rejections };
}
