// `primoart replay`: a consumer group reads its topics again from a time, an offset or the start.
//
// On the group of a worker the local stack runs, the replay is one command: the stack's instances
// of that worker are stopped (Kafka moves a group's offsets only while it has no member), the
// offsets moved, the instances started again, and the group watched until it has committed up to
// the end offsets captured at the move. Members the command did not stop run elsewhere: it starts
// again what it stopped and names them. `--to-group NEW` leaves the live group alone: NEW's offsets
// are set, one instance of the worker runs on NEW (`primoart worker <name> --group-id NEW`) until
// NEW reached the end, and stops.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, parseConfigArgs } from '../../core/config.ts';
import type { PrimoartConfig } from '../../core/config-schema.ts';
import { abortOnInterrupt } from '../../core/interrupt.ts';
import { createLogger } from '../../core/logging.ts';
import { createProgress, formatDuration } from '../../core/progress.ts';
import type { ServiceDefinition } from '../../infra/stack/service.ts';
import { scalableWorkers } from '../../infra/stack/services/primoart-processes.ts';
import { projectProcess } from '../../infra/stack/services/process-list.ts';
import { defaultGroupOf, groupPrefix } from '../../topics/acls.ts';
import { type ReplayFrom, replayTargets } from '../../topics/admin.ts';
import { kafkaFromConfig } from '../../topics/bus.ts';
import { catalog, topics as catalogTopics } from '../../topics/catalog.ts';
import type { Admin, GroupMember } from '../../topics/port.ts';
import { workerBusAccess, workerNames } from '../../workers/bus-access.ts';
import { harnessSettingsFor } from '../../workers/harness.ts';
import type { HarnessSection } from '../../workers/worker-config.ts';
import { type CatchUp, waitCaughtUp } from './catch-up.ts';
import { type LocalStack, localStack } from './local-stack.ts';
import {
  caughtUpLine,
  count,
  describeFrom,
  describeMembers,
  formatPlan,
  type PlannedPartition,
  parseReplayFrom,
  parseTimeout,
  planTopic,
  totalRecords,
} from './plan.ts';
import { type ReplaySilence, replayAlerts, silenceReplay } from './silence.ts';

export interface ReplayOptions {
  group: string;
  from: ReplayFrom;
  /** `--topic`, repeatable; none: every catalog topic the group has committed offsets on. */
  topics: string[];
  dryRun: boolean;
  toGroup?: string;
  /** With --to-group: move NEW's offsets even though it has committed some already. */
  force: boolean;
  timeoutMs: number;
  stateDir?: string;
  /** Where to silence the worker's replay alerts; default: the local stack's Alertmanager, if it runs. */
  alertmanager?: string;
  configFile: string;
}

const defaultTimeout = '2h';

export function parseReplayArgs(args: readonly string[]): ReplayOptions {
  const { configFile, rest } = parseConfigArgs(args);
  const { values } = parseArgs({
    args: rest,
    options: {
      group: { type: 'string' },
      from: { type: 'string' },
      topic: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean', default: false },
      'to-group': { type: 'string' },
      force: { type: 'boolean', default: false },
      timeout: { type: 'string', default: defaultTimeout },
      'state-dir': { type: 'string' },
      alertmanager: { type: 'string' },
    },
  });
  if (!values.group || !values.from)
    throw new Error('replay needs --group G and --from <RFC 3339 time|earliest|latest|offset> (see --help)');
  if (values.force && values['to-group'] === undefined) throw new Error('--force goes with --to-group');
  return {
    group: values.group,
    from: parseReplayFrom(values.from),
    topics: values.topic ?? [],
    dryRun: values['dry-run'],
    ...(values['to-group'] === undefined ? {} : { toGroup: values['to-group'] }),
    force: values.force,
    timeoutMs: parseTimeout(values.timeout),
    ...(values['state-dir'] === undefined ? {} : { stateDir: values['state-dir'] }),
    ...(values.alertmanager === undefined ? {} : { alertmanager: values.alertmanager }),
    configFile,
  };
}

