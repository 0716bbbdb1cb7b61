// The event-detector worker process: the state file, the baselines and definitions views, the
// harness over the results, and the no-data timer.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Component, ProcessContext } from '../../core/index.ts';
import { runProcess, workerSection } from '../../core/index.ts';
import {
  fromAvroResult,
  type TransactionDefinitionRecord,
  type TransactionResultRecord,
} from '../../schemas/index.ts';
import type { DetectedEventRecord, SeriesBaselineRecord } from '../../schemas/record-types.ts';
import { groupLag } from '../../topics/admin.ts';
import { codecFor, openKafka } from '../../topics/bus.ts';
import { topics } from '../../topics/catalog.ts';
import { startCompactedView } from '../../topics/compacted-view.ts';
import type { KafkaConnection } from '../../topics/port.ts';
import { describeError } from '../failures.ts';
import { harnessSettingsFor } from '../harness.ts';
import { workerComponent } from '../worker-component.ts';
import { baselineLookup, isRunSeriesKey } from './baseline-view.ts';
import { eventDetector } from './definition.ts';
import { defaultDetectionSettings } from './detection-config.ts';
import { DetectorStateStore } from './state-store.ts';

const name = 'event-detector';

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

async function startViews(kafka: KafkaConnection, context: ProcessContext, registryUrl: string) {
  const baselineCodec = await codecFor<SeriesBaselineRecord>(context, registryUrl, topics.baselines);
  const definitionCodec = await codecFor<TransactionDefinitionRecord>(
    context,
    registryUrl,
    topics.synthDefinitions,
  );
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
  return { baselines, baselineCodec, crons };
}

export function runEventDetector(args: string[]): Promise<never> {
  return runProcess({
    name,
    args,
    listen: (config) => workerSection(config, name).listen,
    async create(config, context): Promise<Component> {
      const section = workerSection(config, name);
      if (section.state_file === undefined)
        throw new Error(`workers.${name}.state_file is required: the path of the detector's SQLite state`);
      mkdirSync(path.dirname(path.resolve(section.state_file)), { recursive: true });
      const store = new DetectorStateStore(section.state_file);
      const settings = section.detection ?? defaultDetectionSettings();

      const kafka = await openKafka(context, config.kafka);
      const registryUrl = config.schema_registry.url;
      const codec = await codecFor<TransactionResultRecord>(context, registryUrl, topics.synthResults);
      const eventCodec = await codecFor<DetectedEventRecord>(context, registryUrl, topics.events);
      const producer = await context.connect('kafka producer', () => kafka.producer());
      const views = await startViews(kafka, context, registryUrl);
      const { groupId, batch } = harnessSettingsFor(name, section);
      const detector = eventDetector({
        store,
        codec,
        fromRecord: fromAvroResult,
        eventCodec,
        producer,
        baselines: baselineLookup(
          (key) => views.baselines.get(key),
          (value) => views.baselineCodec.decode(value),
          // Every series a batch needs stays decoded until the batch is judged.
          Math.max(10_000, 4 * section.batch.max_records),
        ),
        cronOf: (transactionId) => views.crons.get(transactionId),
        settings,
        maintenance: section.maintenance_windows ?? [],
        metrics: context.metrics,
        origin: groupId,
      });
      const worker = workerComponent({
        definition: detector.definition,
        section,
        kafka,
        context,
        closeStore: async () => {
          await Promise.all([views.baselines.stop(), views.crons.stop()]);
          await producer.disconnect();
          store.close();
        },
      });

      let timer: NodeJS.Timeout | undefined;
      let checking: Promise<void> | undefined;
      const checkSilence = async () => {
        try {
          // After a downtime the backlog is judged first: its runs would end the silences.
          if (await caughtUpOnResults(kafka, groupId, batch.maxRecords)) await detector.checkSilence();
        } catch (error) {
          context.logger.warn({ err: describeError(error) }, 'no-data check failed; will try again');
        }
      };
      const tick = () => {
        checking ??= checkSilence().finally(() => {
          checking = undefined;
        });
      };
      return {
        async start() {
          // Judging before the views caught up would judge against missing baselines.
          const reading = Date.now();
          context.logger.info('reading the baselines and definitions views before judging');
          await Promise.all([views.baselines.caughtUp(), views.crons.caughtUp()]);
          context.logger.info({ seconds: (Date.now() - reading) / 1000 }, 'views caught up');
          await worker.start();
          timer = setInterval(tick, settings.noDataCheckIntervalMs);
        },
        isReady: () => worker.isReady?.() === true,
        async stop() {
          clearInterval(timer);
          await checking;
          await worker.stop();
        },
      };
    },
  });
}
