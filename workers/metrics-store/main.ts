// The metrics-store worker process.
import { Counter } from 'prom-client';
import { request } from 'undici';
import { describeEndpoint, requireSection, runProcess, workerSection } from '../../core/index.ts';
import { fromAvroResult } from '../../schemas/index.ts';
import type {
  OtelMetricPointRecord,
  OtelSpanRecord,
  SeriesBaselineRecord,
  TransactionResultRecord,
} from '../../schemas/record-types.ts';
import { codecFor, openKafka } from '../../topics/bus.ts';
import { topics } from '../../topics/catalog.ts';
import { workerComponent } from '../worker-component.ts';
import { metricsStoreDefinition } from './definition.ts';
import { victoriaMetricsWriter } from './writer.ts';

const name = 'metrics-store';

async function checkHealthy(url: string): Promise<void> {
  const response = await request(new URL('/health', url));
  const body = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`/health answered ${response.statusCode}: ${body}`);
}

export function runMetricsStore(args: string[]): Promise<never> {
  return runProcess({
    name,
    args,
    listen: (config) => workerSection(config, name).listen,
    async create(config, context) {
      const section = workerSection(config, name);
      const victoriaMetrics = requireSection(config, 'victoria_metrics');
      await context.connect(`victoria-metrics at ${describeEndpoint(victoriaMetrics.url)}`, () =>
        checkHealthy(victoriaMetrics.url),
      );
      const writer = victoriaMetricsWriter({ url: victoriaMetrics.url });
      const adjustments = new Counter({
        name: 'primoart_metrics_store_adjusted_total',
        help: 'Samples left out, labels dropped or shortened, client names renamed to store a record (by reason)',
        labelNames: ['reason'],
        registers: [context.metrics],
      });

      const kafka = await openKafka(context, config.kafka);
      const registryUrl = config.schema_registry.url;
      const definition = metricsStoreDefinition({
        codecs: {
          results: await codecFor<TransactionResultRecord>(context, registryUrl, topics.synthResults),
          metrics: await codecFor<OtelMetricPointRecord>(context, registryUrl, topics.otelMetrics),
          spans: await codecFor<OtelSpanRecord>(context, registryUrl, topics.otelSpans),
          baselines: await codecFor<SeriesBaselineRecord>(context, registryUrl, topics.baselines),
        },
        fromResultRecord: fromAvroResult,
        writer,
        count: (reason, amount = 1) => adjustments.inc({ reason }, amount),
        // The scrape jobs of the local stack (infra/stack/services/scrape-config.ts).
        ownJobs: new Set(['gateway', ...Object.keys(config.workers)]),
      });

      return workerComponent({
        definition,
        section,
        kafka,
        context,
        closeStore: async () => {
          await writer.close();
        },
      });
    },
  });
}
