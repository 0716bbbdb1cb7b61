// RED metrics from spans (primoart.otel.spans.v1), aggregated the way the OpenTelemetry Collector's
// spanmetrics connector does (a count, a sum and an explicit-bucket duration histogram per series),
// so that every request span counts at any rate. One sample per span cannot: VictoriaMetrics keeps
// one sample per series and millisecond, and 200 spans of one operation ending in the same
// millisecond were one sample.
//
// Idempotent under replay and redelivery, with no state a restart must recover:
// - a tally is per (series, second of the span's end, source partition); its samples are written at
//   that second plus the partition number in milliseconds, so partitions never share a timestamp;
// - within a process the tally grows as the partition is read in offset order, and each write
//   carries the tally so far: a later write of the same tally holds everything an earlier one held;
// - VictoriaMetrics' de-duplication keeps, of samples with the same series and timestamp, the one
//   with the biggest value, so re-writing a tally, or a part of it, never adds to what is stored.
// A partition read again from an offset already counted (a redelivery after a crash, a replay)
// starts its tallies afresh: the re-written tallies count at most what was counted before, and the
// stored, bigger one stays. What this cannot count is a tally split by a restart or a rebalance
// (the part before it and the part after are each kept, only the bigger counts) and a span arriving
// after its tally was let go (`idleMs`); README "Metrics" states both.
import type { OtelSpanRecord } from '../../schemas/record-types.ts';
import { resourceLabels } from './otel-attributes.ts';
import type { Sample } from './sample.ts';

/** The kinds that mark a request a service received: the R of RED. */
const requestKinds = new Set(['SERVER', 'CONSUMER']);

export const redMetric = 'primoart_span_duration_seconds';

/** The spanmetrics connector's default buckets (2 ms … 15 s), in seconds. */
export const redBoundsSeconds = [
  0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15,
];

export const redIntervalMs = 1000;

export interface SpanAtOffset {
  topic: string;
  partition: number;
  offset: string;
  span: OtelSpanRecord;
}

interface Tally {
  labels: Record<string, string>;
  atMs: number;
  count: number;
  sumSeconds: number;
  /** Spans per bound (not cumulative); the last entry is above every bound. */
  perBucket: number[];
  touchedAt: number;
}

interface PartitionTallies {
  lastOffset: bigint;
  /** In order of last use, so the idle ones are at the front. */
  tallies: Map<string, Tally>;
}

export interface RedAggregatorOptions {
  /** A tally not added to for this long is let go (default 10 min). */
  idleMs?: number;
  /** At most this many tallies are kept (about 1 KB each); the least recently used go first (default 50,000). */
  maxTallies?: number;
  now?: () => number;
}

export interface PreparedRed {
  samples: Sample[];
  /** Call once the samples were written: the tallies then include these spans. */
  commit(): void;
}

function requestLabels(span: OtelSpanRecord): Record<string, string> {
  return {
    service: span.service_name ?? resourceLabels(span.resource).job,
    operation: span.name,
    span_kind: span.kind.toLowerCase(),
    status_code: span.status_code.toLowerCase(),
  };
}

function tallySamples(tally: Tally): Sample[] {
  const samples: Sample[] = [];
  let cumulative = 0;
  redBoundsSeconds.forEach((bound, index) => {
    cumulative += tally.perBucket[index] ?? 0;
    samples.push({
      name: `${redMetric}_bucket`,
      labels: { ...tally.labels, le: String(bound) },
      value: cumulative,
      timestampMs: tally.atMs,
    });
  });
  samples.push(
    {
      name: `${redMetric}_bucket`,
      labels: { ...tally.labels, le: '+Inf' },
      value: tally.count,
      timestampMs: tally.atMs,
    },
    { name: `${redMetric}_sum`, labels: tally.labels, value: tally.sumSeconds, timestampMs: tally.atMs },
    { name: `${redMetric}_count`, labels: tally.labels, value: tally.count, timestampMs: tally.atMs },
  );
  return samples;
}

export class RedAggregator {
  private readonly partitions = new Map<string, PartitionTallies>();
  private readonly idleMs: number;
  private readonly maxTallies: number;
  private readonly now: () => number;

