// What `primoart replay` decides and prints without Kafka: where --from points (offsets clamped to
// what a partition holds), the dry run's plan, the records left while a group catches up, the live
// and summary lines, and how a group's members are named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgress } from '../../../core/progress.ts';
import { waitCaughtUp } from '../../../scripts/replay/catch-up.ts';
import {
  caughtUpLine,
  describeFrom,
  describeMembers,
  formatPlan,
  parseReplayFrom,
  parseTimeout,
  partitionKey,
  planTopic,
  progressLine,
  recordsLeft,
  totalRecords,
} from '../../../scripts/replay/plan.ts';
import { replayOffset, replayTargets } from '../../../topics/admin.ts';
import type { Admin } from '../../../topics/port.ts';

test('--from takes earliest, latest, an RFC 3339 time or an offset; anything else is named', () => {
  assert.deepEqual(parseReplayFrom('earliest'), { kind: 'earliest' });
  assert.deepEqual(parseReplayFrom('latest'), { kind: 'latest' });
  assert.deepEqual(parseReplayFrom('2026-03-01T00:00:00Z'), {
    kind: 'time',
    timestampMs: Date.UTC(2026, 2, 1),
  });
  assert.deepEqual(parseReplayFrom('2026-03-01T01:00:00+01:00'), {
    kind: 'time',
    timestampMs: Date.UTC(2026, 2, 1),
  });
  assert.deepEqual(parseReplayFrom('1200'), { kind: 'offset', offset: '1200' });
  assert.deepEqual(parseReplayFrom('0007'), { kind: 'offset', offset: '7' });
  for (const wrong of ['yesterday', 'March 7', '-5', '12.5', '2026-13-45T00:00:00Z', ''])
    assert.throws(() => parseReplayFrom(wrong), new RegExp(`not '${wrong}'`));
  assert.equal(describeFrom(parseReplayFrom('2026-03-01T01:00:00+01:00')), '2026-03-01T00:00:00.000Z');
  assert.equal(describeFrom(parseReplayFrom('1200')), 'offset 1200');
  assert.equal(describeFrom(parseReplayFrom('earliest')), 'earliest');
});

test('an offset is clamped into what each partition holds; a time past the last record is the end', () => {
  const held = { partition: 0, low: '100', high: '250' };
  assert.equal(replayOffset({ kind: 'earliest' }, held), '100');
  assert.equal(replayOffset({ kind: 'latest' }, held), '250');
  assert.equal(replayOffset({ kind: 'offset', offset: '0' }, held), '100', 'below the start: the start');
  assert.equal(replayOffset({ kind: 'offset', offset: '180' }, held), '180');
  assert.equal(replayOffset({ kind: 'offset', offset: '9000' }, held), '250', 'past the end: the end');
  assert.equal(replayOffset({ kind: 'time', timestampMs: 1 }, held, '120'), '120');
  assert.equal(replayOffset({ kind: 'time', timestampMs: 1 }, held), '250', 'no record at or after it');
});

test('replayTargets asks the broker for a time only when --from is one, and keeps partition order', async () => {
  const asked: string[] = [];
  const admin = {
    topicOffsets: async () => [
      { partition: 1, low: '0', high: '40' },
      { partition: 0, low: '5', high: '30' },
    ],
    topicOffsetsAt: async (_topic: string, ms: number) => {
      asked.push(`at ${ms}`);
      return [
        { partition: 0, offset: '12' },
        { partition: 1, offset: '40' },
      ];
    },
  } as unknown as Admin;
  assert.deepEqual(
    (await replayTargets(admin, 't', { kind: 'offset', offset: '20' })).map((t) => [t.partition, t.offset]),
    [
      [0, '20'],
      [1, '20'],
    ],
  );
  assert.deepEqual(asked, []);
  const byTime = await replayTargets(admin, 't', { kind: 'time', timestampMs: 7 });
  assert.deepEqual(
    byTime.map((t) => [t.partition, t.offset, t.high]),
    [
      [0, '12', '30'],
      [1, '40', '40'],
    ],
  );
  assert.deepEqual(asked, ['at 7']);
});

const plan = [
  ...planTopic(
    'primoart.synth.results.v1',
    [
      { partition: 0, low: '0', high: '1500', offset: '0' },
      { partition: 1, low: '200', high: '48910', offset: '200' },
    ],
    [
      { partition: 0, offset: '1500' },
      { partition: 1, offset: '-1' },
    ],
  ),
  ...planTopic('primoart.events.v1', [{ partition: 0, low: '0', high: '10', offset: '10' }], []),
];

