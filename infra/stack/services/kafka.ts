// Apache Kafka in KRaft mode, fetched from Maven Central: one combined broker+controller node for
// development, or a cluster of 3 (or 5) such nodes on this host (`primoart up --kafka-brokers 3`),
// each a real process with its own ports, config and log directory: the same software and settings
// a cluster across hosts runs (infra/README.md "A replicated Kafka").
//
// Authenticated and least-privilege (infra/README.md "Kafka security"): clients log in with
// SASL/SCRAM-SHA-512 on the client listener, one identity per process kind plus an admin, and the
// StandardAuthorizer allows each only what `primoart topics apply` grants it. The broker's own
// identity (SASL/PLAIN, its password only in the 0600 broker config) serves the controller and an
// internal listener, through which `up` creates the SCRAM users: Kafka stores those in its metadata
// log, so this works the same on a fresh and on an existing (formerly PLAINTEXT) state directory.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { replicationOf } from '../../../topics/catalog.ts';
import {
  kafkaAdminIdentity,
  kafkaBrokerUsername,
  kafkaIdentities,
  kafkaUsername,
} from '../kafka-identities.ts';
import { instanceName, type StackLayout } from '../layout.ts';
import { fetchWithMaven, installOnce, pomProperty, requireJava } from '../maven-fetch.ts';
import { host, kafkaNodePorts } from '../ports.ts';
import type { ServiceDefinition, StackContext } from '../service.ts';
import { repositoryDir, stateLayout } from '../stack-paths.ts';

const pomFile = join(repositoryDir(), 'infra', 'kafka', 'pom.xml');
const version = pomProperty(pomFile, 'kafka.version');
const log4jConfig = join(repositoryDir(), 'infra', 'kafka', 'log4j2.properties');
const scramUsersProgram = join(repositoryDir(), 'infra', 'kafka', 'ScramUsers.java');
const clusterStatusProgram = join(repositoryDir(), 'infra', 'kafka', 'ClusterStatus.java');

/** The SCRAM mechanism of every client identity (kafkajs speaks it as `scram-sha-512`). */
export const scramMechanism = 'SCRAM-SHA-512';

/** Results carry logs up to 1 MiB and screenshots travel through Kafka. */
const maxMessageBytes = 8 * 1024 * 1024;

const libDir = (ctx: StackContext) => join(ctx.paths.cacheDir, 'kafka', version, 'lib');

/** Node `id`'s service name: `kafka` for node 1 (the whole cluster, to those that depend on it), `kafka-<id>` for the others. */
export const kafkaNodeName = (id: number): string => instanceName('kafka', id);
const nodeIds = (layout: StackLayout): number[] =>
  Array.from({ length: layout.kafkaBrokers }, (_, i) => i + 1);

const configFile = (ctx: StackContext, id = 1) =>
  join(stateLayout.configDir(ctx.paths, kafkaNodeName(id)), 'server.properties');
/** The cluster id every node is formatted with (a cluster's nodes must share it). */
const clusterIdFile = (ctx: StackContext) => join(stateLayout.configDir(ctx.paths, 'kafka'), 'cluster.id');
const metaFile = (ctx: StackContext, id: number) =>
  join(stateLayout.dataDir(ctx.paths, kafkaNodeName(id)), 'meta.properties');

/** Every node's client listener: the broker list each client is given. */
export const kafkaBrokerList = (ctx: StackContext): string[] =>
  nodeIds(ctx.layout).map((id) => `${host}:${kafkaNodePorts(ctx.ports, id).client}`);
const internalBrokerList = (ctx: StackContext): string[] =>
  nodeIds(ctx.layout).map((id) => `${host}:${kafkaNodePorts(ctx.ports, id).internal}`);

/** A JAAS value, quoted: the secrets are base64url, but a quote must never end the string. */
const jaasQuoted = (value: string): string => JSON.stringify(value);

/** SASL/PLAIN for the broker's own identity: it logs in with it and accepts only it. */
function brokerPlainJaas(ctx: StackContext): string {
  const password = jaasQuoted(ctx.secrets.kafkaBrokerPassword);
  return (
    'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
    `username=${jaasQuoted(kafkaBrokerUsername)} password=${password} user_${kafkaBrokerUsername}=${password};`
  );
}

