// Avro values in the Confluent wire format (magic byte, 4-byte schema id, Avro body), with
// schemas held by the registry. Producers write with the id of the exact schema they were built
// with; consumers read any registered writer version into their own (reader) schema, which is
// what makes BACKWARD_TRANSITIVE evolution and replays of old data work.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { RawAvroSchema } from '@kafkajs/confluent-schema-registry/dist/@types.js';
import { PoisonRecordError } from '../workers/failures.ts';
import { valueSubject } from './catalog.ts';
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
  const readerSchema = options.schema as RawAvroSchema;
  return {
    schemaId,
    encode: (value: T) => registry.encode(schemaId, value),
    async decode(buffer: Buffer) {
      if (buffer.length < 5 || buffer[0] !== 0) {
        throw new PoisonRecordError('not in the Confluent wire format (no magic byte 0 and schema id)');
      }
      const writerId = buffer.readInt32BE(1);
      try {
        await registry.getSchema(writerId);
      } catch (error) {
        // An id the registry does not know can never be read; anything else (registry down) can later.
        if ((error as { status?: number }).status === 404) {
          throw new PoisonRecordError(`schema id ${writerId} is not in the registry`);
        }
        throw error;
      }
      try {
        return (await registry.decode(buffer, { [SchemaType.AVRO]: { readerSchema } })) as T;
      } catch (error) {
        throw new PoisonRecordError(`cannot decode with schema id ${writerId}: ${(error as Error).message}`);
      }
    },
  };
}
