// The baseline worker process.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { runProcess, workerSection } from '../../core/index.ts';
import { fromAvroResult } from '../../schemas/index.ts';
import type {
  SeriesBaselineRecord,
  TransactionForecastRecord,
  TransactionResultRecord,
} from '../../schemas/record-types.ts';
import { codecFor, openKafka } from '../../topics/bus.ts';
import { topics } from '../../topics/catalog.ts';
import { workerComponent } from '../worker-component.ts';
import { BaselineStore } from './baseline-store.ts';
import { baselineDefinition } from './definition.ts';
import { baselineSettingsFromConfig } from './settings.ts';

const name = 'baseline';

export function runBaseline(args: string[]): Promise<never> {
  return runProcess({
    name,
    args,
    listen: (config) => workerSection(config, name).listen,
    async create(config, context) {
      const section = workerSection(config, name);
      if (section.state_file === undefined)
        throw new Error(`workers.${name}.state_file is required: the path of the model's SQLite file`);
      mkdirSync(path.dirname(path.resolve(section.state_file)), { recursive: true });
      const store = new BaselineStore(section.state_file, baselineSettingsFromConfig(section.model));

      const kafka = await openKafka(context, config.kafka);
      const codec = await codecFor<TransactionResultRecord>(
        context,
        config.schema_registry.url,
        topics.synthResults,
      );
      const baselineCodec = await codecFor<SeriesBaselineRecord>(
        context,
        config.schema_registry.url,
        topics.baselines,
      );
      const forecastCodec = await codecFor<TransactionForecastRecord>(
        context,
        config.schema_registry.url,
        topics.forecasts,
      );
      const producer = await context.connect('kafka producer', () => kafka.producer());
      const definition = baselineDefinition({
        store,
        codec,
        fromRecord: fromAvroResult,
        baselineCodec,
        forecastCodec,
        producer,
      });

      return workerComponent({
        definition,
        section,
        kafka,
        context,
        closeStore: async () => {
          await producer.disconnect();
          store.close();
        },
      });
    },
  });
}
