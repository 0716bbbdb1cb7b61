// The forwarder's write: what reaches Alerta, in which order, and what a replay does not send again.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { Registry } from 'prom-client';
import { toEventRecord } from '../../../../schemas/event-records.ts';
import type { DetectedEvent, DetectedEventRecord } from '../../../../schemas/record-types.ts';
import { topics } from '../../../../topics/catalog.ts';
import { PoisonRecordError } from '../../../../topics/poison-record.ts';
import type { ConsumedMessage } from '../../../../topics/port.ts';
import type { AlertaAlert } from '../../../../workers/alerta-forwarder/alert-body.ts';
import { alertaForwarderDefinition } from '../../../../workers/alerta-forwarder/definition.ts';
import { DeliveredEvents } from '../../../../workers/alerta-forwarder/delivered-events.ts';
import { forwarderOptions } from '../../../../workers/alerta-forwarder/forwarder-options.ts';
import { classifyFailure } from '../../../../workers/failures.ts';
import type { DecodedRecord } from '../../../../workers/harness.ts';
import { slowEvent } from './event-fixtures.ts';

const now = new Date('2026-11-23T10:05:00Z');
const options = forwarderOptions({ url: 'http://alerta.invalid', apiKey: 'k' });
const jsonCodec = {
  schemaId: 1,
  encode: async (value: DetectedEventRecord) => Buffer.from(JSON.stringify(value)),
  decode: async (buffer: Buffer) => JSON.parse(buffer.toString('utf8')) as DetectedEventRecord,
};

let dir = '';
let delivered: DeliveredEvents;
let sent: AlertaAlert[];
let failNext: Error | undefined;
let registry: Registry;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'primoart-forwarder-'));
  delivered = new DeliveredEvents(join(dir, 'forwarder.sqlite'));
  sent = [];
  failNext = undefined;
  registry = new Registry();
});
afterEach(() => {
  delivered.close();
  rmSync(dir, { recursive: true, force: true });
});

function forwarder(state = delivered) {
  return alertaForwarderDefinition({
    codec: jsonCodec,
    alerta: {
      async sendAlert(alert) {
        if (failNext !== undefined) {
          const error = failNext;
          failNext = undefined;
          throw error;
        }
        sent.push(alert);
        return 'id';
      },
    },
    delivered: state,
    options,
    metrics: registry,
    logger: { debug: () => undefined } as never,
    now: () => now,
  });
}

const event = (overrides: Partial<DetectedEvent>): DetectedEvent => ({ ...slowEvent, ...overrides });
const records = (...events: DetectedEvent[]): Array<DecodedRecord<DetectedEvent>> =>
  events.map((record, offset) => ({ message: { offset: String(offset) } as ConsumedMessage, record }));

async function outcomes(): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('primoart_alerta_forwarder_events_total')?.get();
  return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.outcome), v.value]));
}

const open = event({ event_id: 'e-open', occurred_at: new Date('2026-11-23T10:04:00Z') });
const clear = event({
  event_id: 'e-clear',
  action: 'clear',
  severity: 'normal',
  occurred_at: new Date('2026-11-23T10:04:30Z'),
});

test('events are sent one by one in offset order; suppressed and too old ones are not sent', async () => {
  const suppressed = event({ event_id: 'e-suppressed', suppressed: true });
  const old = event({ event_id: 'e-old', occurred_at: new Date(now.getTime() - 16 * 60_000) });
  await forwarder().write(records(open, suppressed, old, clear));
  assert.deepEqual(
    sent.map((alert) => [alert.attributes.eventId, alert.severity]),
    [
      ['e-open', 'major'],
      ['e-clear', 'normal'],
    ],
  );
  assert.deepEqual(await outcomes(), { sent: 2, suppressed: 1, too_old: 1 });
});

test('an event delivered before is not sent again, also by a new process on the same state file', async () => {
  await forwarder().write(records(open, clear));
  sent = [];
  delivered.close();
  delivered = new DeliveredEvents(join(dir, 'forwarder.sqlite'));
  registry = new Registry();
  await forwarder().write(records(open, clear));
  assert.deepEqual(sent, [], 'a replayed open must not re-open the closed alert');
  assert.deepEqual(await outcomes(), { already_sent: 2 });
});

test('an event counts as delivered only once Alerta accepted it: a failed batch is sent again', async () => {
  const definition = forwarder();
  failNext = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const batch = records(open, clear);
  await assert.rejects(definition.write(batch), (error) => classifyFailure(error) === 'transient');
  assert.equal(sent.length, 0);
  await definition.write(batch);
  assert.deepEqual(
    sent.map((alert) => alert.attributes.eventId),
    ['e-open', 'e-clear'],
  );
  const errors = await registry.getSingleMetric('primoart_alerta_forwarder_request_errors_total')?.get();
  assert.equal(errors?.values[0]?.value, 1);
});

test('a retry after a failure in the middle of a batch does not send the delivered part again', async () => {
  const definition = forwarder();
  const second = event({ event_id: 'e-second', location: 'US/Ohio/Columbus' });
  await definition.write(records(open));
  failNext = new Error('Alerta answered 503');
  await assert.rejects(definition.write(records(open, second)));
  await definition.write(records(open, second));
  assert.deepEqual(
    sent.map((alert) => alert.attributes.eventId),
    ['e-open', 'e-second'],
  );
});

test('delivered ids are kept for longer than the events topic keeps events, then pruned', () => {
  delivered.record('old', new Date(now.getTime() - options.deliveredRetentionMs - 1), now);
  delivered.record('recent', new Date(now.getTime() - 60_000), now);
  assert.equal(delivered.prune(new Date(now.getTime() - options.deliveredRetentionMs)), 1);
  assert.equal(delivered.has('old'), false);
  assert.equal(delivered.has('recent'), true);
  assert.ok(options.deliveredRetentionMs > 35 * 24 * 60 * 60_000);
});

test('decode: a record with a value this code does not know, or a tombstone, is poison', async () => {
  const definition = forwarder();
  // Decoded by the topic it came from, as every worker's input.
  const message = (value: Buffer | null) => ({ topic: topics.events.name, value }) as ConsumedMessage;
  const good = await definition.decode(message(await jsonCodec.encode(toEventRecord(open))));
  assert.deepEqual(good, open);
  const unknownKind = { ...toEventRecord(open), kind: 'teleported' } as unknown as DetectedEventRecord;
  await assert.rejects(definition.decode(message(await jsonCodec.encode(unknownKind))), PoisonRecordError);
  await assert.rejects(definition.decode(message(null)), PoisonRecordError);
});
