import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OtelSpanRecord } from '../../../../schemas/record-types.ts';
import {
  RedAggregator,
  redMetric,
  type SpanAtOffset,
} from '../../../../workers/metrics-store/red-metrics.ts';
import { exposition, type Sample } from '../../../../workers/metrics-store/sample.ts';
import { pointTimeMicros, span } from './otel-fixtures.ts';

const topic = 'primoart.otel.spans.v1';

/** `count` server spans on one partition from `firstOffset`, all ending in the same millisecond. */
function burst(count: number, firstOffset = 0, partition = 0, overrides: Partial<OtelSpanRecord> = {}) {
  return Array.from(
    { length: count },
    (_, i): SpanAtOffset => ({
      topic,
      partition,
      offset: String(firstOffset + i),
      span: span({ span_id: (firstOffset + i).toString(16).padStart(16, '0'), ...overrides }),
    }),
  );
}

/**
 * What VictoriaMetrics keeps of everything written: per series and millisecond, the biggest value
 * (its de-duplication with -dedup.minScrapeInterval=1ms).
 */
class StoredSamples {
  private readonly kept = new Map<string, Sample>();
  add(samples: Sample[]): void {
    for (const sample of samples) {
      const line = exposition({ ...sample, value: 0 });
      const held = this.kept.get(line);
      if (held === undefined || sample.value > held.value) this.kept.set(line, sample);
    }
  }
  /** sum_over_time over everything of one name (and matching labels). */
  total(name: string, labels: Record<string, string> = {}): number {
    let total = 0;
    for (const sample of this.kept.values()) {
      if (sample.name !== name) continue;
      if (Object.entries(labels).every(([label, value]) => sample.labels[label] === value))
        total += sample.value;
    }
    return total;
  }
}

function writeAndCommit(red: RedAggregator, store: StoredSamples, spans: SpanAtOffset[]) {
  const prepared = red.prepare(spans);
  store.add(prepared.samples);
  prepared.commit();
}

test('a burst of 200 server spans ending in one millisecond counts 200', () => {
  const store = new StoredSamples();
  writeAndCommit(new RedAggregator(), store, burst(200));
  assert.equal(store.total(`${redMetric}_count`), 200);
  assert.equal(store.total(`${redMetric}_bucket`, { le: '+Inf' }), 200);
  // Every span took 250 ms: in the 0.4 s bucket, not in the 0.2 s one.
  assert.equal(store.total(`${redMetric}_bucket`, { le: '0.2' }), 0);
  assert.equal(store.total(`${redMetric}_bucket`, { le: '0.4' }), 200);
  assert.equal(store.total(`${redMetric}_sum`), 50);
});

test('the same batch written again (a replay, a redelivery) still counts 200', () => {
  const store = new StoredSamples();
  const red = new RedAggregator();
  writeAndCommit(red, store, burst(200));
  writeAndCommit(red, store, burst(200));
  assert.equal(store.total(`${redMetric}_count`), 200);
  // A new process (after a restart) replaying the same batch writes the same tally.
  writeAndCommit(new RedAggregator(), store, burst(200));
  assert.equal(store.total(`${redMetric}_count`), 200);
});

test('a burst read in several batches counts every span, and a replay in other batches does not add', () => {
  const store = new StoredSamples();
  const red = new RedAggregator();
  for (let first = 0; first < 1000; first += 150)
    writeAndCommit(red, store, burst(Math.min(150, 1000 - first), first));
  assert.equal(store.total(`${redMetric}_count`), 1000);
  // A replay of the partition from its start, cut into batches of another size.
  for (let first = 0; first < 1000; first += 400)
    writeAndCommit(red, store, burst(Math.min(400, 1000 - first), first));
  assert.equal(store.total(`${redMetric}_count`), 1000);
  // A redelivery of a part from the middle never adds either.
  writeAndCommit(red, store, burst(300, 500));
  assert.equal(store.total(`${redMetric}_count`), 1000);
});

test('a write that failed (never committed) is retried without counting its spans twice', () => {
  const store = new StoredSamples();
  const red = new RedAggregator();
  writeAndCommit(red, store, burst(100, 0));
  const failed = red.prepare(burst(100, 100));
  assert.ok(failed.samples.length > 0, 'the failed attempt had samples to write');
  writeAndCommit(red, store, burst(100, 100));
  assert.equal(store.total(`${redMetric}_count`), 200);
});

test('spans on different partitions in the same second never share a timestamp', () => {
  const store = new StoredSamples();
  const red = new RedAggregator();
  writeAndCommit(red, store, [...burst(70, 0, 0), ...burst(30, 0, 1), ...burst(5, 0, 2)]);
  assert.equal(store.total(`${redMetric}_count`), 105);
});

test('errors, operations and kinds are their own series; client and internal spans are not requests', () => {
  const store = new StoredSamples();
  writeAndCommit(new RedAggregator(), store, [
    ...burst(3, 0, 0, { status_code: 'ERROR' }),
    ...burst(2, 3, 0, { name: 'POST /pay' }),
    ...burst(4, 5, 0, { kind: 'CONSUMER' }),
    ...burst(6, 9, 0, { kind: 'CLIENT' }),
    ...burst(6, 15, 0, { kind: 'INTERNAL' }),
  ]);
  assert.equal(store.total(`${redMetric}_count`), 9);
  assert.equal(store.total(`${redMetric}_count`, { status_code: 'error' }), 3);
  assert.equal(store.total(`${redMetric}_count`, { operation: 'POST /pay' }), 2);
  assert.equal(store.total(`${redMetric}_count`, { span_kind: 'consumer' }), 4);
});

test('a tally is written at the second of the spans end plus the partition in milliseconds', () => {
  const prepared = new RedAggregator().prepare(burst(1, 0, 4));
  const second = Math.floor(pointTimeMicros / 1_000_000) * 1000;
  assert.deepEqual(new Set(prepared.samples.map((sample) => sample.timestampMs)), new Set([second + 4]));
  assert.deepEqual(prepared.samples.find((sample) => sample.name === `${redMetric}_count`)?.labels, {
    service: 'checkout',
    operation: 'GET /cart',
    span_kind: 'server',
    status_code: 'unset',
  });
});

test('idle tallies are let go, and the number held is bounded', () => {
  let now = 0;
  const red = new RedAggregator({ idleMs: 1000, maxTallies: 3, now: () => now });
  const store = new StoredSamples();
  writeAndCommit(red, store, burst(1, 0, 0, { name: 'a' }));
  now = 5000;
  writeAndCommit(red, store, burst(1, 1, 0, { name: 'b' }));
  assert.equal(red.size(), 1, 'the idle tally of "a" was let go');
  writeAndCommit(red, store, [
    ...burst(1, 2, 0, { name: 'c' }),
    ...burst(1, 3, 0, { name: 'd' }),
    ...burst(1, 4, 0, { name: 'e' }),
  ]);
  assert.equal(red.size(), 3);
});
