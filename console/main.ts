// The console process: the read API over the stores and the web console on top of it. It
// reads PostgreSQL, VictoriaMetrics, VictoriaLogs and MinIO, never writes to them, never talks to
// the gateway; its Kafka traffic is its own views of the API keys topic and of the maintenance
// windows topic, the target SLAs an admin sets (published for synth-store to store:
// console/target-publisher.ts) and the maintenance windows an admin creates or deletes (published
// for the event detectors: console/maintenance-window-publisher.ts).

import pg from 'pg';
import { createAuthFailureGuard } from '../auth/auth-failures.ts';
import { createKeyLookup, createManagedKeyIndex } from '../auth/key-store.ts';
import { openKeyView } from '../auth/key-view.ts';
import { type PrimoartConfig, requireSection, runProcess, sectionOf } from '../core/index.ts';
import { describeEndpoint } from '../core/logging.ts';
import type { MaintenanceWindow } from '../schemas/maintenance-window.ts';
import { codecFor, openKafka } from '../topics/bus.ts';
import { topics } from '../topics/catalog.ts';
import { consoleEndpoints } from './api/index.ts';
import { consoleConfig } from './config.ts';
import { endpointRouter, openApiDocument, openApiRouter } from './endpoint.ts';
import { createMaintenanceWindowPublisher } from './maintenance-window-publisher.ts';
import { openMaintenanceWindowView } from './maintenance-window-view.ts';
import { openPostgresProbe, openStores, sessionOptions, storeProbes, watchStoreHealth } from './stores.ts';
import { createTargetPublisher } from './target-publisher.ts';
import { consolePages } from './web/pages/index.ts';
import { webRouter } from './web/router.ts';
import { createSessionStore } from './web/sessions.ts';

export const apiInfo = {
  title: 'PrimoART read API',
  version: '1',
  description:
    'What the stores hold, for people and tools: SLA, runs, events, screenshots, the catalogue. ' +
    'Every endpoint needs an API key with the read scope (Authorization: Bearer <key>).',
};

