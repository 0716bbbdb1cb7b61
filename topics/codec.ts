// Avro values in the Confluent wire format (magic byte, 4-byte schema id, Avro body), with
// schemas held by the registry. Producers write with the id of the exact schema they were built
// with; consumers read any registered writer version into their own (reader) schema, which is
// what makes BACKWARD_TRANSITIVE evolution and replays of old data work.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import type { RecordSchema } from '../schemas/index.ts';
import { valueSubject } from './catalog.ts';
import { PoisonRecordError } from './poison-record.ts';
import { lookupSchemaId } from './registry.ts';

export interface ValueCodec<T> {
  readonly schemaId: number;
  encode(value: T): Promise<Buffer>;
  decode(buffer: Buffer): Promise<T>;
}

export interface CodecOptions {
  registryUrl: string;
  topic: string;
  /** The parsed .avsc of this process's version of the record. */
  schema: unknown;
}

/** The codec of a topic's values, typed by the topic's record schema (no type argument needed). */
export function createTopicCodec<T>(
  registryUrl: string,
  topic: { name: string; valueSchema: RecordSchema<T> | null },
): Promise<ValueCodec<T>> {
  if (topic.valueSchema === null) throw new Error(`${topic.name} carries raw bytes, not Avro`);
  return createValueCodec<T>({ registryUrl, topic: topic.name, schema: topic.valueSchema.schema });
}

export async function createValueCodec<T>(options: CodecOptions): Promise<ValueCodec<T>> {
  const subject = valueSubject(options.topic);
  const schemaId = await lookupSchemaId(options.registryUrl, subject, options.schema);
  if (schemaId === null) {
    throw new Error(
      `schema for ${subject} is not registered in ${options.registryUrl}; run 'primoart schemas register'`,
    );
  }
  const registry = new SchemaRegistry({ host: options.registryUrl });
  // Warm the cache now: afterwards encoding never waits on the registry, so a registry outage
  // cannot fail an upload.
  await registry.getSchema(schemaId);
  // The reader type is built once, and one resolver per writer schema id: building avsc types
  // per message would cost more than the decoding itself.
  const readerType = avro.Type.forSchema(options.schema as avro.Schema);
  const resolvers = new Map<number, avro.Resolver | null>();
  async function resolverFor(writerId: number): Promise<avro.Resolver | null> {
    const cached = resolvers.get(writerId);
    if (cached !== undefined) return cached;
    let writerType: avro.Type;
    try {
      writerType = (await registry.getSchema(writerId)) as unknown as avro.Type;
    } catch (error) {
      // An id the registry does not know can never be read; anything else (registry down) can later.
      if ((error as { status?: number }).status === 404) {
        throw new PoisonRecordError(`schema id ${writerId} is not in the registry`);
      }
      throw error;
    }
    // Our own id: the writer schema is the reader schema, no resolution needed.
    const resolver = writerId === schemaId ? null : readerType.createResolver(writerType);
    resolvers.set(writerId, resolver);
    return resolver;
  }
  return {
    schemaId,
    encode: (value: T) => registry.encode(schemaId, value),
    async decode(buffer: Buffer) {
      if (buffer.length < 5 || buffer[0] !== 0) {
        throw new PoisonRecordError('not in the Confluent wire format (no magic byte 0 and schema id)');
      }
      const writerId = buffer.readInt32BE(1);
      const resolver = await resolverFor(writerId);
      try {
        const body = buffer.subarray(5);
        return (resolver === null ? readerType.fromBuffer(body) : readerType.fromBuffer(body, resolver)) as T;
      } catch (error) {
        throw new PoisonRecordError(`cannot decode with schema id ${writerId}: ${(error as Error).message}`);
      }
    },
  };
}
