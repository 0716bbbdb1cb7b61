// The logs-store worker process.
import { Counter } from 'prom-client';
import { describeEndpoint, requireSection, runProcess, workerSection } from '../../core/index.ts';
import { fromAvroResult } from '../../schemas/index.ts';
import type { OtelLogRecord, OtelSpanRecord, TransactionResultRecord } from '../../schemas/record-types.ts';
import { codecFor, openKafka } from '../../topics/bus.ts';
import { topics } from '../../topics/catalog.ts';
import { workerComponent } from '../worker-component.ts';
import { logsStoreDefinition } from './definition.ts';
import { checkVictoriaLogs, createVictoriaLogsWriter } from './victoria-logs-writer.ts';

const name = 'logs-store';

export function runLogsStore(args: string[]): Promise<never> {
  return runProcess({
    name,
    args,
    listen: (config) => workerSection(config, name).listen,
    async create(config, context) {
      const section = workerSection(config, name);
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

      const kafka = await openKafka(context, config.kafka);
      const registryUrl = config.schema_registry.url;
      const definition = logsStoreDefinition({
        codecs: {
          results: await codecFor<TransactionResultRecord>(context, registryUrl, topics.synthResults),
          logs: await codecFor<OtelLogRecord>(context, registryUrl, topics.otelLogs),
          spans: await codecFor<OtelSpanRecord>(context, registryUrl, topics.otelSpans),
        },
        fromResultRecord: fromAvroResult,
        writer,
        count: (reason, amount = 1) => adjustments.inc({ reason }, amount),
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
