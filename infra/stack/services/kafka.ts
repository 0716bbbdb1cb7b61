// Apache Kafka, single-node KRaft (broker and controller in one JVM), fetched from Maven Central.
//
// Authenticated and least-privilege (infra/README.md "Kafka security"): clients log in with
// SASL/SCRAM-SHA-512 on the client listener, one identity per process kind plus an admin, and the
// StandardAuthorizer allows each only what `primoart topics apply` grants it. The broker's own
// identity (SASL/PLAIN, its password only in the 0600 broker config) serves the controller and an
// internal listener, through which `up` creates the SCRAM users: Kafka stores those in its metadata
// log, so this works the same on a fresh and on an existing (formerly PLAINTEXT) state directory.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  kafkaAdminIdentity,
  kafkaBrokerUsername,
  kafkaIdentities,
  kafkaUsername,
} from '../kafka-identities.ts';
import { fetchWithMaven, installOnce, pomProperty, requireJava } from '../maven-fetch.ts';
import { host } from '../ports.ts';
import type { ServiceDefinition, StackContext } from '../service.ts';
import { repositoryDir, stateLayout } from '../stack-paths.ts';

const pomFile = join(repositoryDir(), 'infra', 'kafka', 'pom.xml');
const version = pomProperty(pomFile, 'kafka.version');
const log4jConfig = join(repositoryDir(), 'infra', 'kafka', 'log4j2.properties');
const scramUsersProgram = join(repositoryDir(), 'infra', 'kafka', 'ScramUsers.java');

/** The SCRAM mechanism of every client identity (kafkajs speaks it as `scram-sha-512`). */
export const scramMechanism = 'SCRAM-SHA-512';

/** Results carry logs up to 1 MiB and screenshots travel through Kafka. */
const maxMessageBytes = 8 * 1024 * 1024;

const libDir = (ctx: StackContext) => join(ctx.paths.cacheDir, 'kafka', version, 'lib');
const configFile = (ctx: StackContext) =>
  join(stateLayout.configDir(ctx.paths, 'kafka'), 'server.properties');

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

export function brokerProperties(ctx: StackContext): Record<string, string | number | boolean> {
  const { kafka, kafkaController, kafkaInternal } = ctx.ports;
  return {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${host}:${kafkaController}`,
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
    'log.dirs': stateLayout.dataDir(ctx.paths, 'kafka'),
    // One node: every replication factor and min.insync.replicas is 1.
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    // Topics come from the project's catalog (`primoart topics apply`), never from a typo.
    'auto.create.topics.enable': false,
    'message.max.bytes': maxMessageBytes,
    'replica.fetch.max.bytes': maxMessageBytes,
  };
}

function writeBrokerConfig(ctx: StackContext): void {
  const lines = Object.entries(brokerProperties(ctx)).map(([key, value]) => `${key}=${value}`);
  mkdirSync(stateLayout.configDir(ctx.paths, 'kafka'), { recursive: true });
  writeFileSync(
    configFile(ctx),
    `# Written by primoart up from infra/stack/services/kafka.ts; edits are overwritten.\n${lines.join('\n')}\n`,
    { mode: 0o600 },
  );
  // It holds the broker's password; a file an earlier version wrote keeps its mode through a write.
  chmodSync(configFile(ctx), 0o600);
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

const javaArgs = (ctx: StackContext, mainClass: string) => [
  '-Xmx512m',
  '-Xms256m',
  '-Djava.awt.headless=true',
  `-Dlog4j2.configurationFile=${log4jConfig}`,
  '-cp',
  `${libDir(ctx)}/*`,
  mainClass,
];

export const kafka: ServiceDefinition = {
  name: 'kafka',
  version,
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
    writeBrokerConfig(ctx);
    if (existsSync(join(stateLayout.dataDir(ctx.paths, 'kafka'), 'meta.properties'))) return;
    ctx.progress('kafka: formatting storage (once per state directory)');
    const clusterId = randomBytes(16).toString('base64url');
    await ctx.exec(
      'java',
      [
        ...javaArgs(ctx, 'kafka.tools.StorageTool'),
        'format',
        '-t',
        clusterId,
        '-c',
        configFile(ctx),
        '--ignore-formatted',
      ],
      { timeoutMs: 120_000 },
    );
  },
  launch(ctx) {
    return { command: 'java', args: [...javaArgs(ctx, 'kafka.Kafka'), configFile(ctx)] };
  },
  async probe(ctx) {
    // As the broker itself on the internal listener: the SCRAM users may not exist yet (afterStart).
    // A Kafka still running from before authentication is probed the way it was started.
    const target = kafkaAuthenticated(ctx)
      ? {
          broker: `${host}:${ctx.ports.kafkaInternal}`,
          sasl: {
            mechanism: 'plain' as const,
            username: kafkaBrokerUsername,
            password: ctx.secrets.kafkaBrokerPassword,
          },
        }
      : { broker: `${host}:${ctx.ports.kafka}` };
    return withKafkaAdmin(target, async (admin) => {
      const cluster = await admin.describeCluster();
      return cluster.brokers.length > 0 && cluster.controller !== null;
    });
  },
  async afterStart(ctx) {
    await ensureScramUsers(ctx);
  },
  env(ctx) {
    const brokers = { PRIMOART_KAFKA_BROKERS: `${host}:${ctx.ports.kafka}` };
    if (!kafkaAuthenticated(ctx)) return brokers;
    const admin = kafkaCredentials(ctx, kafkaAdminIdentity);
    return {
      ...brokers,
      PRIMOART_KAFKA_SASL_MECHANISM: admin.mechanism,
      PRIMOART_KAFKA_USERNAME: admin.username,
      PRIMOART_KAFKA_PASSWORD: admin.password,
    };
  },
  url(ctx) {
    return `kafka://${host}:${ctx.ports.kafka}`;
  },
  startTimeoutMs: 90_000,
};

