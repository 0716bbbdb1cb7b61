// Opening the bus from the config file's `kafka` and `schema_registry` sections, the way every
// process does it: connection settings in one place, dependencies waited for a bounded time.
import type { KafkaConfig } from '../core/config-schema.ts';
import type { ProcessContext } from '../core/process.ts';
import type { RecordSchema } from '../schemas/index.ts';
import { createValueCodec, type ValueCodec } from './codec.ts';
import { connectKafka } from './kafkajs-adapter.ts';
import type { KafkaConnection } from './port.ts';

export function kafkaFromConfig(kafka: KafkaConfig, logger: ProcessContext['logger']): KafkaConnection {
  return connectKafka(
    {
      brokers: kafka.brokers,
      clientId: kafka.client_id,
      connectTimeoutMs: kafka.connect_timeout_ms,
      requestTimeoutMs: kafka.request_timeout_ms,
    },
    logger,
  );
}

/** Open Kafka for a process and wait (bounded) until the brokers answer metadata requests. */
export async function openKafka(context: ProcessContext, kafka: KafkaConfig): Promise<KafkaConnection> {
  const connection = kafkaFromConfig(kafka, context.logger);
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

/** A codec for a topic's values, waiting (bounded) for the registry to answer. */
export function codecFor<T>(
  context: ProcessContext,
  registryUrl: string,
  topic: { name: string; valueSchema: RecordSchema | null },
): Promise<ValueCodec<T>> {
  if (topic.valueSchema === null) throw new Error(`${topic.name} carries raw bytes, not Avro`);
  const schema = topic.valueSchema.schema;
  return context.connect(`schema registry at ${new URL(registryUrl).host}`, () =>
    createValueCodec<T>({ registryUrl, topic: topic.name, schema }),
  );
}
