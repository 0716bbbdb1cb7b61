// One way to write a worker. A worker states its config section (worker-config.ts) and how to
// build its definition from it: the inputs it decodes (by topic, one way: `decodeByTopic`), its
// write, the output that write emits, its periodic tasks (inputs.ts, harness.ts). Everything else is this frame's, the same
// for every worker: the process lifecycle (core's runProcess), Kafka as the worker's own identity,
// codecs waiting for the registry, the harness (decode → write → produce → commit), ready once
// this instance joined its group, heartbeats to Alerta when the config has an `alerta` section
// (not on a one-off run with `--group-id`), and on stop: heartbeats, periodic tasks and partitions
// handed back before the store closes.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { sectionOf } from '../core/config.ts';
import type { PrimoartConfig } from '../core/config-schema.ts';
import type { Component, ProcessContext } from '../core/process.ts';
import { runProcess } from '../core/process.ts';
import type { RecordSchema } from '../schemas/index.ts';
import { codecFor, openKafka } from '../topics/bus.ts';
import type { ValueCodec } from '../topics/codec.ts';
import type { KafkaConnection } from '../topics/port.ts';
import { harnessSettingsFor, type RunningWorker, startWorker, type WorkerDefinition } from './harness.ts';
import { type Heartbeats, startWorkerHeartbeats } from './heartbeats.ts';
import { ephemeralListen, instanceListen, takeGroupIdArg, takeInstanceArg } from './instances.ts';
import type { HarnessSection, WorkerConfigOwner } from './worker-config.ts';

/** What a worker is given to build its definition. */
export interface WorkerSetup<Section> {
  /** Its own validated section, defaults filled in. */
  section: Section;
  /** The whole file, for the shared sections (postgres, minio, …: use requireSection). */
  config: PrimoartConfig;
  context: ProcessContext;
  /** Connected as the worker's own Kafka identity. */
  kafka: KafkaConnection;
  /** The consumer group the harness consumes with. */
  groupId: string;
  /** A codec for a catalog topic's values, waiting (bounded) for the registry. */
  codec<R>(topic: { name: string; valueSchema: RecordSchema<R> | null }): Promise<ValueCodec<R>>;
}

/** What a worker builds: its definition, and what to do around it. */
export interface WorkerParts<T> {
  definition: WorkerDefinition<T>;
  /** Awaited before consuming starts (the event detector reads its views first). */
  beforeStart?(): Promise<void>;
  /** Closes the store's connections, after the consumer stopped. */
  close?(): Promise<void>;
}

export interface WorkerComponent<S extends z.ZodType<HarnessSection> = z.ZodType<HarnessSection>> {
  config: WorkerConfigOwner<S>;
  /** Runs the worker process to its end (what `primoart worker <name>` calls). */
  run(args: string[]): Promise<never>;
}

export function defineWorker<S extends z.ZodType<HarnessSection>, T>(spec: {
  config: WorkerConfigOwner<S>;
  create(setup: WorkerSetup<z.output<S>>): Promise<WorkerParts<T>>;
}): WorkerComponent<S> {
  const { name } = spec.config;
  return {
    config: spec.config,
    run: (args) => {
      const { groupId, rest: withoutGroup } = takeGroupIdArg(args);
      const { instance, rest } = takeInstanceArg(withoutGroup);
      if (groupId !== undefined && instance !== 1)
        throw new Error('--group-id runs a one-off instance on a free port: --instance does not go with it');
      const listenOf = (config: PrimoartConfig) => {
        const { listen } = sectionOf(config, spec.config);
        return groupId === undefined ? instanceListen(listen, name, instance) : ephemeralListen(listen);
      };
      return runProcess({
        name,
        args: rest,
        listen: listenOf,
        async create(config, context) {
          const section = sectionOf(config, spec.config);
          const settings = {
            ...harnessSettingsFor(name, section),
            ...(groupId === undefined ? {} : { groupId }),
          };
          const kafka = await openKafka(context, config.kafka);
          const parts = await spec.create({
            section,
            config,
            context,
            kafka,
            groupId: settings.groupId,
            codec: (topic) => codecFor(context, config.schema_registry.url, topic),
          });
          return harnessComponent(parts, {
            name,
            listen: listenOf(config),
            settings,
            kafka,
            context,
            // A one-off run on another group sends none: its heartbeat would go stale when it ends
            // and page someone for a process that was meant to stop.
            heartbeats: groupId === undefined,
          });
        },
      });
    },
  };
}

function harnessComponent<T>(
  parts: WorkerParts<T>,
  options: {
    name: string;
    /** Where this instance serves: its heartbeat's origin tells instances on one host apart. */
    listen: string;
    settings: ReturnType<typeof harnessSettingsFor>;
    kafka: KafkaConnection;
    context: ProcessContext;
    heartbeats: boolean;
  },
): Component {
  const { context } = options;
  let worker: RunningWorker | undefined;
  let heartbeats: Heartbeats | undefined;
  let joined = false;
  return {
    async start() {
      await parts.beforeStart?.();
      worker = await startWorker(parts.definition, options.settings, {
        kafka: options.kafka,
        logger: context.logger,
        metrics: context.metrics,
        onFatal: (error) => context.fail(error),
      });
      await worker.joined();
      joined = true;
      if (!options.heartbeats) return;
      heartbeats = startWorkerHeartbeats({
        worker: options.name,
        listen: options.listen,
        alerta: context.config.alerta,
        logger: context.logger,
        metrics: context.metrics,
      });
    },
    isReady: () => joined,
    async stop() {
      await heartbeats?.stop();
      await worker?.stop();
      await parts.close?.();
    },
  };
}

/** A worker's local state file (`state_file`), its folder created if missing; the path as given. */
export function prepareStateFile(file: string): string {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return file;
}
