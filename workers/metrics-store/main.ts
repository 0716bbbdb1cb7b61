// The metrics-store worker: VictoriaMetrics, checked at start, and the codecs of its four topics.
import { Counter } from 'prom-client';
import { request } from 'undici';
import { describeEndpoint, requireSection } from '../../core/index.ts';
import { fromAvroResult } from '../../schemas/index.ts';
import { topics } from '../../topics/catalog.ts';
import { defineWorker } from '../define-worker.ts';
import { metricsStoreConfig } from './config.ts';
import { metricsStoreDefinition } from './definition.ts';
import { victoriaMetricsWriter } from './writer.ts';

async function checkHealthy(url: string): Promise<void> {
  const response = await request(new URL('/health', url));
  const body = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`/health answered ${response.statusCode}: ${body}`);
}

export const metricsStoreWorker = defineWorker({
  config: metricsStoreConfig,
  async create({ config, context, codec }) {
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
    const definition = metricsStoreDefinition({
      codecs: {
        results: await codec(topics.synthResults),
        metrics: await codec(topics.otelMetrics),
        spans: await codec(topics.otelSpans),
        baselines: await codec(topics.baselines),
      },
      fromResultRecord: fromAvroResult,
      writer,
      count: (reason, amount = 1) => adjustments.inc({ reason }, amount),
      // The scrape jobs of the local stack (infra/stack/services/scrape-config.ts).
      ownJobs: new Set(['gateway', ...Object.keys(config.workers)]),
    });
    return { definition, close: () => writer.close() };
  },
});
