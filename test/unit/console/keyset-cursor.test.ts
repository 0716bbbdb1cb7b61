// The keyset cursors of the runs and events pages: what a page gives out comes back as the same key;
// anything else (a typo, an edited part, the other list's cursor) is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consoleSchema } from '../../../console/config.ts';
import { decodeEventCursor, encodeEventCursor } from '../../../console/queries/events.ts';
import { encodeKeyset } from '../../../console/queries/keyset-cursor.ts';
import { decodeCursor, encodeCursor } from '../../../console/queries/runs.ts';

const time = '2026-10-25T01:02:03.456789Z';
const id = '0b7d3c2e-1f5a-4c8e-9a6b-2d4f6e8a0c1e';

test('a cursor comes back as the key it was made of; anything else is undefined', () => {
  const run = { startedAt: time, robotId: id, resultId: id.toUpperCase() };
  assert.deepEqual(decodeCursor(encodeCursor(run)), run);
  const event = { occurredAt: time, eventId: id };
  assert.deepEqual(decodeEventCursor(encodeEventCursor(event)), event);
  // The other list's cursor, edited parts, wrong lengths, not base64url.
  assert.equal(decodeCursor(encodeEventCursor(event)), undefined);
  assert.equal(decodeEventCursor(encodeCursor(run)), undefined);
  assert.equal(decodeCursor(encodeKeyset(['2026-10-25T01:02:03Z', id, id])), undefined);
  assert.equal(decodeCursor(encodeKeyset(['2026-13-45T01:02:03.456789Z', id, id])), undefined);
  assert.equal(decodeCursor(encodeKeyset([time, id, "x' OR 1=1"])), undefined);
  assert.equal(decodeCursor(encodeKeyset([time, id])), undefined);
  assert.equal(decodeEventCursor(encodeKeyset(['e', time, id.toUpperCase()])), undefined);
  assert.equal(decodeCursor('not a cursor!'), undefined);
  assert.equal(decodeCursor(Buffer.from('{"a":1}').toString('base64url')), undefined);
});

test("the console's load bounds have defaults", () => {
  const section = consoleSchema.parse({ listen: '127.0.0.1:18108', api_keys: [] });
  assert.deepEqual(
    [
      section.max_period_days,
      section.statement_timeout_ms,
      section.export_statement_timeout_ms,
      section.max_concurrent_exports,
    ],
    [92, 30_000, 600_000, 2],
  );
});
