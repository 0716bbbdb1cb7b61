// metrics-store: robot results, OTLP metric points, spans and baseline bands → VictoriaMetrics samples.
import type { OtelMetricPointRecord, OtelSpanRecord } from '../../ingest-gateway/otlp/otel-records.ts';
import type { SynthResult, TransactionResultRecord } from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import type { ConsumedMessage } from '../../topics/port.ts';
import type { SeriesBaselineRecord } from '../baseline/baseline-record.ts';
import { PoisonRecordError } from '../failures.ts';
import type { WorkerDefinition } from '../harness.ts';
import { baselineSamples } from './baseline-samples.ts';
import { metricPointSamples } from './metric-point-samples.ts';
import type { Sample } from './sample.ts';
import { spanSamples } from './span-samples.ts';
import { synthSamples } from './synth-samples.ts';
import type { VictoriaMetricsWriter } from './writer.ts';

export type MetricsSource =
  | { kind: 'run'; run: SynthResult }
  | { kind: 'point'; point: OtelMetricPointRecord }
  | { kind: 'span'; span: OtelSpanRecord }
  | { kind: 'baseline'; baseline: SeriesBaselineRecord };

export function samplesOf(source: MetricsSource): Sample[] {
  switch (source.kind) {
    case 'run':
      return synthSamples(source.run);
    case 'point':
      return metricPointSamples(source.point);
    case 'span':
      return spanSamples(source.span);
    case 'baseline':
      return baselineSamples(source.baseline);
  }
}

export interface MetricsStoreDeps {
  codecs: {
    results: ValueCodec<TransactionResultRecord>;
    metrics: ValueCodec<OtelMetricPointRecord>;
    spans: ValueCodec<OtelSpanRecord>;
    baselines: ValueCodec<SeriesBaselineRecord>;
  };
  fromResultRecord(record: TransactionResultRecord): SynthResult;
  writer: VictoriaMetricsWriter;
}

export function metricsStoreDefinition(deps: MetricsStoreDeps): WorkerDefinition<MetricsSource> {
  async function decode(message: ConsumedMessage): Promise<MetricsSource> {
    if (message.value === null)
      throw new PoisonRecordError(`empty message value (tombstone) on ${message.topic}`);
    switch (message.topic) {
      case topics.synthResults.name:
        return { kind: 'run', run: deps.fromResultRecord(await deps.codecs.results.decode(message.value)) };
      case topics.otelMetrics.name:
        return { kind: 'point', point: await deps.codecs.metrics.decode(message.value) };
      case topics.otelSpans.name:
        return { kind: 'span', span: await deps.codecs.spans.decode(message.value) };
      case topics.baselines.name:
        return { kind: 'baseline', baseline: await deps.codecs.baselines.decode(message.value) };
      default:
        throw new PoisonRecordError(`metrics-store does not read topic ${message.topic}`);
    }
  }
  return {
    name: 'metrics-store',
    topics: [topics.synthResults.name, topics.otelMetrics.name, topics.otelSpans.name, topics.baselines.name],
    decode,
    write: (records) => deps.writer.write(records.flatMap(({ record }) => samplesOf(record))),
  };
}