type KafkajsSasl =
  | { mechanism: 'plain'; username: string; password: string }
  | { mechanism: 'scram-sha-512'; username: string; password: string };

/** A short-lived kafkajs admin, for the probe and the SCRAM check; false when it cannot connect. */
async function withKafkaAdmin(
  options: { broker: string; sasl?: KafkajsSasl },
  work: (admin: import('kafkajs').Admin) => Promise<boolean>,
): Promise<boolean> {
  // Loaded here so that `status` and `env` do not pay for the Kafka client up front.
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  const client = new Kafka({
    clientId: 'primoart-stack',
    brokers: [options.broker],
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
      { broker: `${host}:${ctx.ports.kafka}`, sasl: kafkaCredentials(ctx, identity) },
      async () => true,
    );
    if (!loggedIn) return false;
  }
  return true;
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
  const tab = (...fields: string[]) => `${fields.join('\t')}\n`;
  const input = [
    tab('config', 'bootstrap.servers', `${host}:${ctx.ports.kafkaInternal}`),
    tab('config', 'security.protocol', 'SASL_PLAINTEXT'),
    tab('config', 'sasl.mechanism', 'PLAIN'),
    tab(
      'config',
      'sasl.jaas.config',
      'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
        `username=${jaasQuoted(kafkaBrokerUsername)} password=${jaasQuoted(ctx.secrets.kafkaBrokerPassword)};`,
    ),
    ...kafkaIdentities.map((identity) =>
      tab('user', kafkaUsername(identity), kafkaCredentials(ctx, identity).password),
    ),
  ].join('');
  await ctx.exec(
    'java',
    ['-Xmx128m', `-Dlog4j2.configurationFile=${log4jConfig}`, '-cp', `${libDir(ctx)}/*`, scramUsersProgram],
    { input, timeoutMs: 120_000 },
  );
  // The credentials reach the broker's metadata cache a moment after the controller took them.
  const deadline = Date.now() + 30_000;
  while (!(await scramUsersCurrent(ctx))) {
    if (Date.now() > deadline) throw new Error('kafka: the SCRAM users do not log in after being created');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
