// The logs-store worker: VictoriaLogs, checked at start, and the codecs of its three topics.
import { Counter } from 'prom-client';
import { describeEndpoint, requireSection } from '../../core/index.ts';
import { fromAvroResult } from '../../schemas/index.ts';
import { topics } from '../../topics/catalog.ts';
import { defineWorker } from '../define-worker.ts';
import { logsStoreConfig } from './config.ts';
import { logsStoreDefinition } from './definition.ts';
import { checkVictoriaLogs, createVictoriaLogsWriter } from './victoria-logs-writer.ts';

export const logsStoreWorker = defineWorker({
  config: logsStoreConfig,
  async create({ config, context, codec }) {
    const victoriaLogs = requireSection(config, 'victoria_logs');
    await context.connect(`victoria-logs at ${describeEndpoint(victoriaLogs.url)}`, (signal) =>
      checkVictoriaLogs(victoriaLogs.url, signal),
    );
    const writer = createVictoriaLogsWriter({ url: victoriaLogs.url });
    const adjustments = new Counter({
      name: 'primoart_logs_store_adjusted_total',
      help: 'Entries re-timed, fields left out or shortened so that VictoriaLogs keeps the entry (by reason)',
      labelNames: ['reason'],
      registers: [context.metrics],
    });
    const definition = logsStoreDefinition({
      codecs: {
        results: await codec(topics.synthResults),
        logs: await codec(topics.otelLogs),
        spans: await codec(topics.otelSpans),
      },
      fromResultRecord: fromAvroResult,
      writer,
      count: (reason, amount = 1) => adjustments.inc({ reason }, amount),
    });
    return { definition, close: () => writer.close() };
  },
});