export function brokerProperties(ctx: StackContext, id = 1): Record<string, string | number | boolean> {
  const {
    client: kafka,
    controller: kafkaController,
    internal: kafkaInternal,
  } = kafkaNodePorts(ctx.ports, id);
  const { replicationFactor, minInsyncReplicas } = replicationOf(ctx.layout.kafkaBrokers);
  return {
    'process.roles': 'broker,controller',
    'node.id': id,
    'controller.quorum.voters': quorumVoters(ctx),
    // CLIENT: every process, the CLI and the tests (SCRAM). INTERNAL and CONTROLLER: the broker
    // itself (PLAIN); INTERNAL is also how `up` creates the SCRAM users before any exists.
    listeners: `CLIENT://${host}:${kafka},INTERNAL://${host}:${kafkaInternal},CONTROLLER://${host}:${kafkaController}`,
    'advertised.listeners': `CLIENT://${host}:${kafka},INTERNAL://${host}:${kafkaInternal}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'INTERNAL',
    'listener.security.protocol.map':
      'CLIENT:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT',
    'listener.name.client.sasl.enabled.mechanisms': scramMechanism,
    'listener.name.client.scram-sha-512.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.internal.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.internal.plain.sasl.jaas.config': brokerPlainJaas(ctx),
    'sasl.mechanism.inter.broker.protocol': 'PLAIN',
    'listener.name.controller.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.controller.plain.sasl.jaas.config': brokerPlainJaas(ctx),
    'sasl.mechanism.controller.protocol': 'PLAIN',
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    // The broker and the admin identity; everyone else only what an ACL allows.
    'super.users': `User:${kafkaBrokerUsername};User:${kafkaUsername(kafkaAdminIdentity)}`,
    'allow.everyone.if.no.acl.found': false,
    'log.dirs': stateLayout.dataDir(ctx.paths, kafkaNodeName(id)),
    // Every partition, Kafka's own internal topics included, on min(3, brokers) nodes, and a write
    // acknowledged (acks=all) once RF − 1 of them have it: with 3 nodes, one may be down and
    // producers still succeed, and no acknowledged record lives on a single disk.
    'default.replication.factor': replicationFactor,
    'min.insync.replicas': minInsyncReplicas,
    'offsets.topic.replication.factor': replicationFactor,
    'transaction.state.log.replication.factor': replicationFactor,
    'transaction.state.log.min.isr': minInsyncReplicas,
    'share.coordinator.state.topic.replication.factor': replicationFactor,
    'share.coordinator.state.topic.min.isr': minInsyncReplicas,
    // A returning node takes back the partitions it led (the default, stated: status shows it).
    'auto.leader.rebalance.enable': true,
    // Checked every 30 s rather than Kafka's 5 min, so a node back from a crash leads again soon.
    'leader.imbalance.check.interval.seconds': 30,
    // A node that dies is fenced, and its partitions led by the others, 3 s after its last
    // heartbeat. With Kafka's defaults (9 s, 2 s) leadership moved 9.7 s after one of three was
    // SIGKILLed, and a send waited as long, a hair under the gateway's 10 s publish timeout (its
    // 503); with these, 2.9–3.5 s, and no send took longer than 6.3 s.
    // test/integration/kafka-cluster.test.ts prints both figures of each run.
    // One node has no one to take over: it keeps Kafka's defaults, which a busy machine's pauses
    // cannot reach (fencing the only broker would take every partition offline).
    ...(ctx.layout.kafkaBrokers > 1
      ? { 'broker.session.timeout.ms': 3_000, 'broker.heartbeat.interval.ms': 500 }
      : {}),
    'group.initial.rebalance.delay.ms': 0,
    // Topics come from the project's catalog (`primoart topics apply`), never from a typo.
    'auto.create.topics.enable': false,
    'message.max.bytes': maxMessageBytes,
    'replica.fetch.max.bytes': maxMessageBytes,
  };
}

/** Every node is a voter: a quorum of 3 keeps a controller with one node down. */
const quorumVoters = (ctx: StackContext): string =>
  nodeIds(ctx.layout)
    .map((id) => `${id}@${host}:${kafkaNodePorts(ctx.ports, id).controller}`)
    .join(',');

function writeBrokerConfig(ctx: StackContext, id: number): void {
  const lines = Object.entries(brokerProperties(ctx, id)).map(([key, value]) => `${key}=${value}`);
  mkdirSync(stateLayout.configDir(ctx.paths, kafkaNodeName(id)), { recursive: true });
  writeFileSync(
    configFile(ctx, id),
    `# Written by primoart up from infra/stack/services/kafka.ts; edits are overwritten.\n${lines.join('\n')}\n`,
    { mode: 0o600 },
  );
  // It holds the broker's password; a file an earlier version wrote keeps its mode through a write.
  chmodSync(configFile(ctx, id), 0o600);
}