test('the dry run prints every partition, committed now → target, its records, and a total', () => {
  assert.equal(totalRecords(plan), 1500 + 48710);
  assert.equal(
    formatPlan(plan),
    [
      'TOPIC                      PARTITION  COMMITTED  MOVE TO  END    RECORDS',
      'primoart.synth.results.v1  0          1500       0        1500   1,500',
      'primoart.synth.results.v1  1          -          200      48910  48,710',
      'primoart.events.v1         0          -          10       10     0',
      'total: 50,210 records on 3 partitions of 2 topic(s)',
      '',
    ].join('\n'),
  );
});

test('records left count from the committed offsets up to the end captured at the move', () => {
  const committed = (entries: Record<string, string>) =>
    new Map(Object.entries(entries).map(([k, v]) => [k, v]));
  const results = (p: number) => partitionKey('primoart.synth.results.v1', p);
  assert.equal(recordsLeft(plan, committed({})), 50_210, 'nothing committed yet: all of it');
  assert.equal(recordsLeft(plan, committed({ [results(0)]: '0', [results(1)]: '200' })), 50_210);
  assert.equal(recordsLeft(plan, committed({ [results(0)]: '1000', [results(1)]: '48000' })), 500 + 910);
  // Past the captured end (records published meanwhile): nothing left there.
  assert.equal(recordsLeft(plan, committed({ [results(0)]: '1600', [results(1)]: '49000' })), 0);
});

test('the live line says what is left, how fast and when it ends; the summary ends with the count', () => {
  assert.equal(
    progressLine('replay of g from earliest', 12_400, 48_210, 2_100.4),
    'replay of g from earliest: 12,400 of 48,210 records left · 2,100/s · ETA 6 s',
  );
  assert.equal(
    progressLine('replay of g from earliest', 12_400, 48_210, 0),
    'replay of g from earliest: 12,400 of 48,210 records left · 0/s · ETA —',
  );
  assert.equal(
    caughtUpLine('replay of primoart.synth-store from earliest', 48_210, 31_200),
    'replay of primoart.synth-store from earliest: caught up, 48,210 records reprocessed in 31 s',
  );
});

test('--timeout takes seconds or a unit', () => {
  assert.equal(parseTimeout('90'), 90_000);
  assert.equal(parseTimeout('90s'), 90_000);
  assert.equal(parseTimeout('30m'), 1_800_000);
  assert.equal(parseTimeout('2h'), 7_200_000);
  assert.equal(parseTimeout('1.5min'), 90_000);
  for (const wrong of ['0', 'soon', '-1h', '2d']) assert.throws(() => parseTimeout(wrong), /--timeout/);
});

test("a group's members are named by client id, host and member id", () => {
  assert.equal(
    describeMembers([
      { memberId: 'primoart-1f2e', clientId: 'primoart', clientHost: '/10.0.0.5' },
      { memberId: 'primoart-9a8b', clientId: 'primoart', clientHost: '/10.0.0.6' },
    ]),
    'primoart@10.0.0.5 (member primoart-1f2e), primoart@10.0.0.6 (member primoart-9a8b)',
  );
});

test('the catch-up watch ends when every partition reached the captured end, not before', async () => {
  // The group commits a step further on each read of its offsets.
  const steps = [
    { 0: '0', 1: '200' },
    { 0: '1000', 1: '30000' },
    { 0: '1500', 1: '48000' },
    { 0: '1500', 1: '48910' },
  ];
  let reads = 0;
  const admin = {
    groupOffsets: async (_group: string, topic: string) => {
      const step = steps[Math.min(Math.floor(reads++ / 2), steps.length - 1)] as Record<number, string>;
      if (topic === 'primoart.events.v1') return [{ partition: 0, offset: '10' }];
      return [0, 1].map((partition) => ({ partition, offset: step[partition] as string }));
    },
  } as unknown as Admin;
  const lines: string[] = [];
  const progress = createProgress({
    live: { isTTY: true, write: (text: string) => lines.push(text) > 0 },
    out: { write: (text: string) => lines.push(text) > 0 },
    minIntervalMs: 0,
  });
  const result = await waitCaughtUp({
    admin,
    group: 'g',
    plan,
    label: 'replay of g',
    progress,
    timeoutMs: 10_000,
    pollMs: 1,
  });
  assert.deepEqual(result, { outcome: 'caught-up' });
  assert.equal(reads, 8, 'read until the last step');
  assert.match(lines[0] ?? '', /replay of g: 50,210 of 50,210 records left/);
  assert.match(lines.at(-1) ?? '', /replay of g: 910 of 50,210 records left/);
});

test('the catch-up watch gives up at its timeout with what is left', async () => {
  const admin = {
    groupOffsets: async () => [{ partition: 0, offset: '0' }],
  } as unknown as Admin;
  const result = await waitCaughtUp({
    admin,
    group: 'g',
    plan: plan.slice(0, 1),
    label: 'replay of g',
    progress: createProgress({ live: { write: () => true }, out: { write: () => true } }),
    timeoutMs: 20,
    pollMs: 5,
  });
  assert.deepEqual(result, { outcome: 'timeout', left: 1500 });
});
