// The event-detector worker: the state file, the baselines, definitions and maintenance windows
// views (read to their end before judging), the harness over the results; the no-data check is its
// periodic task.
import { Gauge } from 'prom-client';
import { fromAvroResult } from '../../schemas/index.ts';
import type { MaintenanceWindow } from '../../schemas/maintenance-window.ts';
import { maintenanceWindowOfRecord } from '../../schemas/maintenance-window-record.ts';
import { groupLag } from '../../topics/admin.ts';
import { topics } from '../../topics/catalog.ts';
import { type CompactedView, startCompactedView } from '../../topics/compacted-view.ts';
import type { KafkaConnection } from '../../topics/port.ts';
import { defineWorker, prepareStateFile } from '../define-worker.ts';
import { baselineLookup, isRunSeriesKey } from './baseline-view.ts';
import { eventDetectorConfig } from './config.ts';
import { eventDetector } from './definition.ts';
import { DetectorStateStore } from './state-store.ts';

/** Whether the worker's group is within one batch of the results' end (the backlog is judged). */
async function caughtUpOnResults(kafka: KafkaConnection, groupId: string, slack: number): Promise<boolean> {
  const admin = await kafka.admin();
  try {
    const lag = await groupLag(admin, groupId, topics.synthResults.name);
    return lag.reduce((sum, partition) => sum + partition.lag, 0) <= slack;
  } finally {
    await admin.disconnect();
  }
}

export const eventDetectorWorker = defineWorker({
  config: eventDetectorConfig,
  async create({ section, context, kafka, groupId, codec }) {
    const store = new DetectorStateStore(prepareStateFile(section.state_file));
    const definitionCodec = await codec(topics.synthDefinitions);
    const baselines = await startCompactedView<Buffer | null>({
      kafka,
      topic: topics.baselines.name,
      logger: context.logger,
      // Kept encoded (baseline-view.ts), copied out of the fetched batch; step series are never judged.
      decode: async (value, message) =>
        isRunSeriesKey(message.key?.toString('utf8') ?? '') ? Buffer.from(value) : null,
    });
    const crons = await startCompactedView<string>({
      kafka,
      topic: topics.synthDefinitions.name,
      logger: context.logger,
      decode: async (value) => (await definitionCodec.decode(value)).cron,
    });
    const windowCodec = await codec(topics.maintenanceWindows);
    const apiWindows = await startCompactedView<MaintenanceWindow>({
      kafka,
      topic: topics.maintenanceWindows.name,
      logger: context.logger,
      // Judged by the setting's rules; a record that breaks them is logged and skipped.
      decode: async (value, message) =>
        maintenanceWindowOfRecord(await windowCodec.decode(value), message.key?.toString('utf8') ?? ''),
      onChange: (id, window) =>
        context.logger.info(
          { window: id },
          window === undefined ? 'maintenance window deleted' : 'maintenance window set',
        ),
    });
    const maintenance = windowsInForce(section.maintenance_windows, apiWindows);
    new Gauge({
      name: 'primoart_event_detector_maintenance_windows',
      help: 'Maintenance windows judged by: the config file’s and those managed through the console’s API',
      labelNames: ['source'] as const,
      registers: [context.metrics],
      collect() {
        this.set({ source: 'config' }, section.maintenance_windows.length);
        this.set({ source: 'api' }, apiWindows.size());
      },
    });
    const baselineCodec = await codec(topics.baselines);
    const detector = eventDetector({
      store,
      codec: await codec(topics.synthResults),
      fromRecord: fromAvroResult,
      eventCodec: await codec(topics.events),
      baselines: baselineLookup(
        (key) => baselines.get(key),
        (value) => baselineCodec.decode(value),
        // Every series a batch needs stays decoded until the batch is judged.
        Math.max(10_000, 4 * section.batch.max_records),
      ),
      cronOf: (transactionId) => crons.get(transactionId),
      settings: section.detection,
      alerts: section.alerts,
      forgetAfterMs: section.forget_after_days * 86_400_000,
      maintenance,
      metrics: context.metrics,
      origin: groupId,
      // After a downtime the backlog is judged first: its runs would end the silences.
      silenceCheckDue: () => caughtUpOnResults(kafka, groupId, section.batch.max_records),
    });
    return {
      definition: detector.definition,
      async beforeStart() {
        // Judging before the views caught up would judge against missing baselines (and windows).
        const reading = Date.now();
        context.logger.info(
          'reading the baselines, definitions and maintenance windows views before judging',
        );
        await Promise.all([baselines.caughtUp(), crons.caughtUp(), apiWindows.caughtUp()]);
        context.logger.info({ seconds: (Date.now() - reading) / 1000 }, 'views caught up');
      },
      async close() {
        await Promise.all([baselines.stop(), crons.stop(), apiWindows.stop()]);
        store.close();
      },
    };
  },
});

/**
 * The windows in force, as the detector reads them at every batch and check: the config file's,
 * then the API's (primoart.maintenance-windows.v1) as the view holds them now. The list is made
 * again only after the view changed.
 */
function windowsInForce(
  configured: readonly MaintenanceWindow[],
  view: CompactedView<MaintenanceWindow>,
): () => readonly MaintenanceWindow[] {
  let revision = -1;
  let windows: readonly MaintenanceWindow[] = configured;
  return () => {
    if (view.revision() !== revision) {
      revision = view.revision();
      windows = [...configured, ...Array.from(view.entries(), ([, window]) => window)];
    }
    return windows;
  };
}
