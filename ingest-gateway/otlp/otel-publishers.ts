// The three OpenTelemetry topic publishers a gateway needs, each with its registry codec.
import type { ProcessContext } from '../../core/process.ts';
import { codecFor } from '../../topics/bus.ts';
import { topics } from '../../topics/catalog.ts';
import type { Producer } from '../../topics/port.ts';
import { createTopicPublisher } from './otel-publisher.ts';
import type { OtelLogRecord, OtelMetricPointRecord, OtelSpanRecord } from './otel-records.ts';
import type { OtlpApiOptions } from './otlp-api.ts';

export async function createOtelPublishers(options: {
  context: ProcessContext;
  registryUrl: string;
  producer: Producer;
  timeoutMs: number;
}): Promise<OtlpApiOptions['publishers']> {
  const { context, registryUrl, producer, timeoutMs } = options;
  const [spanCodec, metricCodec, logCodec] = await Promise.all([
    codecFor<OtelSpanRecord>(context, registryUrl, topics.otelSpans),
    codecFor<OtelMetricPointRecord>(context, registryUrl, topics.otelMetrics),
    codecFor<OtelLogRecord>(context, registryUrl, topics.otelLogs),
  ]);
  return {
    spans: createTopicPublisher({ producer, topic: topics.otelSpans, codec: spanCodec, timeoutMs }),
    metrics: createTopicPublisher({ producer, topic: topics.otelMetrics, codec: metricCodec, timeoutMs }),
    logs: createTopicPublisher({ producer, topic: topics.otelLogs, codec: logCodec, timeoutMs }),
  };
}
