// kafkajs 2.2.4 loses empty record batches, and a consumer then spins on them forever.
//
// When Kafka compacts a topic written by an idempotent producer, it keeps the last batch of each
// producer even once every record in it was compacted away: an empty batch that still spans its
// offsets. The Java consumer skips such a batch (its next offset is the batch's last offset + 1).
// kafkajs flattens the batches of a fetch into their records, so an empty one leaves no trace: when
// it is the first thing at the fetch position, the fetch looks empty, the position never moves, and
// the consumer fetches the same offset again and again (seen here: 19,000 empty fetches in 8 s, a
// compacted baselines partition stuck 11,000 records behind). kafkajs is not maintained any more, so
// the fix lives here: the fetch decoder is replaced, before kafkajs first loads it, by one that turns
// each empty batch into a control record at the batch's last offset. kafkajs already steps over
// control records (it resolves the offset past them and never hands them to the application).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const kafkajsSource = (module: string): string => require.resolve(`kafkajs/src/${module}`);

interface KafkajsDecoder {
  readInt32(): number;
  readBytes(size: number): Buffer;
  canReadBytes(size: number): boolean;
}
type DecoderClass = new (buffer: Buffer) => KafkajsDecoder;
interface DecodedRecordBatch {
  firstOffset: string;
  lastOffsetDelta: number;
  firstTimestamp: string;
  maxTimestamp: string;
  records: unknown[];
  [context: string]: unknown;
}

// The byte offset of the magic byte in a fetched record batch / message set, and the smallest
// record batch (its header): the same constants kafkajs's own decoder uses.
const magicOffset = 16;
const recordBatchOverhead = 49;
const recordBatchMagic = 2;

/** The record kafkajs makes of an empty batch: a control record at the batch's last offset. */
export function emptyBatchMarker(batch: DecodedRecordBatch): Record<string, unknown> {
  const { records: _, ...batchContext } = batch;
  return {
    magicByte: recordBatchMagic,
    attributes: 0,
    timestamp: batch.maxTimestamp,
    offset: (BigInt(batch.firstOffset) + BigInt(batch.lastOffsetDelta)).toString(),
    key: null,
    value: null,
    headers: {},
    isControlRecord: true,
    batchContext,
  };
}

/** The messages of one partition in a fetch response, empty batches kept as markers. */
export function decodeMessagesKeepingEmptyBatches(
  Decoder: DecoderClass,
  decodeRecordBatch: (decoder: KafkajsDecoder) => Promise<DecodedRecordBatch>,
  decodeMessageSet: (decoder: KafkajsDecoder, size: number) => unknown,
): (decoder: KafkajsDecoder) => Promise<unknown> {
  return async (decoder) => {
    const size = decoder.readInt32();
    if (size <= 0 || !decoder.canReadBytes(size)) return [];
    const bytes = decoder.readBytes(size);
    const batches = new Decoder(bytes);
    if (bytes.readInt8(magicOffset) !== recordBatchMagic) return decodeMessageSet(batches, size);
    const records: unknown[] = [];
    while (batches.canReadBytes(recordBatchOverhead)) {
      let batch: DecodedRecordBatch;
      try {
        batch = await decodeRecordBatch(batches);
      } catch (error) {
        // The last batch of a fetch may be cut off by the fetch's size limit: it comes again next time.
        if ((error as Error).name === 'KafkaJSPartialMessageError') break;
        throw error;
      }
      if (batch.records.length === 0) records.push(emptyBatchMarker(batch));
      else records.push(...batch.records);
    }
    return records;
  };
}

let installed = false;

/** Replace kafkajs's fetch message decoder; must run before the first fetch (it is loaded lazily). */
export function keepEmptyBatchesInKafkajs(): void {
  if (installed) return;
  const path = kafkajsSource('protocol/requests/fetch/v4/decodeMessages.js');
  require(path);
  const cached = require.cache[path];
  if (cached === undefined) throw new Error(`kafkajs: ${path} did not load`);
  cached.exports = decodeMessagesKeepingEmptyBatches(
    require(kafkajsSource('protocol/decoder.js')),
    require(kafkajsSource('protocol/recordBatch/v0/decoder.js')),
    require(kafkajsSource('protocol/messageSet/decoder.js')),
  );
  installed = true;
}
