// One accepted result is one Kafka record: every field has its own limit, but 500 steps of 8 KiB
// errors plus a 1 MiB log add up to more than a record holds. So the result as it is published
// (Avro, everything but the screenshot bytes, which travel as their own records) has a limit too.

import { transactionResultSchema } from './index.ts';
import type { TransactionResultRecord } from './record-types.ts';
import type { ValidationError } from './validation-problems.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The largest Avro value of a result: primoart.synth.results.v1 takes messages up to 4 MiB, and a
 * record batch needs far less than the 64 KiB left for its header, key and schema id.
 */
export const resultRecordMaxBytes = 4 * MiB - 64 * KiB;

const utf8 = (text: string | null) => (text === null ? 0 : Buffer.byteLength(text, 'utf8'));

/** The parts of a result that can be big, by their UTF-8 size, for a message that says what to cut. */
function bigParts(record: TransactionResultRecord): Array<[string, number]> {
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const parts: Array<[string, number]> = [
    ['log', utf8(record.log)],
    ['steps[].error_message', sum(record.steps.map((step) => utf8(step.error_message)))],
    ['steps[].name', sum(record.steps.map((step) => utf8(step.name)))],
    ['attributes', sum(Object.entries(record.attributes).map(([key, value]) => utf8(key) + utf8(value)))],
    ['error_message', utf8(record.error_message)],
  ];
  return parts.filter(([, size]) => size > 0).sort((left, right) => right[1] - left[1]);
}

/** The size of the result's Avro value as the gateway publishes it (without the 5-byte schema header). */
export function resultRecordBytes(record: TransactionResultRecord): number {
  return transactionResultSchema.avroType.toBuffer(record).length;
}

/** The problem of a result too large for one record (path "": the result as a whole), if it is. */
export function oversizedResult(record: TransactionResultRecord): ValidationError | undefined {
  const size = resultRecordBytes(record);
  if (size <= resultRecordMaxBytes) return undefined;
  const largest = bigParts(record)
    .slice(0, 3)
    .map(([part, bytes]) => `${part} ${bytes} bytes`)
    .join(', ');
  return {
    path: '',
    message:
      `is ${size} bytes as stored, over the ${resultRecordMaxBytes} bytes (4 MiB - 64 KiB) one result may take ` +
      `(screenshots not counted); its largest parts: ${largest}`,
  };
}
