// Kafka is authenticated and least-privilege (issue 9, "Whoever reaches Kafka is admin"): a client
// without credentials, or with a wrong password, is refused; a worker's identity cannot write the
// API keys topic, read a topic it does not consume, or grant itself ACLs; the gateway's identity
// can write the keys topic. The schema registry's global compatibility is BACKWARD_TRANSITIVE.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { parseConfig } from '../../core/config.ts';
import { createLogger } from '../../core/logging.ts';
import { gatewayProcessName } from '../../ingest-gateway/bus-access.ts';
import { kafkaFromConfig } from '../../topics/bus.ts';
import { topics } from '../../topics/catalog.ts';
import { connectKafka, type KafkaSettings } from '../../topics/kafkajs-adapter.ts';
import type { KafkaConnection } from '../../topics/port.ts';
import { getGlobalCompatibility } from '../../topics/registry.ts';
import { stack } from './stack.ts';

const logger = createLogger({ component: 'test', level: 'error' });

function adminSasl(): NonNullable<KafkaSettings['sasl']> {
  const sasl = stack.kafkaAdminSasl();
  assert.ok(
    sasl,
    "the stack's Kafka runs without authentication: run 'scripts/primoart up' (then eval its env)",
  );
  return sasl;
}

const connect = (sasl: KafkaSettings['sasl']): KafkaConnection =>
  connectKafka(
    {
      brokers: stack.kafkaBrokers(),
      clientId: 'primoart-kafka-auth-test',
      connectTimeoutMs: 3000,
      requestTimeoutMs: 10_000,
      ...(sasl === undefined ? {} : { sasl }),
    },
    logger,
  );

/** A connection as a process of the stack, with the identity its config gives it. */
function connectAs(processName: string): KafkaConnection {
  const config = parseConfig(
    JSON.stringify({
      kafka: stack.kafkaSection('primoart-kafka-auth-test'),
      schema_registry: { url: stack.registryUrl() },
    }),
    'kafka-auth-test.yml',
  );
  assert.ok(config.kafka.identities[processName], `the stack config gives ${processName} no identity`);
  return kafkaFromConfig(config.kafka, logger, processName);
}

async function listTopics(connection: KafkaConnection): Promise<string[]> {
  const admin = await connection.admin();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

/** A tombstone for a key no one has: harmless on the compacted keys topic (a view deletes nothing). */
async function writeKeysTopic(connection: KafkaConnection): Promise<void> {
  const producer = await connection.producer();
  try {
    await producer.send([
      { topic: topics.apiKeys.name, messages: [{ key: `kafka-auth-test-${randomUUID()}`, value: null }] },
    ]);
  } finally {
    await producer.disconnect();
  }
}

test('a client without credentials is refused', async () => {
  adminSasl();
  await assert.rejects(listTopics(connect(undefined)));
});

test('a wrong password is refused', async () => {
  const sasl = adminSasl();
  await assert.rejects(
    listTopics(connect({ ...sasl, password: `${sasl.password}-wrong` })),
    /SASL|authentication/i,
  );
});

test('the admin identity (the CLI, the tests) sees every topic of the catalog', async () => {
  const names = await listTopics(connect(adminSasl()));
  for (const topic of Object.values(topics)) assert.ok(names.includes(topic.name), topic.name);
});

test("a worker's identity cannot write the API keys topic, nor read a topic it does not consume", async () => {
  adminSasl();
  const synthStore = connectAs('synth-store');
  await assert.rejects(writeKeysTopic(synthStore), /authoriz/i);
  const admin = await synthStore.admin();
  try {
    // Its own input answers (the refusals below are ACLs, not a broken login) …
    assert.ok((await admin.topicOffsets(topics.synthResults.name)).length > 0);
    // … a topic it does not consume does not, and it cannot grant itself more.
    await assert.rejects(admin.topicOffsets(topics.apiKeys.name), /authoriz/i);
    await assert.rejects(admin.topicOffsets(topics.otelSpans.name), /authoriz/i);
    await assert.rejects(
      admin.createAcls([
        {
          principal: 'User:primoart-synth-store',
          resourceType: 'topic',
          resourceName: topics.apiKeys.name,
          patternType: 'literal',
          operation: 'write',
          permission: 'allow',
        },
      ]),
      /authoriz/i,
    );
  } finally {
    await admin.disconnect();
  }
  assert.ok(
    !(await listTopics(synthStore)).includes(topics.apiKeys.name),
    'the keys topic is not even listed',
  );
});

test("the gateway's identity can write the API keys topic", async () => {
  adminSasl();
  await writeKeysTopic(connectAs(gatewayProcessName));
});

test("the schema registry's global compatibility is BACKWARD_TRANSITIVE", async () => {
  assert.equal(await getGlobalCompatibility(stack.registryUrl()), 'BACKWARD_TRANSITIVE');
});
