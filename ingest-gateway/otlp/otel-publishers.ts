// The three OpenTelemetry topic publishers a gateway needs, and how the decode pool encodes each
// signal's records (the registry's schema id for the topic, the topic's record size limit).
import type { ProcessContext } from '../../core/process.ts';
import { codecFor } from '../../topics/bus.ts';
import { topics } from '../../topics/catalog.ts';
import type { Producer } from '../../topics/port.ts';
import { createTopicPublisher, maxValueBytes } from './otel-publisher.ts';
import type { OtlpApiOptions } from './otlp-api.ts';
import type { SignalEncoding, SignalName } from './request-processing.ts';

const signalTopics = { traces: topics.otelSpans, metrics: topics.otelMetrics, logs: topics.otelLogs };

export async function createOtelPublishers(options: {
  context: ProcessContext;
  registryUrl: string;
  producer: Producer;
  timeoutMs: number;
}): Promise<{ publishers: OtlpApiOptions['publishers']; encodings: Record<SignalName, SignalEncoding> }> {
  const { context, registryUrl, producer, timeoutMs } = options;
  const encodings = {} as Record<SignalName, SignalEncoding>;
  for (const [signal, topic] of Object.entries(signalTopics) as Array<
    [SignalName, typeof topics.otelSpans]
  >) {
    // The codec checks that the registry holds this exact schema and tells its id.
    const codec = await codecFor(context, registryUrl, topic);
    encodings[signal] = {
      schema: topic.valueSchema.schema,
      schemaId: codec.schemaId,
      maxValueBytes: maxValueBytes(topic),
    };
  }
  const publisher = (signal: SignalName) =>
    createTopicPublisher({ producer, topic: signalTopics[signal], timeoutMs });
  return {
    publishers: { traces: publisher('traces'), metrics: publisher('metrics'), logs: publisher('logs') },
    encodings,
  };
}
