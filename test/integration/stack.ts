// What integration tests share: the running local stack (from `primoart env`), throw-away
// databases and consumer groups so a test sees only its own data, and the project's own
// processes started for real (`node scripts/cli.ts gateway|worker …`) with a config of the test's.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import { createLogger } from '../../core/logging.ts';
import { sha256Hex } from '../../core/sha256.ts';
import { gatewayEnv, gatewayNodeArgs } from '../../ingest-gateway/launch-settings.ts';
import { groupLag, resetGroupOffsets } from '../../topics/admin.ts';
import { topics } from '../../topics/catalog.ts';
import { connectKafka, type KafkaSettings } from '../../topics/kafkajs-adapter.ts';
import type { Admin, KafkaConnection } from '../../topics/port.ts';
import { synthStoreTopics } from '../../workers/synth-store/definition.ts';

export const repoDir = join(import.meta.dirname, '..', '..');
const cli = join(repoDir, 'scripts', 'cli.ts');

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: run integration tests through 'scripts/primoart test'`);
  }
  return value;
}

/**
 * The admin's SASL credentials from `primoart env` (the tests' own clients are the admin, a super
 * user); none while the stack's Kafka runs without authentication.
 */
function kafkaAdminSasl(): KafkaSettings['sasl'] {
  const username = process.env.PRIMOART_KAFKA_USERNAME;
  if (username === undefined || username === '') return undefined;
  const mechanism = process.env.PRIMOART_KAFKA_SASL_MECHANISM ?? 'scram-sha-512';
  if (mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512')
    throw new Error(`PRIMOART_KAFKA_SASL_MECHANISM: unknown mechanism ${mechanism}`);
  return { mechanism, username, password: required('PRIMOART_KAFKA_PASSWORD') };
}

/**
 * The `kafka.sasl` and `kafka.identities` of the stack's own config, so that a gateway or worker a
 * test starts logs in as that process (its ACLs, not the admin's: an ACL mistake fails the suite).
 */
function stackKafkaIdentities(): Record<string, unknown> {
  if (kafkaAdminSasl() === undefined) return {};
  const stackConfig = parse(readFileSync(required('PRIMOART_CONFIG_FILE'), 'utf8')) as {
    kafka?: { sasl?: unknown; identities?: unknown };
  };
  const { sasl, identities } = stackConfig.kafka ?? {};
  if (sasl === undefined || identities === undefined)
    throw new Error(
      'the stack config has no Kafka identities although primoart env gives credentials: run primoart up',
    );
  return { sasl, identities };
}

export const stack = {
  kafkaBrokers: () => required('PRIMOART_KAFKA_BROKERS').split(','),
  kafkaAdminSasl,
  /** The `kafka` section of a config of the test's own: the stack's brokers and identities. */
  kafkaSection: (clientId: string) => ({
    brokers: stack.kafkaBrokers(),
    client_id: clientId,
    ...stackKafkaIdentities(),
  }),
  /**
   * The `kafka` section for a test that SIGKILLs a worker: with the broker's minimum session timeout
   * the group hands the dead member's partitions on after 6 s instead of 30. Not for every test:
   * kafkajs heartbeats only between batches, so the session timeout also bounds how long one batch
   * may take, and a CPU-heavy batch on a machine running test files side by side can take longer.
   */
  kafkaSectionForKills: (clientId: string) => ({
    ...stack.kafkaSection(clientId),
    consumer: { session_timeout_ms: 6000 },
  }),
  registryUrl: () => required('PRIMOART_REGISTRY_URL'),
  pgUrl: () => required('PRIMOART_PG_URL'),
  stateDir: () => required('PRIMOART_STATE_DIR'),
  minio: () => ({
    endpoint: required('PRIMOART_MINIO_URL'),
    access_key: required('PRIMOART_MINIO_ACCESS_KEY'),
    secret_key: required('PRIMOART_MINIO_SECRET_KEY'),
  }),
  victoriaLogsUrl: () => required('PRIMOART_VL_URL'),
  victoriaMetricsUrl: () => required('PRIMOART_VM_URL'),
};

export function kafkaConnection(): KafkaConnection {
  const sasl = kafkaAdminSasl();
  return connectKafka(
    {
      brokers: stack.kafkaBrokers(),
      clientId: 'primoart-test',
      connectTimeoutMs: 3000,
      requestTimeoutMs: 30000,
      ...(sasl === undefined ? {} : { sasl }),
    },
    createLogger({ component: 'test', level: 'error' }),
  );
}

export async function withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = await kafkaConnection().admin();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Sum of a topic's end offsets: grows by one per message published. */
export function topicEnd(topic: string): Promise<number> {
  return withAdmin(async (admin) =>
    (await admin.topicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0),
  );
}

/** Whether nothing listens on this loopback port right now (a bind succeeds). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A database of the test's own, migrated by the worker on start; dropped by `drop()`. */
export async function scratchDatabase() {
  const name = `primoart_it_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: stack.pgUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(stack.pgUrl());
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  pool.on('error', () => undefined);
  return {
    name,
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const client = new pg.Client({ connectionString: stack.pgUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface TestSetup {
  configFile: string;
  gatewayUrl: string;
  workerUrl: string;
  groupId: string;
  apiKey: string;
  robotKey: string;
  robotId: string;
  /** The artifact-store of the test's own: its URL, consumer group and bucket (unique per config). */
  artifactStore: { url: string; groupId: string; bucket: string };
  /** The logs-store of the test's own: its URL and consumer group. */
  logsStore: { url: string; groupId: string };
  /** The metrics-store of the test's own: its URL and consumer group. */
  metricsStore: { url: string; groupId: string };
}

/**
 * A config file for a gateway and a synth-store of the test's own, against the real stack.
 * `overrides` replace whole top-level sections, except `gateway`: its keys are merged into the
 * test's gateway section, and its `api_keys` are added to the test's admin and robot keys; and
 * `minio`: its keys (another server: private-store.ts) are merged, the bucket stays the test's own.
 */
export async function testConfig(
  databaseUrl: string,
  overrides: Record<string, unknown> = {},
): Promise<TestSetup> {
  const {
    gateway: gatewayOverrides = {},
    minio: minioOverrides = {},
    ...sectionOverrides
  } = overrides as {
    gateway?: Record<string, unknown>;
    minio?: Record<string, unknown>;
  };
  const extraApiKeys = (gatewayOverrides.api_keys ?? []) as unknown[];
  const [gatewayPort, workerPort, artifactStorePort] = [await freePort(), await freePort(), await freePort()];
  const logsStorePort = await freePort();
  const metricsStorePort = await freePort();
  const apiKey = `test-admin-${randomUUID()}`;
  const robotKey = `test-robot-${randomUUID()}`;
  const robotId = randomUUID();
  const groupId = `primoart.it.${randomUUID().slice(0, 8)}`;
  const artifactStore = {
    url: `http://127.0.0.1:${artifactStorePort}`,
    groupId: `${groupId}.artifacts`,
    bucket: `primoart-it-${randomUUID().slice(0, 8)}`,
  };
  const logsStore = { url: `http://127.0.0.1:${logsStorePort}`, groupId: `${groupId}.logs` };
  const metricsStore = { url: `http://127.0.0.1:${metricsStorePort}`, groupId: `${groupId}.metrics` };
  const config = {
    environment: 'test',
    log: { level: 'warn' },
    kafka: stack.kafkaSection('primoart-it'),
    schema_registry: { url: stack.registryUrl() },
    postgres: { url: databaseUrl },
    minio: { ...stack.minio(), ...minioOverrides, bucket: artifactStore.bucket },
    victoria_logs: { url: stack.victoriaLogsUrl() },
    victoria_metrics: { url: stack.victoriaMetricsUrl() },
    startup: { dependency_timeout_ms: 20000, shutdown_timeout_ms: 15000 },
    gateway: {
      listen: `127.0.0.1:${gatewayPort}`,
      // Tests stream uploads as fast as they can and send wrong keys on purpose; the limits have
      // tests of their own (api-keys.test.ts).
      rate_limit: { records_per_second: 1_000_000, burst: 1_000_000, failed_auth_burst: 1_000_000 },
      ...gatewayOverrides,
      api_keys: [
        { name: 'admin', sha256: sha256Hex(apiKey), scopes: ['admin'] },
        { name: 'robot', sha256: sha256Hex(robotKey), scopes: ['results:write'], robot_id: robotId },
        ...extraApiKeys,
      ],
    },
    workers: {
      'synth-store': {
        listen: `127.0.0.1:${workerPort}`,
        group_id: groupId,
        retry: { initial_ms: 100, max_ms: 1000 },
      },
      'artifact-store': {
        listen: `127.0.0.1:${artifactStorePort}`,
        group_id: artifactStore.groupId,
        retry: { initial_ms: 100, max_ms: 1000 },
      },
      'logs-store': {
        listen: `127.0.0.1:${logsStorePort}`,
        group_id: logsStore.groupId,
        retry: { initial_ms: 100, max_ms: 1000 },
      },
      'metrics-store': {
        listen: `127.0.0.1:${metricsStorePort}`,
        group_id: metricsStore.groupId,
        retry: { initial_ms: 100, max_ms: 1000 },
      },
    },
    ...sectionOverrides,
  };
  const dir = mkdtempSync(join(tmpdir(), 'primoart-it-'));
  const configFile = join(dir, 'primoart.yml');
  writeFileSync(configFile, stringify(config), { mode: 0o600 });
  return {
    configFile,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    workerUrl: `http://127.0.0.1:${workerPort}`,
    groupId,
    apiKey,
    robotKey,
    robotId,
    artifactStore,
    logsStore,
    metricsStore,
  };
}

/** Start the group at the topic's current end, so a test's worker reads only what the test sends. */
export function startGroupAtEnd(groupId: string, topic: string): Promise<unknown> {
  return withAdmin((admin) => resetGroupOffsets(admin, groupId, topic, { kind: 'latest' }));
}

/** A synth-store group at the end of every topic it reads (the baselines topic alone holds GiBs). */
export async function startSynthStoreGroupAtEnd(groupId: string): Promise<void> {
  for (const topic of synthStoreTopics) await startGroupAtEnd(groupId, topic);
}

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or 128+signal). */
  exited: Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Run `primoart <args>` as a child process, capturing its output. */
export function startCli(args: string[]): RunningProcess {
  // A gateway starts as every launcher starts it (memory settings), so tests measure that gateway.
  const gateway = args[0] === 'gateway';
  const child = spawn(process.execPath, [...(gateway ? gatewayNodeArgs : []), cli, ...args], {
    cwd: repoDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...(gateway ? gatewayEnv : {}),
      NODE_OPTIONS: '--disable-warning=TimeoutNegativeWarning',
    },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
  });
  return {
    child,
    output: () => output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Run a CLI command to completion. */
export async function runCli(args: string[]): Promise<{ code: number; output: string }> {
  const running = startCli(args);
  const code = await running.exited;
  return { code, output: running.output() };
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}

/**
 * Wait until `check` passes for as long as `progress` keeps rising (e.g. the offsets a consumer
 * group has committed). Consumers on a loaded machine, or behind neighbours' records on a shared
 * topic, may need minutes; a stuck one never gets there. So this fails when `progress` has not
 * reached a new high for `stallMs`, not after a fixed time; `timeoutMs` only bounds a test that
 * crawls. The failure names `what` and what `describe` says of the state it stopped in.
 */
export async function waitWhileProgressing<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  progress: () => Promise<number>,
  {
    stallMs = 60_000,
    timeoutMs = 15 * 60_000,
    intervalMs = 250,
    describe = async () => '',
  }: { stallMs?: number; timeoutMs?: number; intervalMs?: number; describe?: () => Promise<string> } = {},
): Promise<T> {
  const started = Date.now();
  let highest = Number.NEGATIVE_INFINITY;
  let progressAt = started;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    const now = Date.now();
    // A failed look at the progress (a transient admin error) is no progress, not the end.
    const reached = await progress().catch(() => highest);
    if (reached > highest) {
      highest = reached;
      progressAt = now;
    }
    if (now - progressAt > stallMs || now - started > timeoutMs) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const state = await describe().catch((error: unknown) => `(could not describe: ${String(error)})`);
  throw new Error(
    `gave up waiting for ${what}: no progress for ${stallMs} ms or over ${timeoutMs} ms in all` +
      `${state ? `; ${state}` : ''}${lastError ? `; last error: ${String(lastError)}` : ''}`,
  );
}

/** The offsets a group has committed on a topic, summed: grows by one per record it finished. */
export async function committedTotal(admin: Admin, group: string, topic: string): Promise<number> {
  const partitions = await groupLag(admin, group, topic);
  return partitions.reduce((sum, p) => sum + Math.max(0, Number(p.committed)), 0);
}

/**
 * Wait until `check` passes while the given consumer groups go on committing on their topics.
 * Workers reading the stack's shared topics (results, metrics, spans) also work through whatever
 * neighbours publish there meanwhile, so how long a test's own records take depends on them, not
 * on the test alone: this fails after `stallMs` (60 s) with no commit by any of the groups, or
 * after 5 min in all — minutes more than any file's own records need. The failure names each
 * group's lag and what `describe` adds (e.g. a worker's last output).
 */
export function waitConsumed<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  consumers: ReadonlyArray<readonly [group: string, topic: string]>,
  options: { describe?: () => Promise<string>; intervalMs?: number } = {},
): Promise<T> {
  return withAdmin((admin) =>
    waitWhileProgressing(
      what,
      check,
      async () =>
        (await Promise.all(consumers.map(([group, topic]) => committedTotal(admin, group, topic)))).reduce(
          (sum, committed) => sum + committed,
          0,
        ),
      {
        timeoutMs: 5 * 60_000,
        ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
        describe: async () => {
          const lags = await Promise.all(
            consumers.map(async ([group, topic]) => {
              const lag = (await groupLag(admin, group, topic)).reduce((sum, p) => sum + p.lag, 0);
              return `${group} is ${lag} behind on ${topic}`;
            }),
          );
          const more = (await options.describe?.()) ?? '';
          return `${lags.join('; ')}${more ? `; ${more}` : ''}`;
        },
      },
    ),
  );
}

/**
 * Wait until every (group, topic) has no lag, failing only when the total lag stops going down
 * (see waitWhileProgressing). The failure names the lag of each group that was behind.
 */
export async function waitCaughtUp(
  what: ReadonlyArray<readonly [group: string, topic: string]>,
  options: { stallMs?: number; timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  // One admin connection for every poll: a new one logs in with SCRAM each time (~10x the query).
  await withAdmin(async (admin) => {
    let lags: Awaited<ReturnType<typeof groupLag>>[] = [];
    const total = () => lags.flat().reduce((sum, partition) => sum + partition.lag, 0);
    await waitWhileProgressing(
      'the consumers to catch up',
      async () => {
        lags = await Promise.all(what.map(([group, topic]) => groupLag(admin, group, topic)));
        return total() === 0;
      },
      async () => -total(),
      {
        ...options,
        describe: async () =>
          `still behind: ${lags
            .flatMap((partitions, i) => {
              const lag = partitions.reduce((sum, partition) => sum + partition.lag, 0);
              return lag === 0 ? [] : [`${what[i]?.[0]} on ${what[i]?.[1]}: ${lag}`];
            })
            .join('; ')}`,
      },
    );
  });
}

/** Start a process and wait until its /-/ready answers 200. */
/**
 * How long an event detector may take to be ready: it first reads the whole compacted baselines
 * topic, which every test's baseline worker adds to (hundreds of MB on a machine that ran the suite
 * often); on a loaded machine that alone can take over the usual minute.
 */
export const detectorReadyTimeoutMs = 5 * 60_000;

export async function startReady(
  args: string[],
  baseUrl: string,
  timeoutMs = 60_000,
): Promise<RunningProcess> {
  const running = startCli(args);
  try {
    await waitFor(
      `${args.join(' ')} to be ready`,
      async () => {
        if (running.child.exitCode !== null) throw new Error(`exited early:\n${running.output()}`);
        const response = await fetch(`${baseUrl}/-/ready`);
        return response.status === 200;
      },
      timeoutMs,
    );
  } catch (error) {
    await running.stop('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- output ---\n${running.output()}`);
  }
  return running;
}

export async function upload(
  gatewayUrl: string,
  key: string | undefined,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${gatewayUrl}/api/v1/transactions/results/upload`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...headers,
    },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** A valid result with fresh ids, times in the recent past. */
export function freshResult(overrides: Record<string, unknown> = {}): Record<string, any> {
  const finished = Date.now() - 60_000;
  const started = finished - 4_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    result_id: randomUUID(),
    transaction_id: randomUUID(),
    transaction_name: 'Login and search',
    service: 'webshop',
    robot_id: randomUUID(),
    started_at: iso(started),
    finished_at: iso(finished),
    status: 'OK',
    steps: [
      { index: 0, name: 'open', started_at: iso(started), finished_at: iso(started + 1500), status: 'OK' },
      { index: 1, name: 'search', started_at: iso(started + 1500), finished_at: iso(finished), status: 'OK' },
    ],
    ...overrides,
  };
}

/**
 * The pipeline a test needs: its own database and consumer group, a gateway, and (unless told
 * otherwise) a synth-store, all real processes against the real stack.
 */
export async function startPipeline(
  options: { worker?: boolean; configOverrides?: Record<string, unknown> } = {},
) {
  const database = await scratchDatabase();
  const setup = await testConfig(database.url, options.configOverrides);
  await startSynthStoreGroupAtEnd(setup.groupId);
  const startWorker = () =>
    startReady(['worker', 'synth-store', '--config.file', setup.configFile], setup.workerUrl);
  const gateway = await startReady(['gateway', '--config.file', setup.configFile], setup.gatewayUrl);
  const pipeline = {
    database,
    setup,
    gateway,
    worker: options.worker === false ? undefined : await startWorker(),
    startWorker,
    /** Rows in synth_runs, all of them or for one result. */
    async storedCount(resultId?: string): Promise<number> {
      const { rows } = await database.pool.query(
        resultId === undefined
          ? 'SELECT count(*) AS n FROM synth_runs'
          : 'SELECT count(*) AS n FROM synth_runs WHERE result_id = $1',
        resultId === undefined ? [] : [resultId],
      );
      return Number(rows[0].n);
    },
    /**
     * Wait until `check` passes while the synth-store's group goes on committing on the results
     * topic: its worker also stores whatever neighbours publish there meanwhile (the topic is the
     * stack's), so how long this takes depends on them, not on this test alone. At most 5 min.
     */
    waitStored<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
      return waitConsumed(what, check, [[setup.groupId, topics.synthResults.name]], {
        describe: async () =>
          `worker output:\n${pipeline.worker?.output().slice(-4000) ?? '(no worker running)'}`,
      });
    },
    async close() {
      await Promise.all([gateway.stop(), pipeline.worker?.stop()]);
      await database.drop();
    },
  };
  return pipeline;
}

export type Pipeline = Awaited<ReturnType<typeof startPipeline>>;
