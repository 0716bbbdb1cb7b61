// The producer every component gets: sends take turns, and a kafkajs producer whose send failed is
// never used again (its sequence numbers may be wrong, and a reused number loses records silently:
// topics/kafkajs-adapter.ts). Here with a fake kafkajs producer; the loss itself, and its absence
// now, on a real broker: test/integration/producer-sequence.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { oneSendAtATime, SendExpiredError } from '../../../topics/kafkajs-adapter.ts';
import type { Producer } from '../../../topics/port.ts';

/** Fake producers that record overlapping sends, and fail the sends they are told to. */
function fakes(failing: Set<string> = new Set()) {
  const opened: Array<{ id: number; sent: string[]; disconnected: boolean }> = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const open = async (): Promise<Producer> => {
    const fake = { id: opened.length, sent: [] as string[], disconnected: false };
    opened.push(fake);
    return {
      async send(batches) {
        const name = batches[0]?.topic ?? '';
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await sleep(2);
        inFlight--;
        if (failing.has(name)) throw new Error(`${name} failed`);
        fake.sent.push(name);
        return [];
      },
      async disconnect() {
        fake.disconnected = true;
      },
    };
  };
  return { open, opened, mostInFlight: () => mostInFlight };
}

const send = (producer: Producer, name: string) => producer.send([{ topic: name, messages: [] }]);

test('concurrent sends take turns, in the order they were made', async () => {
  const f = fakes();
  const producer = await oneSendAtATime(f.open);
  const names = Array.from({ length: 20 }, (_, i) => `t${i}`);
  await Promise.all(names.map((name) => send(producer, name)));
  assert.equal(f.mostInFlight(), 1);
  assert.deepEqual(f.opened[0]?.sent, names);
});

test('a send that failed retires its producer: the next send has a new one', async () => {
  const f = fakes(new Set(['bad']));
  const producer = await oneSendAtATime(f.open);
  await send(producer, 'a');
  await assert.rejects(send(producer, 'bad'), /bad failed/);
  await send(producer, 'b');
  assert.equal(f.opened.length, 2);
  assert.deepEqual(f.opened[0], { id: 0, sent: ['a'], disconnected: true });
  assert.deepEqual(f.opened[1], { id: 1, sent: ['b'], disconnected: false });
});

test('sends queued behind a failing one go to the new producer, never the failed one', async () => {
  const f = fakes(new Set(['bad']));
  const producer = await oneSendAtATime(f.open);
  const outcomes = await Promise.allSettled([
    send(producer, 'bad'),
    send(producer, 'c'),
    send(producer, 'd'),
  ]);
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ['rejected', 'fulfilled', 'fulfilled'],
  );
  assert.deepEqual(f.opened[0]?.sent, []);
  assert.deepEqual(f.opened[1]?.sent, ['c', 'd']);
});

test('a producer that cannot be opened fails that send; the next send tries again', async () => {
  const f = fakes(new Set(['bad']));
  let refuse = false;
  const producer = await oneSendAtATime(async () => {
    if (refuse) throw new Error('no broker');
    return f.open();
  });
  await assert.rejects(send(producer, 'bad'));
  refuse = true;
  await assert.rejects(send(producer, 'a'), /no broker/);
  refuse = false;
  await send(producer, 'a');
  assert.deepEqual(f.opened[1]?.sent, ['a']);
});

test('disconnect waits for the send in hand', async () => {
  const f = fakes();
  const producer = await oneSendAtATime(f.open);
  const sent = send(producer, 'a');
  await producer.disconnect();
  assert.deepEqual(f.opened[0], { id: 0, sent: ['a'], disconnected: true });
  await sent;
});

test('a send whose deadline passes while it waits its turn is never made', async () => {
  const f = fakes();
  const producer = await oneSendAtATime(f.open);
  const slow = send(producer, 'slow');
  const late = producer.send([{ topic: 'late', messages: [] }], { deadline: Date.now() });
  const inTime = producer.send([{ topic: 'in-time', messages: [] }], { deadline: Date.now() + 60_000 });
  await slow;
  await assert.rejects(late, SendExpiredError);
  await inTime;
  assert.deepEqual(f.opened[0]?.sent, ['slow', 'in-time']);
  assert.equal(f.opened.length, 1, 'an expired send is no failure: the producer stays');
});

test('a send in hand past its deadline is given up, and its producer retired', async () => {
  let release: () => void = () => {};
  const opened: Array<{ disconnected: boolean }> = [];
  const producer = await oneSendAtATime(async () => {
    const fake = { disconnected: false };
    opened.push(fake);
    return {
      // The first producer's sends never settle until released, like a stalled broker.
      send: () =>
        opened.length === 1
          ? new Promise((resolve) => {
              release = () => resolve([]);
            })
          : Promise.resolve([]),
      async disconnect() {
        fake.disconnected = true;
        release();
      },
    };
  });
  await assert.rejects(
    producer.send([{ topic: 'stalled', messages: [] }], { deadline: Date.now() + 20 }),
    SendExpiredError,
  );
  await send(producer, 'next');
  assert.equal(opened.length, 2, 'the next send has a new producer');
  assert.equal(opened[0]?.disconnected, true);
});

test('a send made after disconnect is refused, and no producer is opened again', async () => {
  const f = fakes();
  const producer = await oneSendAtATime(f.open);
  const before = send(producer, 'a');
  const closing = producer.disconnect();
  await assert.rejects(send(producer, 'b'), /disconnected/);
  await before;
  await closing;
  await assert.rejects(send(producer, 'c'), /disconnected/);
  assert.equal(f.opened.length, 1);
  assert.deepEqual(f.opened[0]?.sent, ['a']);
});