/** The worker of this config that consumes on `group`: its section's `group_id`, else `primoart.<name>`. */
export function workerOfGroup(config: PrimoartConfig, group: string): string | undefined {
  return workerNames.find((name) => {
    const section = config.workers[name];
    return section !== undefined && harnessSettingsFor(name, section as HarnessSection).groupId === group;
  });
}

const out = (line: string) => process.stdout.write(`${line}\n`);
/** What the runner does (stopping, starting) is told on a terminal; a script gets the summary alone. */
const sayOnTerminal = (line: string) => {
  if (process.stderr.isTTY) process.stderr.write(`primoart: ${line}\n`);
};

export async function replayCommand(args: string[]): Promise<number> {
  const options = parseReplayArgs(args);
  const config = await loadConfig(options.configFile);
  const kafka = kafkaFromConfig(
    { ...config.kafka, client_id: `${config.kafka.client_id}-cli` },
    createLogger({ component: 'primoart-cli', level: 'error' }),
  );
  const admin = await kafka.admin();
  try {
    return options.toGroup === undefined
      ? await replayGroup(admin, options, config)
      : await replayIntoGroup(admin, { ...options, toGroup: options.toGroup }, config);
  } finally {
    await admin.disconnect();
  }
}

/** The topics to replay: those named, or every catalog topic the group has committed offsets on. */
async function replayTopics(admin: Admin, group: string, named: readonly string[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = named.filter((topic) => !existing.has(topic));
  if (missing.length > 0) throw new Error(`no such topic: ${missing.join(', ')}`);
  if (named.length > 0) return [...new Set(named)];
  const held = await Promise.all(
    catalog
      .filter((topic) => existing.has(topic.name))
      .map(async (topic) =>
        (await admin.groupOffsets(group, topic.name)).some((c) => c.offset !== '-1') ? [topic.name] : [],
      ),
  );
  const topics = held.flat();
  if (topics.length === 0)
    throw new Error(
      `${group} has committed no offsets on any topic of the catalog: name the topics it reads with --topic T`,
    );
  return topics;
}

/** Per topic and partition: the group's committed offset now, where `from` points, the end now. */
async function planOf(
  admin: Admin,
  group: string,
  topics: readonly string[],
  from: ReplayFrom,
): Promise<PlannedPartition[]> {
  const perTopic = await Promise.all(
    topics.map(async (topic) => {
      const [targets, committed] = await Promise.all([
        replayTargets(admin, topic, from),
        admin.groupOffsets(group, topic),
      ]);
      return planTopic(topic, targets, committed);
    }),
  );
  return perTopic.flat();
}

/** Sets the plan's targets as the group's offsets, topic by topic. */
async function moveOffsets(admin: Admin, group: string, plan: readonly PlannedPartition[]): Promise<void> {
  for (const topic of new Set(plan.map((p) => p.topic))) {
    const partitions = plan
      .filter((p) => p.topic === topic)
      .map((p) => ({ partition: p.partition, offset: p.target }));
    try {
      await admin.setGroupOffsets(group, topic, partitions);
    } catch (error) {
      throw new Error(`cannot move ${group} on ${topic}: ${(error as Error).message}`);
    }
  }
}

/**
 * The group's members once the stopped instances have left: a clean stop leaves the group at once;
 * the coordinator is given a few seconds to show it. (One killed after its stop timeout stays until
 * its session expires, 30 s by default: it is named, and the replay can be run again.)
 */
async function remainingMembers(admin: Admin, group: string, stoppedAny: boolean): Promise<GroupMember[]> {
  const deadline = Date.now() + (stoppedAny ? 5_000 : 0);
  for (;;) {
    const members = await admin.groupMembers(group);
    if (members.length === 0 || Date.now() >= deadline) return members;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function refusal(group: string, worker: string | undefined, members: readonly GroupMember[]): string {
  const how =
    worker === undefined
      ? "stop the group's consumers"
      : `stop ${worker} there (systemd: systemctl stop 'primoart-worker@${worker}*'; compose: docker compose stop ${worker})`;
  return (
    `${group} still has ${members.length} member(s) this command cannot stop: ${describeMembers(members)}. ` +
    `Kafka moves a group's offsets only while none runs: ${how}, run the replay again, then start them.`
  );
}

async function replayGroup(admin: Admin, options: ReplayOptions, config: PrimoartConfig): Promise<number> {
  const { group } = options;
  const label = `replay of ${group} from ${describeFrom(options.from)}`;
  const stack = localStack(options.stateDir, sayOnTerminal);
  const stackConfig = await stack?.config();
  // The local stack's instances count only when they are on the bus this config names: with a
  // production config on a machine that also runs a stack, stopping the local workers would be wrong.
  const sameBus =
    stackConfig !== undefined &&
    [...stackConfig.kafka.brokers].sort().join(',') === [...config.kafka.brokers].sort().join(',');
  const localWorker = sameBus ? workerOfGroup(stackConfig, group) : undefined;
  const worker = workerOfGroup(config, group) ?? localWorker;
  const local: ServiceDefinition[] =
    stack === undefined || localWorker === undefined ? [] : stack.runningInstances(localWorker);
  const topics = await replayTopics(admin, group, options.topics);

  if (options.dryRun) {
    const [plan, members] = await Promise.all([
      planOf(admin, group, topics, options.from),
      admin.groupMembers(group),
    ]);
    out(`${label} (dry run: nothing changed)`);
    process.stdout.write(formatPlan(plan));
    const names = local.map((service) => service.name).join(', ');
    const them = local.length === 1 ? 'it' : 'them';
    out(
      local.length > 0
        ? `the local stack runs ${names}: replay stops ${them}, moves the offsets, starts ${them} again and waits until the group has caught up`
        : "the local stack runs none of the group's workers: replay moves the offsets if the group has no member",
    );
    out(members.length === 0 ? `${group} has no members now` : `members now: ${describeMembers(members)}`);
    return 0;
  }

  // The lag and dead letters a replay causes are its purpose, not a problem: silenced while it runs.
  const alertmanagerUrl = options.alertmanager ?? (local.length > 0 ? stack?.alertmanagerUrl() : undefined);
  let silence: ReplaySilence | undefined;
  if (worker !== undefined && alertmanagerUrl !== undefined) {
    try {
      silence = await silenceReplay(alertmanagerUrl, worker, label, options.timeoutMs);
      sayOnTerminal(
        `silenced ${worker}'s ${replayAlerts.join(' and ')} in ${alertmanagerUrl} (${silence.id})`,
      );
    } catch (error) {
      process.stderr.write(
        `primoart replay: could not silence ${worker}'s replay alerts in ${alertmanagerUrl} ` +
          `(${(error as Error).message}); its lag may page while it catches up\n`,
      );
    }
  }
  try {
    return await moveAndWatch(admin, options, { group, label, stack, local, worker, topics });
  } finally {
    await silence?.finish().catch((error: Error) => {
      process.stderr.write(
        `primoart replay: the silence ${silence?.id} stays until its end: ${error.message}\n`,
      );
    });
  }
}

async function moveAndWatch(
  admin: Admin,
  options: ReplayOptions,
  run: {
    group: string;
    label: string;
    stack: LocalStack | undefined;
    local: ServiceDefinition[];
    worker: string | undefined;
    topics: string[];
  },
): Promise<number> {
  const { group, label, stack, local, worker, topics } = run;
  let plan: PlannedPartition[] = [];
  let movedAt = 0;
  // Ctrl-C while the instances are stopped would leave them so: it waits until they run again.
  const interrupted = new AbortController();
  const move = async (): Promise<string | undefined> => {
    try {
      if (stack !== undefined) await stack.stop(local);
      // Interrupted while waiting for the lock or stopping: the offsets stay where they were.
      if (interrupted.signal.aborted) return undefined;
      const members = await remainingMembers(admin, group, local.length > 0);
      if (members.length > 0) return refusal(group, worker, members);
      plan = await planOf(admin, group, topics, options.from);
      await moveOffsets(admin, group, plan);
      movedAt = Date.now();
      return undefined;
    } finally {
      if (stack !== undefined && local.length > 0) await stack.start(local);
    }
  };
  const { release } = abortOnInterrupt(interrupted);
  let refused: string | undefined;
  try {
    refused = stack === undefined || local.length === 0 ? await move() : await stack.locked(move);
  } finally {
    release();
  }
  if (refused !== undefined) {
    process.stderr.write(`primoart replay: ${refused}\n`);
    return 1;
  }
  if (interrupted.signal.aborted) {
    out(
      movedAt === 0
        ? `${label}: interrupted before the offsets moved; nothing changed`
        : `${label}: interrupted; offsets moved, ${count(totalRecords(plan))} records to reprocess`,
    );
    return 130;
  }
  const total = totalRecords(plan);
  if (local.length === 0) {
    out(`${label}: offsets moved, ${count(total)} records to reprocess once the group's workers start`);
    return 0;
  }
  return watch({ admin, group, plan, label, options, movedAt });
}

/** Watches the group reprocess; the summary line or why it ended early. */
async function watch(run: {
  admin: Admin;
  group: string;
  plan: readonly PlannedPartition[];
  label: string;
  options: ReplayOptions;
  movedAt: number;
  /** Aborted when the work stops by itself (the reprocessing child exited). */
  controller?: AbortController;
}): Promise<number> {
  const controller = run.controller ?? new AbortController();
  const { release } = abortOnInterrupt(controller);
  const progress = createProgress();
  let result: CatchUp;
  try {
    result = await waitCaughtUp({
      admin: run.admin,
      group: run.group,
      plan: run.plan,
      label: run.label,
      progress,
      timeoutMs: run.options.timeoutMs,
      signal: controller.signal,
    });
  } finally {
    release();
  }
  const total = totalRecords(run.plan);
  if (result.outcome === 'caught-up') {
    progress.done(caughtUpLine(run.label, total, Date.now() - run.movedAt));
    return 0;
  }
  const left = `${count(result.left)} of ${count(total)} records left`;
  progress.done(
    result.outcome === 'timeout'
      ? `${run.label}: not caught up after ${formatDuration(run.options.timeoutMs)}, ${left}`
      : `${run.label}: stopped with ${left}`,
  );
  return result.outcome === 'timeout' ? 1 : 130;
}

/** Why a worker cannot run as a second copy beside its live group, or undefined when it can. */
export function secondCopyRefusal(worker: string): string | undefined {
  const publishes = (workerBusAccess[worker as keyof typeof workerBusAccess]?.writes ?? []).filter(
    (topic) => topic !== catalogTopics.deadLetters.name,
  );
  const { stateFile } = projectProcess(worker);
  const reasons = [
    ...(publishes.length > 0
      ? [`publishes to ${publishes.join(', ')} (a copy would publish it all again)`]
      : []),
    ...(stateFile !== undefined ? [`keeps its state in a local file (${stateFile})`] : []),
  ];
  if (reasons.length === 0) return undefined;
  return (
    `--to-group runs a second ${worker} beside the live one, which only a worker whose whole state is ` +
    `in its store can (${scalableWorkers.join(', ')}): ${worker} ${reasons.join(' and ')}`
  );
}

async function replayIntoGroup(
  admin: Admin,
  options: ReplayOptions & { toGroup: string },
  config: PrimoartConfig,
): Promise<number> {
  const { group, toGroup } = options;
  const worker = workerOfGroup(config, group);
  if (worker === undefined)
    throw new Error(
      `--to-group runs the worker of ${group}, and no worker of ${options.configFile} consumes on it ` +
        '(a worker consumes on workers.<name>.group_id, else primoart.<name>)',
    );
  const cannot = secondCopyRefusal(worker);
  if (cannot !== undefined) throw new Error(cannot);
  if (toGroup === group) throw new Error('--to-group names the group replayed: give a new one');
  const owner = workerOfGroup(config, toGroup);
  if (owner !== undefined || workerNames.some((name) => defaultGroupOf(name) === toGroup))
    throw new Error(`${toGroup} is the group of ${owner ?? 'a worker'}: give a new one`);
  if (config.kafka.identities[worker] !== undefined && !toGroup.startsWith(groupPrefix))
    throw new Error(
      `${worker} logs in to Kafka as its own identity, which may read only groups named ${groupPrefix}…: ` +
        `e.g. --to-group ${groupPrefix}${worker}.rebuild`,
    );
  const label = `replay of ${group} from ${describeFrom(options.from)} into ${toGroup}`;
  const topics = await replayTopics(admin, group, options.topics);
  // The copy consumes every topic the worker does: those not named start at their end, so it
  // reads the named topics' history alone.
  const rest =
    options.topics.length === 0
      ? []
      : (await replayTopics(admin, group, []).catch(() => [])).filter((topic) => !topics.includes(topic));
  const plan = [
    ...(await planOf(admin, toGroup, topics, options.from)),
    ...(await planOf(admin, toGroup, rest, { kind: 'latest' })),
  ];
  if (options.dryRun) {
    out(`${label} (dry run: nothing changed; COMMITTED is ${toGroup}'s)`);
    process.stdout.write(formatPlan(plan));
    out(
      `would run one ${worker} on ${toGroup} with ${options.configFile} until it reaches END, then stop it`,
    );
    return 0;
  }
  const members = await admin.groupMembers(toGroup);
  if (members.length > 0)
    throw new Error(`${toGroup} has members already: ${describeMembers(members)}; give a new group`);
  if (!options.force && plan.some((p) => p.committed !== '-1'))
    throw new Error(
      `${toGroup} has committed offsets already (an earlier run?): --force moves them to ${describeFrom(options.from)}, or give a new group`,
    );
  await moveOffsets(admin, toGroup, plan);
  const movedAt = Date.now();

  const child = startWorkerOnGroup(worker, toGroup, options.configFile);
  const controller = new AbortController();
  const exitedEarly = new Error(`${worker} on ${toGroup} exited before it caught up`);
  child.process.once('exit', () => controller.abort(exitedEarly));
  let code: number;
  try {
    code = await watch({ admin, group: toGroup, plan, label, options, movedAt, controller });
  } finally {
    child.process.removeAllListeners('exit');
    await child.stop(config.startup.shutdown_timeout_ms + 5_000);
  }
  if (controller.signal.reason === exitedEarly) {
    process.stderr.write(`primoart replay: ${exitedEarly.message}; its last lines:\n${child.tail()}\n`);
    return 1;
  }
  return code;
}

/** `primoart worker <name> --group-id G` as a child, its output kept for when it fails. */
function startWorkerOnGroup(worker: string, groupId: string, configFile: string) {
  const cli = join(import.meta.dirname, '..', 'cli.ts');
  const child: ChildProcess = spawn(
    process.execPath,
    [cli, 'worker', worker, '--group-id', groupId, '--config.file', configFile],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // 'close', not 'exit': the listeners of 'exit' are the caller's.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    process: child,
    tail: () => lines.join('\n'),
    /** SIGTERM (the worker finishes its batch, commits, leaves the group), SIGKILL after `graceMs`. */
    async stop(graceMs: number): Promise<void> {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
