// Operator commands on the bus: `topics apply`, `schemas register|check`, `lag`, `replay`.
import { parseArgs } from 'node:util';
import { loadConfig, parseConfigArgs } from '../core/config.ts';
import type { PrimoartConfig } from '../core/config-schema.ts';
import { createLogger } from '../core/logging.ts';
import { applyAcls, type BusAccess, busIdentitiesOf, describeBinding } from './acls.ts';
import { applyCatalog, groupLag, type ReplayFrom, resetGroupOffsets } from './admin.ts';
import { kafkaFromConfig } from './bus.ts';
import { catalog, valueSubject } from './catalog.ts';
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
    const { values } = parseArgs({ args: rest, options: { group: { type: 'string' } } });
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

export function parseReplayFrom(value: string): ReplayFrom {
  if (value === 'earliest' || value === 'latest') return { kind: value };
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !/\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new Error(`--from takes 'earliest', 'latest' or an RFC 3339 time, not '${value}'`);
  }
  return { kind: 'time', timestampMs: ms };
}

export async function replayCommand(args: string[]): Promise<number> {
  return withAdmin(args, async (admin, rest) => {
    const { values } = parseArgs({
      args: rest,
      options: { group: { type: 'string' }, from: { type: 'string' }, topic: { type: 'string' } },
    });
    if (!values.group || !values.from)
      throw new Error('replay needs --group G and --from <time|earliest|latest>');
    const from = parseReplayFrom(values.from);
    const topicNames = values.topic ? [values.topic] : catalog.map((t) => t.name);
    for (const topic of topicNames) {
      const committed = await admin.groupOffsets(values.group, topic).catch(() => []);
      if (!values.topic && !committed.some((c) => c.offset !== '-1')) continue;
      try {
        const moved = await resetGroupOffsets(admin, values.group, topic, from);
        out(`${values.group} on ${topic}: ${moved.map((p) => `p${p.partition}→${p.offset}`).join(' ')}`);
      } catch (error) {
        throw new Error(
          `cannot move ${values.group} on ${topic}: ${(error as Error).message} ` +
            '(Kafka only allows it while no instance of the group runs: stop its workers first)',
        );
      }
    }
    out('offsets moved; start the workers of the group to reprocess');
    return 0;
  });
}
