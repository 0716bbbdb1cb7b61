// The producer every component gets: sends take turns, and a kafkajs producer whose send failed is
// never used again (its sequence numbers may be wrong, and a reused number loses records silently:
// topics/kafkajs-adapter.ts). Here with a fake kafkajs producer; the loss itself, and its absence
// now, on a real broker: test/integration/producer-sequence.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { oneSendAtATime } from '../../../topics/kafkajs-adapter.ts';
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
