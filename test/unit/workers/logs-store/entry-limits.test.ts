import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type EntryAdjustment,
  entryLimits,
  withinLineLimits,
} from '../../../../workers/logs-store/entry-limits.ts';
import type { LogEntry } from '../../../../workers/logs-store/log-entries.ts';

const now = Date.parse('2026-11-23T04:00:00.000Z');
const publishedAt = now - 1000;

function fitted(entry: Partial<LogEntry>) {
  const counted: Partial<Record<EntryAdjustment, number>> = {};
  const result = withinLineLimits(
    { _time: '2026-11-23T03:59:58.000Z', _msg: 'm', entry_id: 'id', kind: 'otel.log', ...entry },
    publishedAt,
    (reason, count = 1) => {
      counted[reason] = (counted[reason] ?? 0) + count;
    },
    now,
  );
  return { result, counted };
}

test('an entry within every limit is written as it is and nothing is counted', () => {
  const { result, counted } = fitted({ attributes: { a: 1 } });
  assert.deepEqual(result, {
    _time: '2026-11-23T03:59:58.000Z',
    _msg: 'm',
    entry_id: 'id',
    kind: 'otel.log',
    attributes: { a: 1 },
  });
  assert.deepEqual(counted, {});
});

test('a time VictoriaLogs would refuse becomes the publishing time, the reported one kept and counted', () => {
  for (const time of [
    '1969-12-31T23:59:59.000Z',
    '0000-01-01T00:00:00.000Z',
    '2027-01-01T00:00:00.000Z',
    '',
  ]) {
    const { result, counted } = fitted({ _time: time });
    assert.equal(result._time, new Date(publishedAt).toISOString());
    assert.equal(result.reported_time, time || 'unrepresentable');
    assert.deepEqual(counted, { time_out_of_range_replaced: 1 });
  }
});

test('a record with more fields than VictoriaLogs reads keeps the first ones and says how many went', () => {
  const attributes = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`a${i}`, i]));
  const { result, counted } = fitted({ attributes });
  const kept = Object.keys(result.attributes as object);
  // 4 own fields + fields_dropped + the attributes kept = the limit.
  assert.equal(kept.length + 5, entryLimits.maxFields);
  assert.equal(kept[0], 'a0');
  assert.equal(result.fields_dropped, 1500 - kept.length);
  assert.deepEqual(counted, { field_over_limit_dropped: 1500 - kept.length });
});

test('a line over the size VictoriaLogs reads has its longest texts shortened until it fits', () => {
  const body = 'b'.repeat(600 * 1024);
  const { result, counted } = fitted({ _msg: body, attributes: { note: 'n'.repeat(100) } });
  assert.ok(Buffer.byteLength(JSON.stringify(result)) <= entryLimits.maxLineBytes);
  assert.ok(result._msg.startsWith('bbbb'));
  assert.match(result._msg, /shortened from 614400 bytes, sha256 [0-9a-f]{16}/);
  assert.equal((result.attributes as Record<string, string>).note, 'n'.repeat(100));
  assert.deepEqual(counted, { field_shortened: 1 });
});

test('many texts each too short to shorten: client fields go, largest first, counted, until the line fits', () => {
  // 64 attributes of 1,000 four-byte characters (4,000 bytes, under the 4 KiB kept when shortening):
  // within the contract, over 256 KB on one line.
  const attributes = Object.fromEntries(
    Array.from({ length: 64 }, (_, i) => [
      `k${String(i).padStart(2, '0')}`,
      '\u{1F600}'.repeat(1000 + (i % 3)),
    ]),
  );
  const { result, counted } = fitted({ _msg: 'run FAIL', attributes });
  assert.ok(Buffer.byteLength(JSON.stringify(result), 'utf8') <= entryLimits.maxLineBytes);
  const kept = Object.keys(result.attributes as Record<string, unknown>);
  const dropped = 64 - kept.length;
  assert.ok(dropped > 0 && kept.length > 0, `${dropped} dropped, ${kept.length} kept`);
  assert.equal(result.fields_dropped, dropped);
  assert.equal(counted.field_over_limit_dropped, dropped);
  assert.equal(result._msg, 'run FAIL');
});
