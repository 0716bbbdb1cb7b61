// The shape of one local stack: how many Kafka brokers, how many instances of each worker. Chosen
// with `primoart up --kafka-brokers N --scale <worker>=N` and kept in <stateDir>/stack.json, so a
// later `up` (or `down`, `status`, `env`) runs the same stack without the flags being repeated.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { maxInstances } from '../../workers/instances.ts';

export interface StackLayout {
  /** Combined broker+controller nodes: 1 (development) or an odd quorum (3, 5). */
  kafkaBrokers: number;
  /** Instances per worker, where more than one; a worker not named runs one. */
  scale: Readonly<Record<string, number>>;
  /**
   * Added to every port of ports.ts, so a second stack (a chaos run's, a test's) runs beside the
   * default one on the same host: 10000 puts it on 25432, 28080, 29092, ….
   */
  portOffset?: number;
}

export const defaultLayout: StackLayout = { kafkaBrokers: 1, scale: {} };
/** The highest port offset that keeps every port of the stack below 65536. */
export const maxPortOffset = 40_000;
/** The smallest that moves every port past the default stack's (15432–19428). */
export const minPortOffset = 4_000;

/** A quorum of controllers needs an odd count to be worth its cost; five is plenty on one host. */
export const brokerCounts: readonly number[] = [1, 3, 5];
export { maxInstances };

export class LayoutError extends Error {}

export const layoutFile = (stateDir: string): string => join(stateDir, 'stack.json');

export function readLayout(stateDir: string): StackLayout {
  const file = layoutFile(stateDir);
  if (!existsSync(file)) return defaultLayout;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new LayoutError(`${file}: not JSON (${(error as Error).message})`);
  }
  const raw = (parsed ?? {}) as { kafka_brokers?: unknown; scale?: unknown; port_offset?: unknown };
  const kafkaBrokers = raw.kafka_brokers ?? defaultLayout.kafkaBrokers;
  const scale = raw.scale ?? {};
  if (typeof scale !== 'object' || Array.isArray(scale) || scale === null)
    throw new LayoutError(`${file}: scale must be an object of worker → instances`);
  return validLayout(
    {
      kafkaBrokers: kafkaBrokers as number,
      scale: scale as Record<string, number>,
      ...(raw.port_offset === undefined ? {} : { portOffset: raw.port_offset as number }),
    },
    file,
  );
}

export function writeLayout(stateDir: string, layout: StackLayout): void {
  const body = {
    kafka_brokers: layout.kafkaBrokers,
    scale: layout.scale,
    ...(layout.portOffset ? { port_offset: layout.portOffset } : {}),
  };
  writeFileSync(layoutFile(stateDir), `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
}

/**
 * The layout after `up`'s flags: `--kafka-brokers N` and each `--scale worker=N` replace what the
 * state directory held; a worker scaled to 1 is dropped from the file.
 */
export function changedLayout(
  current: StackLayout,
  flags: { kafkaBrokers?: number; scale?: Readonly<Record<string, number>>; portOffset?: number },
  scalable: readonly string[],
): StackLayout {
  for (const name of Object.keys(flags.scale ?? {})) {
    if (!scalable.includes(name))
      throw new LayoutError(`--scale: '${name}' cannot be scaled here; these can: ${scalable.join(', ')}`);
  }
  const scale: Record<string, number> = { ...current.scale, ...flags.scale };
  for (const [name, count] of Object.entries(scale)) if (count === 1) delete scale[name];
  const portOffset = flags.portOffset ?? current.portOffset ?? 0;
  return validLayout(
    {
      kafkaBrokers: flags.kafkaBrokers ?? current.kafkaBrokers,
      scale,
      ...(portOffset === 0 ? {} : { portOffset }),
    },
    'the stack',
  );
}

function validLayout(layout: StackLayout, where: string): StackLayout {
  if (!brokerCounts.includes(layout.kafkaBrokers))
    throw new LayoutError(
      `${where}: kafka brokers must be one of ${brokerCounts.join(', ')}, got ${JSON.stringify(layout.kafkaBrokers)}`,
    );
  const offset = layout.portOffset ?? 0;
  // The default ports span 15432–19428 (and instances up to 18266): a smaller offset would put
  // some of this stack's ports on another's (+ 1 moves synth-store onto metrics-store).
  if (!Number.isInteger(offset) || (offset !== 0 && (offset < minPortOffset || offset > maxPortOffset)))
    throw new LayoutError(
      `${where}: the port offset must be 0 or a whole number from ${minPortOffset} to ${maxPortOffset}, got ${JSON.stringify(offset)}`,
    );
  for (const [name, count] of Object.entries(layout.scale)) {
    if (!Number.isInteger(count) || count < 1 || count > maxInstances)
      throw new LayoutError(
        `${where}: instances of ${name} must be a whole number from 1 to ${maxInstances}, got ${JSON.stringify(count)}`,
      );
  }
  return layout;
}

/** Instances of a worker in this layout. */
export const instancesOf = (layout: StackLayout, worker: string): number => layout.scale[worker] ?? 1;

/**
 * The service name of instance `index` (1-based) of a process: the first keeps the plain name, so a
 * stack that never scaled looks as it always did, and the others are `<name>-<index>`.
 */
export const instanceName = (name: string, index: number): string =>
  index === 1 ? name : `${name}-${index}`;
