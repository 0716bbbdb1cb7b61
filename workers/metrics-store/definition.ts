// metrics-store: robot results, OTLP metric points, spans and baseline bands → VictoriaMetrics samples.
import type {
  OtelMetricPointRecord,
  OtelSpanRecord,
  SeriesBaselineRecord,
  SynthResult,
  TransactionResultRecord,
} from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import type { WorkerDefinition } from '../harness.ts';
import { decodeByTopic, input } from '../inputs.ts';
import { baselineSamples } from './baseline-samples.ts';
import { metricPointSamples } from './metric-point-samples.ts';
import { RedAggregator, type SpanAtOffset } from './red-metrics.ts';
import type { Sample } from './sample.ts';
import { type AdjustmentCounter, type SeriesAdjustment, withinSeriesLimits } from './series-limits.ts';
import { synthSamples } from './synth-samples.ts';
import type { VictoriaMetricsWriter } from './writer.ts';

export type MetricsSource =
  | { kind: 'run'; run: SynthResult }
  | { kind: 'point'; point: OtelMetricPointRecord }
  | { kind: 'span'; span: OtelSpanRecord }
  | { kind: 'baseline'; baseline: SeriesBaselineRecord };

/** What the worker changed or left out to store a record, by reason (`/metrics`). */
export type MetricsAdjustment =
  | SeriesAdjustment
  | 'reserved_metric_name_renamed'
  | 'reserved_label_renamed'
  | 'reserved_job_renamed';

/** The samples of a record on its own; spans are counted together (red-metrics.ts). */
export function samplesOf(
  source: Exclude<MetricsSource, { kind: 'span' }>,
  count: AdjustmentCounter<MetricsAdjustment> = () => {},
  ownJobs: ReadonlySet<string> = new Set(),
): Sample[] {
  switch (source.kind) {
    case 'run':
      return synthSamples(source.run);
    case 'point':
      return metricPointSamples(source.point, count, ownJobs);
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
  /** Counts every change made to fit VictoriaMetrics and every sample left out (never silent). */
  count?: AdjustmentCounter<MetricsAdjustment>;
  /** The jobs of PrimoART's own processes, as VictoriaMetrics scrapes them (`gateway`, worker names). */
  ownJobs?: ReadonlySet<string>;
  red?: RedAggregator;
  now?: () => number;
}

export function metricsStoreDefinition(deps: MetricsStoreDeps): WorkerDefinition<MetricsSource> {
  const count = deps.count ?? (() => {});
  const aggregator = deps.red ?? new RedAggregator();
  const ownJobs = deps.ownJobs ?? new Set<string>();
  const now = deps.now ?? Date.now;
  return {
    name: 'metrics-store',
    ...decodeByTopic<MetricsSource>('metrics-store', [
      input(topics.synthResults, deps.codecs.results, (record) => ({
        kind: 'run',
        run: deps.fromResultRecord(record),
      })),
      input(topics.otelMetrics, deps.codecs.metrics, (point) => ({ kind: 'point', point })),
      input(topics.otelSpans, deps.codecs.spans, (span) => ({ kind: 'span', span })),
      input(topics.baselines, deps.codecs.baselines, (baseline) => ({ kind: 'baseline', baseline })),
    ]),
    async write(records) {
      // Counted once the samples are stored, so a retried batch is not counted twice.
      const adjustments: Array<[MetricsAdjustment, number]> = [];
      const note: AdjustmentCounter<MetricsAdjustment> = (reason, amount = 1) => {
        adjustments.push([reason, amount]);
      };
      const samples: Sample[] = [];
      const spans: SpanAtOffset[] = [];
      for (const { message, record } of records) {
        if (record.kind === 'span') {
          spans.push({
            topic: message.topic,
            partition: message.partition,
            offset: message.offset,
            span: record.span,
          });
        } else {
          samples.push(...samplesOf(record, note, ownJobs));
        }
      }
      const red = spans.length === 0 ? undefined : aggregator.prepare(spans);
      if (red !== undefined) samples.push(...red.samples);
      const nowMs = now();
      const storable: Sample[] = [];
      for (const sample of samples) {
        const kept = withinSeriesLimits(sample, note, nowMs);
        if (kept !== null) storable.push(kept);
      }
      await deps.writer.write(storable);
      red?.commit();
      for (const [reason, amount] of adjustments) count(reason, amount);
    },
  };
}
