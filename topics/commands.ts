// Operator commands on the bus: `topics apply`, `schemas register|check`, `lag` (`replay` stops and
// starts the local stack's workers: scripts/replay/).
import timers from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { loadConfig, parseConfigArgs } from '../core/config.ts';
import type { PrimoartConfig } from '../core/config-schema.ts';
import { abortOnInterrupt } from '../core/interrupt.ts';
import { createLogger } from '../core/logging.ts';
import { applyAcls, type BusAccess, busIdentitiesOf, describeBinding } from './acls.ts';
import { applyCatalog, groupLag, type PartitionLag } from './admin.ts';
import { kafkaFromConfig } from './bus.ts';
import { catalog, valueSubject } from './catalog.ts';
import {
  hideCursor,
  type LagViewRow,
  lagRates,
  plainHeader,
  plainLines,
  redraw,
  screenLines,
  showCursor,
  sumByGroupAndTopic,
} from './lag-view.ts';
import type { Admin } from './port.ts';
import {
  checkCompatibility,
  compatibilityLevel,
  registerSchema,
  setCompatibility,
  setGlobalCompatibility,
} from './registry.ts';

const out = (line: string) => process.stdout.write(`${line}\n`);

async function withConfig(args: string[]) {
  const { configFile, rest } = parseConfigArgs(args);
  const config = await loadConfig(configFile);
  return { config, rest };
}

