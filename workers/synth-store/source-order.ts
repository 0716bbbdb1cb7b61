// Which of two records of one key is the newer, on a topic keyed so that a key's records stay in
// order on one partition: the later offset. A different partition means the topic was
// repartitioned since, and the record being written is the newer one.

export interface SourcePosition {
  partition: number;
  offset: string;
}

export function isNewer(candidate: SourcePosition, than: SourcePosition): boolean {
  return candidate.partition !== than.partition || BigInt(candidate.offset) > BigInt(than.offset);
}

/** The newest item of each key, in first-seen key order. */
export function latestByKey<T>(
  items: Iterable<T>,
  keyOf: (item: T) => string,
  positionOf: (item: T) => SourcePosition,
): T[] {
  const latest = new Map<string, T>();
  for (const item of items) {
    const key = keyOf(item);
    const seen = latest.get(key);
    if (seen === undefined || isNewer(positionOf(item), positionOf(seen))) latest.set(key, item);
  }
  return [...latest.values()];
}

/** The ON CONFLICT … WHERE of an upsert that takes only a newer record than the row `row` holds. */
export const newerThanRow = (row: string): string =>
  `EXCLUDED.source_partition <> ${row}.source_partition OR EXCLUDED.source_offset > ${row}.source_offset`;
