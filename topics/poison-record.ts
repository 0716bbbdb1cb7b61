// A record that can never be processed, whatever is retried: the codec throws it for bytes it
// cannot decode, a worker's write for data its store refuses. The harness dead-letters such a
// record instead of retrying it (workers/failures.ts).

/** The record itself can never be written (bad data for this store): dead-letter it. */
export class PoisonRecordError extends Error {
  override readonly name = 'PoisonRecordError';
}
