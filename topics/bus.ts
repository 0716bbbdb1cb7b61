// Opening the bus from the config file's `kafka` and `schema_registry` sections, the way every
// process does it: connection settings in one place, dependencies waited for a bounded time.
import { readFileSync } from 'node:fs';
import type { KafkaConfig, KafkaCredentials } from '../core/config-schema.ts';
import type { ProcessContext } from '../core/process.ts';
import type { RecordSchema } from '../schemas/index.ts';
import { createTopicCodec, type ValueCodec } from './codec.ts';
import { connectKafka, type KafkaSettings } from './kafkajs-adapter.ts';
import type { KafkaConnection } from './port.ts';

/** The credentials a process uses: its own identity when the config names one, else `kafka.sasl`. */
export function credentialsFor(kafka: KafkaConfig, processName?: string): KafkaCredentials | undefined {
  return (processName === undefined ? undefined : kafka.identities[processName]) ?? kafka.sasl;
}

function saslSettings(credentials: KafkaCredentials | undefined): KafkaSettings['sasl'] {
  if (credentials === undefined) return undefined;
  let password = credentials.password;
  if (password === undefined) {
    const file = credentials.password_file as string;
    try {
      password = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new Error(
        `kafka: cannot read the password of ${credentials.username} from ${file}: ${(error as Error).message}`,
      );
    }
  }
  return { mechanism: credentials.mechanism, username: credentials.username, password };
}

/**
 * A connection with the config's settings. `processName` picks the process's own identity from
 * `kafka.identities`; without one (the CLI, tests) the connection uses `kafka.sasl`.
 */
export function kafkaFromConfig(
  kafka: KafkaConfig,
  logger: ProcessContext['logger'],
  processName?: string,
): KafkaConnection {
  const sasl = saslSettings(credentialsFor(kafka, processName));
  return connectKafka(
    {
      brokers: kafka.brokers,
      clientId: kafka.client_id,
      connectTimeoutMs: kafka.connect_timeout_ms,
      requestTimeoutMs: kafka.request_timeout_ms,
      sessionTimeoutMs: kafka.consumer.session_timeout_ms,
      ...(sasl === undefined ? {} : { sasl }),
    },
    logger,
  );
}

/** Open Kafka for a process, as its own identity, and wait (bounded) until the brokers answer metadata requests. */
export async function openKafka(context: ProcessContext, kafka: KafkaConfig): Promise<KafkaConnection> {
  const connection = kafkaFromConfig(kafka, context.logger, context.name);
  await context.connect(`kafka at ${kafka.brokers.join(',')}`, async () => {
    const admin = await connection.admin();
    try {
      await admin.listTopics();
    } finally {
      await admin.disconnect();
    }
  });
  return connection;
}

/** A codec for a topic's values (typed by the topic), waiting (bounded) for the registry to answer. */
export function codecFor<T>(
  context: ProcessContext,
  registryUrl: string,
  topic: { name: string; valueSchema: RecordSchema<T> | null },
): Promise<ValueCodec<T>> {
  if (topic.valueSchema === null) throw new Error(`${topic.name} carries raw bytes, not Avro`);
  return context.connect(`schema registry at ${new URL(registryUrl).host}`, () =>
    createTopicCodec(registryUrl, topic),
  );
}