  constructor(options: RedAggregatorOptions = {}) {
    this.idleMs = options.idleMs ?? 10 * 60 * 1000;
    this.maxTallies = options.maxTallies ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  /** How many tallies are held, across partitions. */
  size(): number {
    let size = 0;
    for (const partition of this.partitions.values()) size += partition.tallies.size;
    return size;
  }

  /** The samples of the tallies these spans add to; nothing changes until commit(). */
  prepare(spans: SpanAtOffset[]): PreparedRed {
    const byPartition = new Map<string, SpanAtOffset[]>();
    for (const entry of spans) {
      const key = `${entry.topic}/${entry.partition}`;
      const list = byPartition.get(key) ?? [];
      list.push(entry);
      byPartition.set(key, list);
    }
    const now = this.now();
    const updates: Array<{ key: string; restart: boolean; lastOffset: bigint; touched: Map<string, Tally> }> =
      [];
    const samples: Sample[] = [];
    for (const [key, entries] of byPartition) {
      entries.sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
      const first = entries[0] as SpanAtOffset;
      const last = entries[entries.length - 1] as SpanAtOffset;
      const held = this.partitions.get(key);
      // Read again from an offset already counted: what is held already includes these spans.
      const restart = held !== undefined && BigInt(first.offset) <= held.lastOffset;
      const base = restart ? undefined : held?.tallies;
      const touched = new Map<string, Tally>();
      for (const { span, partition } of entries) {
        if (!requestKinds.has(span.kind)) continue;
        const labels = requestLabels(span);
        const endMs = Math.floor(span.end_time_unix_micros / 1000);
        const atMs = Math.floor(endMs / redIntervalMs) * redIntervalMs + (partition % redIntervalMs);
        const tallyKey = JSON.stringify([
          labels.service,
          labels.operation,
          labels.span_kind,
          labels.status_code,
          atMs,
        ]);
        let tally = touched.get(tallyKey);
        if (tally === undefined) {
          const previous = base?.get(tallyKey);
          tally =
            previous === undefined
              ? {
                  labels,
                  atMs,
                  count: 0,
                  sumSeconds: 0,
                  perBucket: redBoundsSeconds.map(() => 0).concat(0),
                  touchedAt: now,
                }
              : { ...previous, perBucket: [...previous.perBucket], touchedAt: now };
          touched.set(tallyKey, tally);
        }
        const seconds = Math.max(0, span.end_time_unix_micros - span.start_time_unix_micros) / 1_000_000;
        const index = redBoundsSeconds.findIndex((bound) => seconds <= bound);
        const bucket = index === -1 ? redBoundsSeconds.length : index;
        tally.perBucket[bucket] = (tally.perBucket[bucket] ?? 0) + 1;
        tally.count += 1;
        tally.sumSeconds += seconds;
      }
      for (const tally of touched.values()) samples.push(...tallySamples(tally));
      updates.push({ key, restart, lastOffset: BigInt(last.offset), touched });
    }
    return {
      samples,
      commit: () => {
        for (const { key, restart, lastOffset, touched } of updates) {
          const held = this.partitions.get(key);
          const tallies = restart || held === undefined ? new Map<string, Tally>() : held.tallies;
          for (const [tallyKey, tally] of touched) {
            tallies.delete(tallyKey);
            tallies.set(tallyKey, tally);
          }
          this.partitions.set(key, { lastOffset, tallies });
        }
        this.letGo(now);
      },
    };
  }

  /** Let go of idle tallies, then of the least recently used while there are too many. */
  private letGo(now: number): void {
    let size = 0;
    for (const { tallies } of this.partitions.values()) {
      for (const [key, tally] of tallies) {
        if (now - tally.touchedAt <= this.idleMs) break;
        tallies.delete(key);
      }
      size += tallies.size;
    }
    while (size > this.maxTallies) {
      let oldest: { tallies: Map<string, Tally>; key: string; touchedAt: number } | undefined;
      for (const { tallies } of this.partitions.values()) {
        const [key, tally] = tallies.entries().next().value ?? [];
        if (
          key !== undefined &&
          tally !== undefined &&
          (oldest === undefined || tally.touchedAt < oldest.touchedAt)
        ) {
          oldest = { tallies, key, touchedAt: tally.touchedAt };
        }
      }
      if (oldest === undefined) break;
      oldest.tallies.delete(oldest.key);
      size -= 1;
    }
  }
}