export function runConsole(args: string[]): Promise<never> {
  return runProcess({
    name: 'console',
    args,
    listen: (config) => sectionOf(config, consoleConfig).listen,
    async create(config, context) {
      const section = sectionOf(config, consoleConfig);
      const { logger } = context;
      const postgres = requireSection(config, 'postgres');
      const stores = openStores({
        postgres,
        minio: requireSection(config, 'minio'),
        victoriaMetricsUrl: requireSection(config, 'victoria_metrics').url,
        victoriaLogsUrl: requireSection(config, 'victoria_logs').url,
        maxPeriodDays: section.max_period_days,
        statementTimeoutMs: section.statement_timeout_ms,
        exportStatementTimeoutMs: section.export_statement_timeout_ms,
      });
      stores.postgres.on('error', (error) => logger.warn({ err: error.message }, 'postgres connection lost'));
      // PostgreSQL holds most answers: wait for it at start like the workers do. The other stores
      // may come later; until they answer, only the endpoints that need them are 503.
      await context.connect(`postgres at ${describeEndpoint(postgres.url)}`, () =>
        stores.postgres.query('SELECT 1'),
      );
      const postgresProbe = openPostgresProbe(
        () =>
          new pg.Client({
            connectionString: postgres.url,
            options: sessionOptions(section.statement_timeout_ms),
            application_name: 'primoart-console-probe',
            connectionTimeoutMillis: section.store_probe_timeout_ms,
          }),
      );
      const health = await watchStoreHealth({
        probes: storeProbes(stores, postgresProbe),
        intervalMs: section.store_probe_interval_ms,
        timeoutMs: section.store_probe_timeout_ms,
        onChange(store, up, error) {
          if (up) logger.info({ store }, `${store} answers`);
          else
            logger.warn(
              { store, err: error instanceof Error ? error.message : String(error) },
              `${store} is down`,
            );
        },
      });

      const kafka = await openKafka(context, config.kafka);
      const managed = createManagedKeyIndex();
      const keyView = await openKeyView({
        context,
        kafka,
        registryUrl: config.schema_registry.url,
        managed,
        configKeys: section.api_keys.length,
        catchUpTimeoutMs: config.startup.dependency_timeout_ms,
      });
      const failures = createAuthFailureGuard({
        limit: { perSecond: section.failed_auth_per_minute / 60, burst: section.failed_auth_burst },
        logger,
        metrics: context.metrics,
        process: 'console',
      });
      const producer = await kafka.producer();
      const targetCodec = await codecFor(context, config.schema_registry.url, topics.slaTargets);
      const windowCodec = await codecFor(context, config.schema_registry.url, topics.maintenanceWindows);
      const windowView = await context.connect(`topic ${topics.maintenanceWindows.name}`, () =>
        openMaintenanceWindowView({
          kafka,
          codec: windowCodec,
          logger,
          catchUpTimeoutMs: config.startup.dependency_timeout_ms,
        }),
      );
      const endpoints = consoleEndpoints({
        limits: stores.limits,
        targets: {
          publisher: createTargetPublisher({
            producer,
            codec: targetCodec,
            timeoutMs: section.target_publish_timeout_ms,
          }),
          storedWithinMs: section.target_stored_within_ms,
        },
        maintenanceWindows: {
          configured: maintenanceWindowsOf(config),
          windows: windowView,
          publisher: createMaintenanceWindowPublisher({
            producer,
            codec: windowCodec,
            timeoutMs: section.maintenance_publish_timeout_ms,
          }),
          visibleWithinMs: section.maintenance_visible_within_ms,
        },
      });
      const document = openApiDocument(endpoints, apiInfo);
      const keys = createKeyLookup(section.api_keys, managed);
      const sessions = createSessionStore({
        ttlMs: section.session_ttl_ms,
        idleMs: section.session_idle_ms,
        maxSessions: section.max_sessions,
      });
      const sweep = setInterval(() => sessions.sweep(), 60_000);
      sweep.unref();
      const web = webRouter({
        pages: consolePages,
        endpoints,
        keys,
        sessions,
        stores,
        health,
        logger,
        metrics: context.metrics,
        failedAuth: failures,
        timeZone: section.time_zone,
        maxPeriodDays: section.max_period_days,
        sessionTtlMs: section.session_ttl_ms,
        secureCookie: section.public_url?.startsWith('https:') ?? false,
      });
      return {
        // Not ready before the keys view has read the whole topic (a revoked key must not pass), nor
        // before the maintenance windows' view has (a list would miss windows, a delete 404).
        start: async () => {
          await Promise.all([keyView.caughtUp(), windowView.caughtUp()]);
        },
        async stop() {
          clearInterval(sweep);
          health.stop();
          await postgresProbe.close();
          failures.stop();
          await keyView.stop();
          await windowView.stop();
          await producer.disconnect();
          await stores.postgres.end();
        },
        routes(app) {
          app.use(openApiRouter(document));
          app.use(
            endpointRouter({
              endpoints,
              keys,
              sessionKey: web.sessionKey,
              stores,
              health,
              logger,
              metrics: context.metrics,
              failedAuth: failures,
              maxConcurrentExports: section.max_concurrent_exports,
            }),
          );
          // After the API: its 404 answers any other /api/v1 path; the pages take the rest.
          app.use(web.router);
        },
      };
    },
  });
}

/**
 * The maintenance windows of the event detector's section of the file, as its schema parsed them
 * (core validates every registered section). The console only lists them (read-only): the event
 * detector owns the setting. None when the file has no such section.
 */
function maintenanceWindowsOf(config: PrimoartConfig): readonly MaintenanceWindow[] {
  const section = config.workers['event-detector'] as { maintenance_windows?: unknown } | undefined;
  const windows = section?.maintenance_windows;
  return Array.isArray(windows) ? (windows as MaintenanceWindow[]) : [];
}
