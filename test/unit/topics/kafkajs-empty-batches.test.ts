// An empty record batch (what compaction leaves of an idempotent producer's last batch) must move a
// kafkajs consumer past its offsets instead of leaving the fetch looking empty forever.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import {
  decodeMessagesKeepingEmptyBatches,
  keepEmptyBatchesInKafkajs,
} from '../../../topics/kafkajs-empty-batches.ts';

const require = createRequire(import.meta.url);
const kafkajs = (module: string) => require(`kafkajs/src/${module}`);
const Encoder = kafkajs('protocol/encoder.js');
const Decoder = kafkajs('protocol/decoder.js');
const { RecordBatch } = kafkajs('protocol/recordBatch/v0/index.js');
const Record = kafkajs('protocol/recordBatch/record/v0/index.js');
const Batch = kafkajs('consumer/batch.js');

/** The messages part of one partition in a fetch response: size, then the record batches. */
async function fetchedMessages(
  batches: Array<{ firstOffset: number; lastOffsetDelta: number; values: string[] }>,
) {
  const encoded = new Encoder();
  for (const batch of batches) {
    encoded.writeEncoder(
      await RecordBatch({
        firstOffset: BigInt(batch.firstOffset).toString(),
        lastOffsetDelta: batch.lastOffsetDelta,
        records: batch.values.map((value, i) =>
          Record({
            offsetDelta: batch.lastOffsetDelta - batch.values.length + 1 + i,
            key: Buffer.from('k'),
            value: Buffer.from(value),
          }),
        ),
      }),
    );
  }
  return new Decoder(new Encoder().writeInt32(encoded.buffer.length).writeBuffer(encoded.buffer).buffer);
}

const decode = decodeMessagesKeepingEmptyBatches(
  Decoder,
  kafkajs('protocol/recordBatch/v0/decoder.js'),
  kafkajs('protocol/messageSet/decoder.js'),
);

test('an empty batch becomes a control record at its last offset; records around it are kept', async () => {
  const messages = (await decode(
    await fetchedMessages([
      { firstOffset: 100, lastOffsetDelta: 9, values: [] },
      { firstOffset: 110, lastOffsetDelta: 1, values: ['a', 'b'] },
    ]),
  )) as Array<{ offset: string; isControlRecord: boolean; value: Buffer | null }>;
  assert.deepEqual(
    messages.map((m) => [m.offset, m.isControlRecord, m.value?.toString() ?? null]),
    [
      ['109', true, null],
      ['110', false, 'a'],
      ['111', false, 'b'],
    ],
  );
});

test('kafkajs then resolves past an empty batch it fetched at its position, and hands nothing out', async () => {
  const messages = await decode(
    await fetchedMessages([{ firstOffset: 100, lastOffsetDelta: 9, values: [] }]),
  );
  const batch = new Batch('topic', '104', { partition: 0, highWatermark: '200', messages });
  assert.equal(batch.isEmpty(), true, 'no message for the application');
  assert.equal(batch.isEmptyDueToFiltering(), true, 'so kafkajs resolves the offset itself');
  assert.equal(batch.lastOffset(), '109', 'past the whole empty batch');
});

test('installed, it is the decoder kafkajs loads for fetch responses', async () => {
  keepEmptyBatchesInKafkajs();
  const decodeMessages = kafkajs('protocol/requests/fetch/v4/decodeMessages.js');
  const messages = (await decodeMessages(
    await fetchedMessages([{ firstOffset: 7, lastOffsetDelta: 2, values: [] }]),
  )) as Array<{ offset: string; isControlRecord: boolean }>;
  assert.deepEqual(
    messages.map((m) => [m.offset, m.isControlRecord]),
    [['9', true]],
  );
});
