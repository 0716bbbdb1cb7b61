import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromEventRecord, toEventRecord } from '../../../schemas/event-records.ts';
import { detectedEventSchema } from '../../../schemas/index.ts';
import type { DetectedEvent } from '../../../schemas/record-types.ts';

const event: DetectedEvent = {
  event_id: '0b7f6d1e-2a4c-4f7e-9a51-3c2d1e0f9a8b',
  action: 'open',
  kind: 'performance',
  severity: 'major',
  transaction_id: 'checkout',
  transaction_name: 'Checkout',
  service: 'shop',
  environment: 'production',
  location: 'DE/Hesse/Frankfurt',
  occurred_at: new Date('2026-11-20T10:05:00.000Z'),
  result_id: '5d8e2f4a-1b3c-4d5e-8f9a-0b1c2d3e4f5a',
  value: '5123 ms',
  text: 'Checkout is slow',
  baseline: { state: 'ready', p10_ms: 1000, p50_ms: 1500, p90_ms: 2000, samples: 48 },
  suppressed: false,
  maintenance_window_id: null,
  robot_id: null,
  locations: ['DE/Hesse/Frankfurt'],
  locations_total: 1,
};

test('a detected event survives Avro encoding and decoding unchanged', () => {
  const bytes = detectedEventSchema.avroType.toBuffer(toEventRecord(event));
  assert.deepEqual(fromEventRecord(detectedEventSchema.avroType.fromBuffer(bytes)), event);
});

test('an event without location, run or baseline (no data overall) round-trips too', () => {
  const silent: DetectedEvent = {
    ...event,
    kind: 'no_data',
    location: null,
    result_id: null,
    baseline: null,
  };
  const bytes = detectedEventSchema.avroType.toBuffer(toEventRecord(silent));
  assert.deepEqual(fromEventRecord(detectedEventSchema.avroType.fromBuffer(bytes)), silent);
});

test('a record with an unknown kind is refused, naming the value', () => {
  assert.throws(
    () => fromEventRecord({ ...toEventRecord(event), kind: 'latency' as never }),
    /unknown event kind "latency"/,
  );
});
