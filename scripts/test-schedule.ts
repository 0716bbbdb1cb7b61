// Which test files may run at the same time. Every integration file uses databases, consumer
// groups, buckets and processes of its own (test/integration/stack.ts gives them), so files run
// side by side by default; the table below names the few exceptions and why. The scheduler starts
// the slowest files first (so none is left running alone at the end) and never starts a file while
// one it must stay apart from runs.

/** How a file shares the machine with the others. */
export type Placement =
  /** With nothing else running, after every other file. */
  | { alone: string }
  /** Side by side with any file except these (both ways). */
  | { apartFrom: string[]; why: string }
  /** Side by side only with files whose path starts with this (e.g. unit tests). */
  | { onlyBeside: string; why: string };

export const placements: Record<string, Placement> = {
  'test/integration/kafka-outage.test.ts': { alone: "stops the stack's Kafka" },
  'test/integration/chaos.test.ts': {
    alone:
      'runs a second whole stack (3 Kafka brokers, two instances of each store worker) and kills its ' +
      "processes under load for minutes: its gateway's answers and its stores' catch-up need the machine",
  },
  'test/integration/gateway-soak.test.ts': {
    alone: "asserts one gateway's memory and event-loop delay under a soak: others' load would change them",
  },
  'test/integration/definitions.test.ts': {
    apartFrom: [
      'test/integration/synth-store-catalogue.test.ts',
      'test/integration/console-catalogue.test.ts',
    ],
    why:
      'both compare the whole definitions listing (its ETag, its body after a restart): a definition ' +
      'the other file adds meanwhile changes it',
  },
  'test/integration/alerta-forwarder.test.ts': {
    apartFrom: [
      'test/integration/event-detector.test.ts',
      'test/integration/alerts-per-transaction.test.ts',
      'test/integration/maintenance-windows-api.test.ts',
      'test/integration/baselines-store.test.ts',
    ],
    why:
      "asserts its forwarder's count of events by outcome (sent, suppressed, too old, already sent), " +
      'and its forwarder reads the shared events topic: the events these files produce meanwhile ' +
      '(seen: one more sent, one more too old) would be counted too',
  },
  'test/integration/alerting.test.ts': {
    onlyBeside: 'test/unit/',
    why:
      "asserts every event and alert of its fleet's transactions, and publishes 38,880 runs: another " +
      "file's baseline, event detector or Alerta forwarder would judge them without the fleet's " +
      'maintenance window and publish or forward events of its own (seen: an extra open/clear at ' +
      "Frankfurt), and every other file's synth-store would have to store them all before its own " +
      'records (neighbours missed their waits); unit tests touch neither',
  },
};

/**
 * Files started first, slowest first, as measured in a full run (the rest follow in name order):
 * on two cores the suite's wall time is bounded below by its longest file, so that file must not
 * start last.
 */
export const slowFirst = [
  'test/integration/alerting.test.ts',
  'test/integration/baselines-store.test.ts',
  'test/integration/pipeline-health.test.ts',
  'test/integration/worker-scaling.test.ts',
  'test/integration/postgres-outage.test.ts',
  'test/unit/workers/baseline/baseline-store.test.ts',
  'test/integration/event-detector.test.ts',
  'test/integration/artifact-store.test.ts',
  'test/integration/result-limits.test.ts',
  'test/integration/worker-crash.test.ts',
  'test/integration/dead-letters.test.ts',
];

/** Every file's placement check, as the scheduler needs it: who may not run beside whom. */
export function conflicts(file: string, other: string): boolean {
  const apart = (a: string, b: string) => {
    const placement = placements[a];
    if (placement === undefined) return false;
    if ('apartFrom' in placement) return placement.apartFrom.includes(b);
    if ('onlyBeside' in placement) return !b.startsWith(placement.onlyBeside);
    return false;
  };
  return apart(file, other) || apart(other, file);
}

export function isAlone(file: string): boolean {
  const placement = placements[file];
  return placement !== undefined && 'alone' in placement;
}

/** The files in start order: slowFirst (those present), then the rest by name; alone files last. */
export function startOrder(files: readonly string[]): string[] {
  const present = new Set(files);
  const first = slowFirst.filter((file) => present.has(file) && !isAlone(file));
  const rest = [...files].sort().filter((file) => !first.includes(file) && !isAlone(file));
  const alone = [...files].sort().filter(isAlone);
  return [...first, ...rest, ...alone];
}

/**
 * The next file to start, given those waiting (in start order) and those running, with at most
 * `concurrency` at once; undefined when none may start now. An alone file starts only when nothing
 * runs, and only once every other file has started (so it never holds the others back).
 */
export function nextFile(
  waiting: readonly string[],
  running: readonly string[],
  concurrency: number,
): string | undefined {
  if (running.length >= concurrency || running.some(isAlone)) return undefined;
  for (const file of waiting) {
    if (isAlone(file)) {
      const othersWaiting = waiting.some((other) => !isAlone(other));
      if (running.length === 0 && !othersWaiting) return file;
      continue;
    }
    if (!running.some((other) => conflicts(file, other))) return file;
  }
  return undefined;
}

/** Check the table against the files that exist: a renamed file must not silently lose its place. */
export function checkPlacements(files: readonly string[]): string[] {
  const known = new Set(files);
  const problems: string[] = [];
  for (const [file, placement] of Object.entries(placements)) {
    if (!known.has(file)) problems.push(`placements names no such file: ${file}`);
    if ('apartFrom' in placement)
      for (const other of placement.apartFrom)
        if (!known.has(other)) problems.push(`placements: ${file} is kept apart from no such file: ${other}`);
  }
  for (const file of slowFirst) if (!known.has(file)) problems.push(`slowFirst names no such file: ${file}`);
  return problems;
}
