// The opaque cursors of the keyset-paged lists (runs, events): the key of a page's last row as a
// base64url JSON array of strings, each checked against its pattern when it comes back, so anything
// this API did not give out (a typo, an edited cursor, another list's) is refused, never queried.

/** An instant as PostgreSQL's text in UTC, to the microsecond (a Date would lose the microseconds). */
export const cursorTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
export const cursorUuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeKeyset(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The parts of a cursor given out with one part per pattern, or undefined for anything else. */
export function decodeKeyset(text: string, patterns: readonly RegExp[]): string[] | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== patterns.length) return undefined;
  const parts = parsed as unknown[];
  for (const [index, pattern] of patterns.entries()) {
    const part = parts[index];
    if (typeof part !== 'string' || !pattern.test(part)) return undefined;
    if (pattern === cursorTimePattern && Number.isNaN(Date.parse(part))) return undefined;
  }
  return parts as string[];
}
