// The id of a detected event: deterministic, so the same judgement of the same run always has the
// same id and every sink can upsert on it.
import { createHash } from 'node:crypto';

/** A UUID-shaped id from the parts that make an event what it is. */
export function eventIdOf(parts: Array<string | number | null>): string {
  const hex = createHash('sha256')
    .update(parts.map((part) => String(part)).join('\u0000'))
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
