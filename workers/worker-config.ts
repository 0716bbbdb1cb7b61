// A worker's section of primoart.yml (`workers.<name>:`): the keys the harness reads, stated once
// here with their defaults, and the worker's own keys next to them. Each worker states its section
// with `workerConfig` in its own folder (OpenTelemetry Collector style: a component owns its
// config); the entry point registers them (scripts/components.ts), so a key one worker owns under
// another worker's section is an unknown key.
import { z } from 'zod';
import { type ConfigOwner, hostPort, positiveInt } from '../core/config-schema.ts';

export const batchSchema = z
  .strictObject({
    max_records: positiveInt.default(500),
    max_bytes: positiveInt.default(8 * 1024 * 1024),
    max_wait_ms: positiveInt.default(200),
  })
  .prefault({});

export const retrySchema = z
  .strictObject({
    initial_ms: positiveInt.default(200),
    max_ms: positiveInt.default(10_000),
  })
  .prefault({});

/** The keys every worker section has: the process's port and what the harness reads. */
export const harnessShape = {
  listen: hostPort,
  /** Consumer group; default `primoart.<worker>`. Instances of one worker share it to split partitions. */
  group_id: z.string().min(1).optional(),
  batch: batchSchema,
  retry: retrySchema,
};

/** A worker that keeps local state (a SQLite file): its path, required. */
export const stateFileSchema = z.string().min(1);

export type HarnessSection = z.output<z.ZodObject<typeof harnessShape>>;

/** A worker's section: the harness's keys and the worker's own `shape`. */
export function workerConfig<Name extends string, Shape extends z.ZodRawShape>(name: Name, shape: Shape) {
  const configSchema = z.strictObject({ ...harnessShape, ...shape });
  return {
    name,
    path: ['workers', name] as const,
    configSchema,
  } satisfies ConfigOwner<typeof configSchema>;
}

export type WorkerConfigOwner<S extends z.ZodType<HarnessSection> = z.ZodType<HarnessSection>> = {
  name: string;
  path: readonly ['workers', string];
  configSchema: S;
};