async function withAdmin<T>(
  args: string[],
  work: (admin: Admin, rest: string[], config: PrimoartConfig) => Promise<T>,
): Promise<T> {
  const { config, rest } = await withConfig(args);
  const logger = createLogger({ component: 'primoart-cli', level: 'warn' });
  const kafka = kafkaFromConfig({ ...config.kafka, client_id: `${config.kafka.client_id}-cli` }, logger);
  const admin = await kafka.admin();
  try {
    return await work(admin, rest, config);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Topics as the catalog says, then, when the config gives processes identities of their own, their
 * ACLs as their declared access says (`accessByProcess`: process name → topics read and written).
 */
export async function topicsApplyCommand(
  args: string[],
  accessByProcess: Readonly<Record<string, BusAccess>> = {},
  workers: readonly string[] = [],
): Promise<number> {
  return withAdmin(args, async (admin, _rest, config) => {
    const changes = await applyCatalog(admin, catalog);
    for (const change of changes) out(`${change.topic}: ${change.action} (${change.detail})`);
    const identities = busIdentitiesOf(config.kafka.identities, accessByProcess);
    if (identities.length === 0) return 0;
    const acls = await applyAcls(admin, identities, workers);
    for (const change of acls.changes) out(`acl ${change.action}: ${describeBinding(change.binding)}`);
    out(`acls: ${acls.bindings} bindings for ${identities.map((i) => i.username).join(', ')}`);
    return 0;
  });
}

/** Schema-carrying topics of the catalog with their working-copy schemas. */
function schemaTopics() {
  return catalog.flatMap((topic) =>
    topic.valueSchema === null
      ? []
      : [{ topic: topic.name, subject: valueSubject(topic.name), type: topic.valueSchema }],
  );
}

export async function schemasRegisterCommand(args: string[]): Promise<number> {
  const { config } = await withConfig(args);
  const url = config.schema_registry.url;
  await setGlobalCompatibility(url, compatibilityLevel);
  out(`global compatibility: ${compatibilityLevel}`);
  // Subjects are independent: all at once, every outcome reported in catalog order (a registry
  // error on one is reported beside the others, and the command fails).
  const subjects = schemaTopics();
  const outcomes = await Promise.allSettled(
    subjects.map(async ({ subject, type }) => {
      const verdict = await checkCompatibility(url, subject, type.schema);
      if (!verdict.compatible) {
        return {
          ok: false,
          line: `${subject}: NOT registered, incompatible with registered versions: ${verdict.messages.join('; ')}`,
        };
      }
      // Compatibility is set before the first version so the registry enforces it from the start.
      await setCompatibility(url, subject, compatibilityLevel);
      const id = await registerSchema(url, subject, type.schema);
      return { ok: true, line: `${subject}: ${type.name} registered as id ${id} (${compatibilityLevel})` };
    }),
  );
  let failed = 0;
  for (const [index, outcome] of outcomes.entries()) {
    const settled =
      outcome.status === 'fulfilled'
        ? outcome.value
        : { ok: false, line: `${subjects[index]?.subject}: NOT registered: ${String(outcome.reason)}` };
    if (!settled.ok) failed++;
    out(settled.line);
  }
  return failed === 0 ? 0 : 1;
}

export async function schemasCheckCommand(args: string[]): Promise<number> {
  const { config } = await withConfig(args);
  let failed = 0;
  for (const { subject, type } of schemaTopics()) {
    const verdict = await checkCompatibility(config.schema_registry.url, subject, type.schema);
    if (verdict.compatible)
      out(`${subject}: ${verdict.newSubject ? 'new subject' : 'compatible'} (${type.name})`);
    else {
      failed++;
      out(`${subject}: INCOMPATIBLE: ${verdict.messages.join('; ')}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

export async function lagCommand(args: string[]): Promise<number> {
  return withAdmin(args, async (admin, rest) => {
    const { values } = parseArgs({
      args: rest,
      options: { group: { type: 'string' }, watch: { type: 'boolean' }, interval: { type: 'string' } },
    });
    if (values.watch) {
      await watchLag(admin, { group: values.group, intervalMs: intervalMsOf(values.interval) });
      return 0;
    }
    if (values.interval !== undefined) throw new Error('--interval goes with --watch');
    const groups = values.group ? [values.group] : (await admin.listGroups()).sort();
    out(['GROUP', 'TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG'].join('\t'));
    for (const group of groups) {
      for (const topic of catalog) {
        const committed = await admin.groupOffsets(group, topic.name).catch(() => []);
        if (!committed.some((c) => c.offset !== '-1')) continue;
        for (const row of await groupLag(admin, group, topic.name)) {
          out([row.group, row.topic, row.partition, row.committed, row.end, row.lag].join('\t'));
        }
      }
    }
    return 0;
  });
}

function intervalMsOf(seconds: string | undefined): number {
  if (seconds === undefined) return 1_000;
  const value = Number(seconds);
  // Below a tenth of a second the broker is asked more often than a person can read.
  if (!Number.isFinite(value) || value < 0.1)
    throw new Error(`--interval takes seconds, 0.1 or more, not '${seconds}'`);
  return value * 1000;
}

export interface LagWatchOptions {
  /** Only this group; without it every group with commits on a catalog topic. */
  group?: string | undefined;
  intervalMs: number;
  /** Default stdout; on a terminal the screen is redrawn, otherwise lines are appended. */
  output?: Pick<NodeJS.WriteStream, 'write'> & { isTTY?: boolean; columns?: number; rows?: number };
  /** Ends the watch; default: SIGINT or SIGTERM. */
  signal?: AbortSignal;
}

// Groups come and go far less often than their lag changes: the groups, and the topics each has
// committed on, are looked for again this often; in between only the known pairs are read.
const lagRescanMs = 10_000;

/** `lag --watch`: the lag of every group on every topic it reads, every interval, until stopped. */
export async function watchLag(admin: Admin, options: LagWatchOptions): Promise<void> {
  const output = options.output ?? process.stdout;
  const tty = output.isTTY === true;
  const { signal, release } = options.signal
    ? { signal: options.signal, release: () => undefined }
    : abortOnInterrupt();
  // A read in flight (a broker gone: kafkajs retries for long) must not hold up the way out.
  const stopped = new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
  );
  stopped.catch(() => undefined);
  const rates = lagRates();
  let pairs: Array<{ group: string; topic: string }> = [];
  let scannedAt = Number.NEGATIVE_INFINITY;

  async function sample(): Promise<PartitionLag[]> {
    if (Date.now() - scannedAt < lagRescanMs)
      return (await Promise.all(pairs.map(({ group, topic }) => groupLag(admin, group, topic)))).flat();
    const groups = options.group ? [options.group] : await admin.listGroups();
    const candidates = groups.flatMap((group) => catalog.map((topic) => ({ group, topic: topic.name })));
    const read = await Promise.allSettled(
      candidates.map(({ group, topic }) => groupLag(admin, group, topic)),
    );
    // A topic not created yet fails its read and is left out, as in the one-shot table; all of them
    // failing is the broker, and says so.
    const failure = read.find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined && read.every((outcome) => outcome.status === 'rejected')) throw failure.reason;
    const committed = read.flatMap((outcome) =>
      outcome.status === 'fulfilled' && outcome.value.some((row) => row.committed !== '-1')
        ? [outcome.value]
        : [],
    );
    pairs = committed.flatMap((rows) => (rows[0] === undefined ? [] : [rows[0]]));
    scannedAt = Date.now();
    return committed.flat();
  }

  if (tty) output.write(hideCursor);
  else output.write(`${plainHeader}\n`);
  try {
    let due = Date.now();
    while (!signal.aborted) {
      const at = Date.now();
      let error: string | undefined;
      let rows: LagViewRow[] = [];
      try {
        rows = rates.sample(sumByGroupAndTopic(await Promise.race([sample(), stopped])));
      } catch (reason) {
        if (signal.aborted) break;
        error = reason instanceof Error ? reason.message : String(reason);
      }
      if (tty) {
        const size = { columns: output.columns, rows: output.rows };
        output.write(redraw(screenLines(rows, { at, intervalMs: options.intervalMs, error, size })));
      } else if (error !== undefined)
        process.stderr.write(`primoart lag: could not read the lag: ${error}\n`);
      else for (const line of plainLines(rows, at)) output.write(`${line}\n`);
      // A slow read shortens the next wait, so samples stay an interval apart; one slower than the
      // interval is followed by the next at once, not by a burst catching up.
      due = Math.max(due + options.intervalMs, Date.now());
      // Only an abort ends the wait early (and rejects it): the loop then ends.
      // (timers.setTimeout, not a named import: node:test's mock timers replace it on the module.)
      await timers.setTimeout(due - Date.now(), undefined, { signal }).catch(() => undefined);
    }
  } finally {
    if (tty) output.write(showCursor);
    release();
  }
}
