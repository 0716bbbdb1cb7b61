// `primoart lag --watch` against a fake broker and a mock clock: a sample every interval, groups
// looked for again only every 10 s (never with --group), and Ctrl-C ends it even mid-read.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { topics } from '../../../topics/catalog.ts';
import { watchLag } from '../../../topics/commands.ts';
import type { Admin } from '../../../topics/port.ts';

const results = topics.synthResults.name;

/** A broker where primoart.synth-store reads 100 results a second of a 10,000 backlog; `idle` never committed. */
function fakeBroker() {
  const calls = { listGroups: 0, groupOffsets: 0 };
  let hang = false;
  const started = Date.now();
  const admin = {
    async listGroups() {
      calls.listGroups++;
      return ['primoart.synth-store', 'idle'];
    },
    async topicOffsets(topic: string) {
      if (topic !== results) return [{ partition: 0, low: '0', high: '0' }];
      return [
        { partition: 0, low: '0', high: '5000' },
        { partition: 1, low: '0', high: '5000' },
      ];
    },
    async groupOffsets(group: string, topic: string) {
      calls.groupOffsets++;
      if (hang) return new Promise<never>(() => undefined);
      if (group !== 'primoart.synth-store' || topic !== results) return [];
      const read = String(Math.floor((Date.now() - started) / 1000) * 50);
      return [
        { partition: 0, offset: read },
        { partition: 1, offset: read },
      ];
    },
  };
  return { admin: admin as unknown as Admin, calls, hangFromNowOn: () => (hang = true) };
}

function fakeOutput(isTTY: boolean) {
  const written: string[] = [];
  return {
    written,
    stream: { isTTY, columns: 120, rows: 40, write: (text: string) => written.push(text) > 0 },
  };
}

// Lets the fake broker's answers (promises already settled) reach the watch loop.
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function tick(ms: number) {
  mock.timers.tick(ms);
  await settle();
}

beforeEach(() =>
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.parse('2025-03-01T12:00:00Z') }),
);
afterEach(() => mock.timers.reset());

test('into a pipe: a header, then a line per group and topic each second, with the rate', async () => {
  const broker = fakeBroker();
  const output = fakeOutput(false);
  const stop = new AbortController();
  const watching = watchLag(broker.admin, { intervalMs: 1_000, output: output.stream, signal: stop.signal });
  await settle();
  for (let s = 1; s <= 12; s++) await tick(1_000);
  stop.abort();
  await watching;

  const lines = output.written.join('').trimEnd().split('\n');
  assert.equal(lines[0], 'TIME\tGROUP\tTOPIC\tLAG\tRATE');
  assert.deepEqual(lines.slice(1, 4), [
    `2025-03-01T12:00:00Z\tprimoart.synth-store\t${results}\t10000\t`,
    `2025-03-01T12:00:01Z\tprimoart.synth-store\t${results}\t9900\t-100`,
    `2025-03-01T12:00:02Z\tprimoart.synth-store\t${results}\t9800\t-100`,
  ]);
  assert.equal(lines.length, 1 + 13, 'one line a second from 0 to 12 s; the idle group none');
  assert.ok(
    output.written.every((text) => !text.includes('\x1b')),
    'no escapes in a pipe',
  );
  assert.equal(broker.calls.listGroups, 2, 'groups listed at the start and after 10 s, not every second');
});

test('with --group no group is listed, and Ctrl-C mid-read ends the watch on a terminal, cursor back', async () => {
  const broker = fakeBroker();
  const output = fakeOutput(true);
  const stop = new AbortController();
  const watching = watchLag(broker.admin, {
    group: 'primoart.synth-store',
    intervalMs: 2_000,
    output: output.stream,
    signal: stop.signal,
  });
  await settle();
  await tick(2_000);
  broker.hangFromNowOn();
  await tick(2_000);
  stop.abort();
  await watching;

  assert.equal(broker.calls.listGroups, 0);
  assert.equal(output.written[0], '\x1b[?25l', 'the cursor is hidden while watching');
  assert.equal(output.written.at(-1), '\x1b[?25h', 'and shown again at the end');
  const screens = output.written.filter((text) => text.startsWith('\x1b[H'));
  assert.equal(screens.length, 2, 'a screen per finished sample; the hung read draws none');
  assert.match(screens[1] ?? '', /every 2 s: primoart lag {4}12:00:02 UTC/);
  assert.match(
    screens[1] ?? '',
    new RegExp(`primoart\\.synth-store  ${results.replaceAll('.', '\\.')}  9,800  -100/s  1 min 38 s`),
  );
});
