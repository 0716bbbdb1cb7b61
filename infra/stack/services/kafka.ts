// Apache Kafka, single-node KRaft (broker and controller in one JVM), fetched from Maven Central.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchWithMaven, installOnce, pomProperty, requireJava } from '../maven-fetch.ts';
import { host } from '../ports.ts';
import type { ServiceDefinition, StackContext } from '../service.ts';
import { repositoryDir, stateLayout } from '../stack-paths.ts';

const pomFile = join(repositoryDir(), 'infra', 'kafka', 'pom.xml');
const version = pomProperty(pomFile, 'kafka.version');
const log4jConfig = join(repositoryDir(), 'infra', 'kafka', 'log4j2.properties');

/** Results carry logs up to 1 MiB and screenshots travel through Kafka. */
const maxMessageBytes = 8 * 1024 * 1024;

const libDir = (ctx: StackContext) => join(ctx.paths.cacheDir, 'kafka', version, 'lib');
const configFile = (ctx: StackContext) =>
  join(stateLayout.configDir(ctx.paths, 'kafka'), 'server.properties');

export function brokerProperties(ctx: StackContext): Record<string, string | number | boolean> {
  const { kafka, kafkaController } = ctx.ports;
  return {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${host}:${kafkaController}`,
    listeners: `PLAINTEXT://${host}:${kafka},CONTROLLER://${host}:${kafkaController}`,
    'advertised.listeners': `PLAINTEXT://${host}:${kafka}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
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
  );
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
    // Loaded here so that `status` and `env` do not pay for the Kafka client up front.
    const { Kafka, logLevel } = (await import('kafkajs')).default;
    const client = new Kafka({
      clientId: 'primoart-stack-probe',
      brokers: [`${host}:${ctx.ports.kafka}`],
      connectionTimeout: 1_000,
      requestTimeout: 2_000,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    const admin = client.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length > 0 && cluster.controller !== null;
    } finally {
      await admin.disconnect().catch(() => {});
    }
  },
  env(ctx) {
    return { PRIMOART_KAFKA_BROKERS: `${host}:${ctx.ports.kafka}` };
  },
  url(ctx) {
    return `kafka://${host}:${ctx.ports.kafka}`;
  },
  startTimeoutMs: 90_000,
};
