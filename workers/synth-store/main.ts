// The synth-store worker process.
import pg from 'pg';
import { describeEndpoint, requireSection, runProcess, workerSection } from '../../core/index.ts';
import type { TransactionDefinitionRecord } from '../../schemas/definition-records.ts';
import { fromAvroResult } from '../../schemas/index.ts';
import type {
  DetectedEventRecord,
  SeriesBaselineRecord,
  TransactionForecastRecord,
  TransactionResultRecord,
} from '../../schemas/record-types.ts';
import { codecFor, openKafka } from '../../topics/bus.ts';
import { topics } from '../../topics/catalog.ts';
import { workerComponent } from '../worker-component.ts';
import { synthStoreDefinition } from './definition.ts';
import { migrate } from './migrate.ts';

const name = 'synth-store';

export function runSynthStore(args: string[]): Promise<never> {
  return runProcess({
    name,
    args,
    listen: (config) => workerSection(config, name).listen,
    async create(config, context) {
      const section = workerSection(config, name);
      const postgres = requireSection(config, 'postgres');
      const pool = new pg.Pool({ connectionString: postgres.url, max: postgres.pool_max });
      // An idle client losing its connection (PostgreSQL restarting) must not crash the process;
      // the next write fails, and the harness retries it.
      pool.on('error', (error) => context.logger.warn({ err: error.message }, 'postgres connection lost'));
      await context.connect(`postgres at ${describeEndpoint(postgres.url)}`, () => pool.query('SELECT 1'));
      const applied = await migrate(pool);
      if (applied.length > 0) context.logger.info({ applied }, 'database migrated');

      const kafka = await openKafka(context, config.kafka);
      const codec = await codecFor<TransactionResultRecord>(
        context,
        config.schema_registry.url,
        topics.synthResults,
      );
      const definitionCodec = await codecFor<TransactionDefinitionRecord>(
        context,
        config.schema_registry.url,
        topics.synthDefinitions,
      );
      const definition = synthStoreDefinition({
        pool,
        codec,
        fromRecord: fromAvroResult,
        definitionCodec,
        baselineCodec: await codecFor<SeriesBaselineRecord>(
          context,
          config.schema_registry.url,
          topics.baselines,
        ),
        forecastCodec: await codecFor<TransactionForecastRecord>(
          context,
          config.schema_registry.url,
          topics.forecasts,
        ),
        eventCodec: await codecFor<DetectedEventRecord>(context, config.schema_registry.url, topics.events),
      });

      return workerComponent({
        definition,
        section,
        kafka,
        context,
        closeStore: async () => {
          await pool.end();
        },
      });
    },
  });
}
