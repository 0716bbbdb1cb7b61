// The synth-store worker: PostgreSQL (migrated at start) and the codecs of its six topics.
import pg from 'pg';
import { describeEndpoint, requireSection } from '../../core/index.ts';
import { fromAvroResult } from '../../schemas/index.ts';
import { topics } from '../../topics/catalog.ts';
import { defineWorker } from '../define-worker.ts';
import { synthStoreConfig } from './config.ts';
import { synthStoreDefinition } from './definition.ts';
import { migrate } from './migrate.ts';

export const synthStoreWorker = defineWorker({
  config: synthStoreConfig,
  async create({ config, context, codec }) {
    const postgres = requireSection(config, 'postgres');
    const pool = new pg.Pool({ connectionString: postgres.url, max: postgres.pool_max });
    // An idle client losing its connection (PostgreSQL restarting) must not crash the process;
    // the next write fails, and the harness retries it.
    pool.on('error', (error) => context.logger.warn({ err: error.message }, 'postgres connection lost'));
    await context.connect(`postgres at ${describeEndpoint(postgres.url)}`, () => pool.query('SELECT 1'));
    // Not ready until migrated; a migration that backfills a big table (the rollups of 0005 on
    // millions of runs) takes minutes, so each says when it starts and how long it took.
    const applied = await migrate(pool, undefined, {
      applying: (m) =>
        context.logger.info({ migration: `${m.version}_${m.name}` }, 'applying database migration'),
      applied: (m, seconds) =>
        context.logger.info({ migration: `${m.version}_${m.name}`, seconds }, 'database migration applied'),
    });
    if (applied.length > 0) context.logger.info({ applied }, 'database migrated');
    const definition = synthStoreDefinition({
      pool,
      codec: await codec(topics.synthResults),
      fromRecord: fromAvroResult,
      definitionCodec: await codec(topics.synthDefinitions),
      baselineCodec: await codec(topics.baselines),
      forecastCodec: await codec(topics.forecasts),
      eventCodec: await codec(topics.events),
      targetCodec: await codec(topics.slaTargets),
    });
    return { definition, close: () => pool.end() };
  },
});