/**
 * The cluster id: node 1's when it is formatted already (a stack from before clusters), else the
 * one kept in the state directory, else a new one kept there for the other nodes.
 */
function clusterId(ctx: StackContext): string {
  const formatted = readProperty(metaFile(ctx, 1), 'cluster.id');
  if (formatted !== undefined) return formatted;
  if (existsSync(clusterIdFile(ctx))) return readFileSync(clusterIdFile(ctx), 'utf8').trim();
  // Kafka's own ids never start with '-' either: the storage tool would read one as an option.
  let id: string;
  do id = randomBytes(16).toString('base64url');
  while (id.startsWith('-'));
  mkdirSync(stateLayout.configDir(ctx.paths, 'kafka'), { recursive: true });
  writeFileSync(clusterIdFile(ctx), `${id}\n`, { mode: 0o600 });
  return id;
}

function readProperty(file: string, key: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${key}=`));
  return line?.slice(key.length + 1).trim();
}

/**
 * The broker count Kafka's storage in this state directory was formatted for, or undefined when
 * it holds none yet. A static KRaft quorum is fixed when formatted: `up` refuses another count.
 */
export function formattedBrokerCount(ctx: StackContext): number | undefined {
  if (!existsSync(metaFile(ctx, 1))) return undefined;
  const voters = readProperty(configFile(ctx, 1), 'controller.quorum.voters');
  return voters === undefined ? 1 : voters.split(',').length;
}

/**
 * Whether the broker config in the state directory is the authenticated one. A state directory
 * whose Kafka still runs as an earlier version wrote it (PLAINTEXT) gets no credentials from
 * `primoart env` and the generated config until `up` has restarted Kafka with this one.
 */
export function kafkaAuthenticated(ctx: StackContext): boolean {
  try {
    return readFileSync(configFile(ctx), 'utf8').includes('CLIENT:SASL_PLAINTEXT');
  } catch {
    return false;
  }
}

/** The SCRAM credentials of an identity, as the kafkajs `sasl` option and the config's `kafka.sasl` take them. */
export function kafkaCredentials(ctx: StackContext, identity: string) {
  const password = ctx.secrets.kafkaPasswords[identity];
  if (password === undefined) throw new Error(`kafka: no password for identity ${identity} in the secrets`);
  return { mechanism: 'scram-sha-512' as const, username: kafkaUsername(identity), password };
}

/** One node alone gets the heap it always had; three share this 2-core host's memory more thinly. */
const javaArgs = (ctx: StackContext, mainClass: string) => [
  ...(ctx.layout.kafkaBrokers === 1 ? ['-Xmx512m', '-Xms256m'] : ['-Xmx384m', '-Xms192m']),
  '-Djava.awt.headless=true',
  `-Dlog4j2.configurationFile=${log4jConfig}`,
  '-cp',
  `${libDir(ctx)}/*`,
  mainClass,
];

/** The broker's own login, for the probes and status on the internal listener (no SCRAM user needed). */
const brokerLogin = (ctx: StackContext) => ({
  mechanism: 'plain' as const,
  username: kafkaBrokerUsername,
  password: ctx.secrets.kafkaBrokerPassword,
});

/**
 * Node `id` of the cluster as a stack service. Node 1 is `kafka`, the name everything depends on:
 * it depends on the other nodes, so it starts last, and once started waits until every node has
 * registered as a broker (topics replicated 3 times cannot be created before). A node is ready
 * once registered, or, while no quorum exists yet (the first of three started alone), once its
 * controller listens, waiting for its peers; a node down leaves the others healthy in `status`.
 */
export function kafkaNode(id: number, layout: StackLayout): ServiceDefinition {
  const name = kafkaNodeName(id);
  const brokers = layout.kafkaBrokers;
  return {
    name,
    version,
    ...(id === 1 && brokers > 1 ? { dependsOn: nodeIds(layout).slice(1).map(kafkaNodeName) } : {}),
    async install(ctx) {
      await installOnce(join(ctx.paths.cacheDir, 'kafka', version), async (scratch) => {
        ctx.progress(`kafka: fetching Kafka ${version} from Maven Central (once)`);
        await requireJava(ctx);
        await fetchWithMaven(ctx, pomFile, 'copy-dependencies', join(scratch, 'lib'), [
          '-DincludeScope=runtime',
        ]);
      });
    },
    async init(ctx) {
      writeBrokerConfig(ctx, id);
      if (existsSync(metaFile(ctx, id))) return;
      ctx.progress(`${name}: formatting storage (once per state directory)`);
      await ctx.exec(
        'java',
        [
          ...javaArgs(ctx, 'kafka.tools.StorageTool'),
          'format',
          '-t',
          clusterId(ctx),
          '-c',
          configFile(ctx, id),
          '--ignore-formatted',
        ],
        { timeoutMs: 120_000 },
      );
    },
    launch(ctx) {
      return { command: 'java', args: [...javaArgs(ctx, 'kafka.Kafka'), configFile(ctx, id)] };
    },
    async probe(ctx) {
      // As the broker itself on the internal listeners: the SCRAM users may not exist yet
      // (afterStart). A Kafka still running from before authentication is probed the way it was started.
      const target = kafkaAuthenticated(ctx)
        ? { brokers: internalBrokerList(ctx), sasl: brokerLogin(ctx) }
        : { brokers: kafkaBrokerList(ctx) };
      const registered = await withKafkaAdmin(target, async (admin) =>
        (await registeredBrokers(admin)).includes(id),
      );
      if (registered || id === 1) return registered;
      return listening(kafkaNodePorts(ctx.ports, id).controller);
    },
    ...(id === 1
      ? {
          async afterStart(ctx: StackContext) {
            await untilEveryNodeRegistered(ctx);
            await ensureScramUsers(ctx);
          },
        }
      : {}),
    env(ctx) {
      if (id !== 1) return {};
      const list = { PRIMOART_KAFKA_BROKERS: kafkaBrokerList(ctx).join(',') };
      if (!kafkaAuthenticated(ctx)) return list;
      const admin = kafkaCredentials(ctx, kafkaAdminIdentity);
      return {
        ...list,
        PRIMOART_KAFKA_SASL_MECHANISM: admin.mechanism,
        PRIMOART_KAFKA_USERNAME: admin.username,
        PRIMOART_KAFKA_PASSWORD: admin.password,
      };
    },
    url(ctx) {
      return `kafka://${host}:${kafkaNodePorts(ctx.ports, id).client}`;
    },
    startTimeoutMs: 90_000,
    stopTogether: 'kafka quorum',
  };
}

/** The cluster's nodes as stack services, `kafka` (node 1) last. */
export const kafkaNodes = (layout: StackLayout): ServiceDefinition[] =>
  nodeIds(layout).map((id) => kafkaNode(id, layout));

/** Node 1 of a single-broker stack: what reads `kafka`'s env and url (the broker list follows ctx.layout). */
export const kafka: ServiceDefinition = kafkaNode(1, { kafkaBrokers: 1, scale: {} });

/** The ids of the brokers registered and serving, once a controller leads; none before. */
async function registeredBrokers(admin: import('kafkajs').Admin): Promise<number[]> {
  const cluster = await admin.describeCluster();
  return cluster.controller === null ? [] : cluster.brokers.map((broker) => broker.nodeId);
}

/** Every node of the layout serving as a broker, or an error naming those that are not after 90 s. */
async function untilEveryNodeRegistered(ctx: StackContext): Promise<void> {
  const wanted = nodeIds(ctx.layout);
  if (wanted.length === 1) return;
  const deadline = Date.now() + 90_000;
  let serving: number[] = [];
  while (Date.now() < deadline) {
    await withKafkaAdmin({ brokers: internalBrokerList(ctx), sasl: brokerLogin(ctx) }, async (admin) => {
      serving = await registeredBrokers(admin);
      return true;
    });
    if (wanted.every((id) => serving.includes(id))) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const missing = wanted.filter((id) => !serving.includes(id)).map(kafkaNodeName);
  throw new Error(`the cluster formed without ${missing.join(', ')} after 90 s (see their logs)`);
}

/** Whether something accepts TCP connections on this loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

type KafkajsSasl =
  | { mechanism: 'plain'; username: string; password: string }
  | { mechanism: 'scram-sha-512'; username: string; password: string };

/** A short-lived kafkajs admin, for the probe and the SCRAM check; false when it cannot connect. */
async function withKafkaAdmin(
  options: { brokers: string[]; sasl?: KafkajsSasl },
  work: (admin: import('kafkajs').Admin) => Promise<boolean>,
): Promise<boolean> {
  // Loaded here so that `status` and `env` do not pay for the Kafka client up front.
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  const client = new Kafka({
    clientId: 'primoart-stack',
    brokers: options.brokers,
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = client.admin();
  try {
    await admin.connect();
    return await work(admin);
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Whether every identity logs in on the client listener with the password the secrets hold. */
async function scramUsersCurrent(ctx: StackContext): Promise<boolean> {
  for (const identity of kafkaIdentities) {
    const loggedIn = await withKafkaAdmin(
      { brokers: kafkaBrokerList(ctx), sasl: kafkaCredentials(ctx, identity) },
      async () => true,
    );
    if (!loggedIn) return false;
  }
  return true;
}

const tab = (...fields: string[]) => `${fields.join('\t')}\n`;

/**
 * Kafka's own admin client, as the broker over the internal listeners, for the small programs in
 * infra/kafka/ (stdin lines `config<TAB>key<TAB>value`, so no secret is on a command line).
 */
function brokerClientConfig(ctx: StackContext): string[] {
  return [
    tab('config', 'bootstrap.servers', internalBrokerList(ctx).join(',')),
    tab('config', 'security.protocol', 'SASL_PLAINTEXT'),
    tab('config', 'sasl.mechanism', 'PLAIN'),
    tab(
      'config',
      'sasl.jaas.config',
      'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
        `username=${jaasQuoted(kafkaBrokerUsername)} password=${jaasQuoted(ctx.secrets.kafkaBrokerPassword)};`,
    ),
  ];
}

const runJavaProgram = (ctx: StackContext, program: string, input: string, timeoutMs: number) =>
  ctx.exec(
    'java',
    ['-Xmx128m', `-Dlog4j2.configurationFile=${log4jConfig}`, '-cp', `${libDir(ctx)}/*`, program],
    { input, timeoutMs },
  );

/**
 * The cluster as infra/kafka/ClusterStatus.java prints it (brokers, the controller quorum, every
 * partition's leader, replicas and in-sync replicas), for `primoart status`. A broker down is
 * simply absent; with no quorum at all it fails within seconds.
 */
export function describeKafkaCluster(ctx: StackContext): Promise<string> {
  const input = [
    ...brokerClientConfig(ctx),
    tab('config', 'request.timeout.ms', '3000'),
    tab('config', 'default.api.timeout.ms', '6000'),
  ].join('');
  return runJavaProgram(ctx, clusterStatusProgram, input, 30_000);
}

/**
 * Create (or reset to the secrets' passwords) the SCRAM users of every identity, once they do not
 * all log in: a fresh state directory, one from before authentication, a new worker. kafkajs has
 * no AlterUserScramCredentials, so a small program on Kafka's own admin client does it, as the
 * broker over the internal listener; passwords travel on its stdin, never on a command line.
 */
async function ensureScramUsers(ctx: StackContext): Promise<void> {
  if (await scramUsersCurrent(ctx)) return;
  ctx.progress(`kafka: creating the SCRAM users (${kafkaIdentities.map(kafkaUsername).join(', ')})`);
  const input = [
    ...brokerClientConfig(ctx),
    ...kafkaIdentities.map((identity) =>
      tab('user', kafkaUsername(identity), kafkaCredentials(ctx, identity).password),
    ),
  ].join('');
  await runJavaProgram(ctx, scramUsersProgram, input, 120_000);
  // The credentials reach the broker's metadata cache a moment after the controller took them.
  const deadline = Date.now() + 30_000;
  while (!(await scramUsersCurrent(ctx))) {
    if (Date.now() > deadline) throw new Error('kafka: the SCRAM users do not log in after being created');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
