// The local Kafka's security settings: no unauthenticated listener, ACLs enforced, only the broker
// and the admin are super users, the broker config (it holds a password) private, no secret on the
// command line, and credentials exported only once the broker config is the authenticated one.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultLayout } from '../../../infra/stack/layout.ts';
import { defaultPorts } from '../../../infra/stack/ports.ts';
import { generateSecrets } from '../../../infra/stack/secrets.ts';
import type { StackContext } from '../../../infra/stack/service.ts';
import {
  brokerProperties,
  kafka,
  kafkaAuthenticated,
  kafkaNode,
  kafkaNodes,
} from '../../../infra/stack/services/kafka.ts';

function withContext(body: (ctx: StackContext, stateDir: string) => Promise<void> | void) {
  const stateDir = mkdtempSync(join(tmpdir(), 'primoart-kafka-'));
  const ctx: StackContext = {
    paths: { repoDir: '/work/main', cacheDir: join(stateDir, 'cache'), stateDir },
    ports: defaultPorts,
    layout: defaultLayout,
    secrets: generateSecrets(),
    progress: () => {},
    exec: async () => '',
  };
  return Promise.resolve(body(ctx, stateDir)).finally(() =>
    rmSync(stateDir, { recursive: true, force: true }),
  );
}

test('every listener authenticates and the authorizer denies what no ACL allows', () =>
  withContext((ctx) => {
    const props = brokerProperties(ctx);
    const protocols = String(props['listener.security.protocol.map']).split(',');
    assert.ok(
      protocols.every((entry) => entry.endsWith(':SASL_PLAINTEXT')),
      protocols.join(','),
    );
    assert.equal(props['listener.name.client.sasl.enabled.mechanisms'], 'SCRAM-SHA-512');
    assert.equal(props['authorizer.class.name'], 'org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    assert.equal(props['allow.everyone.if.no.acl.found'], false);
    assert.deepEqual(String(props['super.users']).split(';'), [
      'User:primoart-broker',
      'User:primoart-admin',
    ]);
  }));

test('the broker config is written private, and only then does the stack export credentials', () =>
  withContext(async (ctx, stateDir) => {
    assert.equal(kafkaAuthenticated(ctx), false);
    assert.equal(kafka.env(ctx).PRIMOART_KAFKA_USERNAME, undefined);
    // What an earlier version wrote: the stack keeps talking PLAINTEXT to the Kafka still running.
    mkdirSync(join(stateDir, 'config', 'kafka'), { recursive: true });
    writeFileSync(
      join(stateDir, 'config', 'kafka', 'server.properties'),
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\n',
    );
    assert.equal(kafkaAuthenticated(ctx), false);

    ctx.exec = async () => '';
    await kafka.init?.(ctx);
    const file = join(stateDir, 'config', 'kafka', 'server.properties');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(kafkaAuthenticated(ctx), true);
    const env = kafka.env(ctx);
    assert.equal(env.PRIMOART_KAFKA_USERNAME, 'primoart-admin');
    assert.equal(env.PRIMOART_KAFKA_PASSWORD, ctx.secrets.kafkaPasswords.admin);
    assert.equal(env.PRIMOART_KAFKA_SASL_MECHANISM, 'scram-sha-512');
  }));

test('no secret on the broker command line', () =>
  withContext((ctx) => {
    const spec = kafka.launch(ctx);
    const commandLine = [spec.command, ...spec.args].join(' ');
    const secrets = [ctx.secrets.kafkaBrokerPassword, ...Object.values(ctx.secrets.kafkaPasswords)];
    for (const secret of secrets) assert.ok(!commandLine.includes(secret));
  }));

test('a 3-node cluster: every node a voter on its own ports and log directory, everything replicated 3 times with min ISR 2', () =>
  withContext((ctx, stateDir) => {
    ctx.layout = { kafkaBrokers: 3, scale: {} };
    const nodes = kafkaNodes(ctx.layout);
    assert.deepEqual(
      nodes.map((node) => node.name),
      ['kafka', 'kafka-2', 'kafka-3'],
    );
    // `kafka`, what every other service depends on, waits for the other nodes.
    assert.deepEqual(nodes[0]?.dependsOn, ['kafka-2', 'kafka-3']);
    const two = brokerProperties(ctx, 2);
    assert.equal(two['node.id'], 2);
    assert.equal(two['controller.quorum.voters'], '1@127.0.0.1:19093,2@127.0.0.1:19103,3@127.0.0.1:19113');
    assert.equal(
      two.listeners,
      'CLIENT://127.0.0.1:19102,INTERNAL://127.0.0.1:19104,CONTROLLER://127.0.0.1:19103',
    );
    assert.equal(two['log.dirs'], join(stateDir, 'data', 'kafka-2'));
    for (const key of [
      'default.replication.factor',
      'offsets.topic.replication.factor',
      'transaction.state.log.replication.factor',
      'share.coordinator.state.topic.replication.factor',
    ])
      assert.equal(two[key], 3, key);
    for (const key of [
      'min.insync.replicas',
      'transaction.state.log.min.isr',
      'share.coordinator.state.topic.min.isr',
    ])
      assert.equal(two[key], 2, key);
    // Every client gets every node; only node 1 exports (the others' env is empty).
    assert.equal(
      kafkaNode(1, ctx.layout).env(ctx).PRIMOART_KAFKA_BROKERS,
      '127.0.0.1:19092,127.0.0.1:19102,127.0.0.1:19112',
    );
    assert.deepEqual(kafkaNode(2, ctx.layout).env(ctx), {});
    // One node stays what it was: RF 1, its old ports and directory.
    ctx.layout = { kafkaBrokers: 1, scale: {} };
    const one = brokerProperties(ctx);
    assert.equal(one['controller.quorum.voters'], '1@127.0.0.1:19093');
    assert.equal(one['default.replication.factor'], 1);
    assert.equal(one['min.insync.replicas'], 1);
    assert.equal(one['log.dirs'], join(stateDir, 'data', 'kafka'));
  }));
