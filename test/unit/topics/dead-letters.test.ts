// The dead-letter contract: what a dead letter says, how one is selected, and what goes back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  matchesFilter,
  parseDeadLetter,
  replayedForAnotherGroup,
  replayMessage,
} from '../../../topics/dead-letters.ts';
import { parseSince, printable, printableJson, refusalOf } from '../../../topics/dlq-commands.ts';
import type { ConsumedMessage } from '../../../topics/port.ts';

const letterMessage = (headers: Record<string, string>): ConsumedMessage => ({
  topic: 'primoart.deadletter.v1',
  partition: 2,
  offset: '17',
  key: Buffer.from('tx-1'),
  value: Buffer.from([0, 0, 0, 0, 9, 1, 2]),
  timestamp: Date.parse('2026-12-04T05:00:00Z'),
  headers,
});

const deadLettered = {
  traceparent: '00-abc-def-01',
  'primoart.error': 'error: new row violates check constraint [23514]',
  'primoart.error.kind': 'poison',
  'primoart.worker': 'synth-store',
  'primoart.group': 'primoart.synth-store',
  'primoart.origin.topic': 'primoart.synth.results.v1',
  'primoart.origin.partition': '4',
  'primoart.origin.offset': '1234',
  'primoart.failed_at': '2026-12-04T05:00:01.500Z',
};

test('a dead letter reads its origin, error, group and time from its headers, and keeps the original ones apart', () => {
  const letter = parseDeadLetter(letterMessage(deadLettered));
  assert.equal(letter.ref, '2:17');
  assert.equal(letter.worker, 'synth-store');
  assert.equal(letter.group, 'primoart.synth-store');
  assert.deepEqual(letter.origin, { topic: 'primoart.synth.results.v1', partition: 4, offset: '1234' });
  assert.equal(letter.failedAt.toISOString(), '2026-12-04T05:00:01.500Z');
  assert.deepEqual(letter.originalHeaders, { traceparent: '00-abc-def-01' });
  assert.equal(letter.replayOf, undefined);
  // A letter from before the group header: no group, and the message time when failed_at is absent.
  const { 'primoart.group': _, 'primoart.failed_at': __, ...older } = deadLettered;
  const old = parseDeadLetter(letterMessage(older));
  assert.equal(old.group, undefined);
  assert.equal(old.failedAt.toISOString(), '2026-12-04T05:00:00.000Z');
});

test('the copy sent back has the original key, value and headers, addressed to one group', () => {
  const letter = parseDeadLetter(letterMessage(deadLettered));
  const message = replayMessage(letter, 'primoart.synth-store');
  assert.equal(message.key?.toString(), 'tx-1');
  assert.deepEqual(message.value, letter.value);
  assert.deepEqual(message.headers, {
    traceparent: '00-abc-def-01',
    'primoart.replay.group': 'primoart.synth-store',
    'primoart.replay.of': '2:17',
  });
  assert.equal(replayedForAnotherGroup({ headers: message.headers ?? {} }, 'primoart.synth-store'), false);
  assert.equal(replayedForAnotherGroup({ headers: message.headers ?? {} }, 'primoart.baseline'), true);
  assert.equal(replayedForAnotherGroup({ headers: {} }, 'primoart.baseline'), false, 'an ordinary message');
  // Dead-lettered again, the copy's letter names the one it was replayed from.
  const again = parseDeadLetter(letterMessage({ ...deadLettered, ...message.headers }));
  assert.equal(again.replayOf, '2:17');
  assert.deepEqual(again.originalHeaders, { traceparent: '00-abc-def-01' });
});

test('dead letters are selected by worker, group and time', () => {
  const letter = parseDeadLetter(letterMessage(deadLettered));
  assert.ok(matchesFilter(letter, {}));
  assert.ok(matchesFilter(letter, { worker: 'synth-store', group: 'primoart.synth-store' }));
  assert.ok(!matchesFilter(letter, { worker: 'baseline' }));
  assert.ok(!matchesFilter(letter, { group: 'primoart.it.other' }));
  assert.ok(matchesFilter(letter, { since: new Date('2026-12-04T05:00:01.500Z') }));
  assert.ok(!matchesFilter(letter, { since: new Date('2026-12-04T05:00:02Z') }));
});

test('--since takes a time or a duration back; output escapes every control character', () => {
  const now = new Date('2026-12-04T06:00:00Z');
  assert.equal(parseSince('30m', now).toISOString(), '2026-12-04T05:30:00.000Z');
  assert.equal(parseSince('7d', now).toISOString(), '2026-11-27T06:00:00.000Z');
  assert.equal(parseSince('2026-12-01T00:00:00Z', now).toISOString(), '2026-12-01T00:00:00.000Z');
  assert.throws(() => parseSince('yesterday', now), /RFC 3339 time or a duration/);
  // A key or an error quoting a robot's value must not reach the terminal as escapes (CSI: ESC [ or U+009B).
  assert.equal(printable('a\u001b[2Jb\u009b31mc\nd'), 'a\\u001b[2Jb\\u009b31mc\\u000ad');
  // JSON stays JSON: read back, it is the same value, and no C1 or DEL character is left raw.
  const value = { key: 'a\u009b31m\u007f', error: 'line\nnext\u001b' };
  const json = printableJson(value);
  assert.deepEqual(JSON.parse(json), value);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: their absence is what is checked
  assert.doesNotMatch(json, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
});

test('a dead letter goes back only to a topic its worker reads, never to a compacted one, and only with its origin', () => {
  const readsOf = (worker: string) =>
    worker === 'synth-store' ? ['primoart.synth.results.v1', 'primoart.synth.definitions.v1'] : undefined;
  const letter = parseDeadLetter(letterMessage(deadLettered));
  assert.equal(refusalOf(letter, readsOf), undefined);
  // A forged origin: the admin CLI would publish an API key record for whoever wrote the letter.
  const forged = parseDeadLetter(
    letterMessage({ ...deadLettered, 'primoart.origin.topic': 'primoart.auth.keys.v1' }),
  );
  assert.equal(refusalOf(forged, readsOf), 'from a topic their worker does not read');
  const keyed = parseDeadLetter(
    letterMessage({ ...deadLettered, 'primoart.origin.topic': 'primoart.synth.definitions.v1' }),
  );
  assert.match(refusalOf(keyed, readsOf) ?? '', /compacted topic/);
  const { 'primoart.origin.partition': _, ...noPartition } = deadLettered;
  assert.equal(refusalOf(parseDeadLetter(letterMessage(noPartition)), readsOf), 'without a readable origin');
  assert.equal(
    refusalOf(parseDeadLetter(letterMessage({ ...deadLettered, 'primoart.worker': 'nobody' })), readsOf),
    'from a topic their worker does not read',
  );
});
