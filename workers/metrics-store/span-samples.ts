// RED metrics from spans (primoart.otel.spans.v1): one duration sample per request span at its
// end time, so a replay writes the very same samples (no per-minute state that a restart or a
// rebalance could split). Rate, errors and duration histograms are computed at query time.
import type { OtelSpanRecord } from '../../ingest-gateway/otlp/otel-records.ts';
import { resourceLabels } from './otel-attributes.ts';
import type { Sample } from './sample.ts';

/** The kinds that mark a request a service received: the R of RED. */
const requestKinds = new Set(['SERVER', 'CONSUMER']);

export const spanDurationMetric = 'primoart_span_duration_seconds';

export function spanSamples(span: OtelSpanRecord): Sample[] {
  if (!requestKinds.has(span.kind)) return [];
  const { job } = resourceLabels(span.resource);
  return [
    {
      name: spanDurationMetric,
      labels: {
        service: span.service_name ?? job,
        operation: span.name,
        span_kind: span.kind.toLowerCase(),
        status_code: span.status_code.toLowerCase(),
      },
      value: Math.max(0, span.end_time_unix_micros - span.start_time_unix_micros) / 1_000_000,
      timestampMs: Math.floor(span.end_time_unix_micros / 1000),
    },
  ];
}
