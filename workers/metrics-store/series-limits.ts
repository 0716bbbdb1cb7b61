// What VictoriaMetrics would drop or skip without telling the sender, made to fit before writing,
// and every change counted. VictoriaMetrics answers 204 for an import even when it leaves out a
// series with more labels than -maxLabelsPerTimeseries, a label name or value over its length
// limit, or a sample outside the time it keeps; the worker cannot see that afterwards, so it keeps
// every sample within those limits here, deterministically (a replay makes the same choices).
import { createHash } from 'node:crypto';
import type { Sample } from './sample.ts';

/** Set when labels were left out: a hash of the names and values that were (README "Metrics"). */
export const droppedLabelsLabel = 'dropped_labels_sha256';

/** VictoriaMetrics' defaults (single node v1.143: -maxLabelsPerTimeseries etc.); the stack keeps them. */
export const seriesLimits = {
  /** Labels per series, `__name__` included. */
  maxLabels: 40,
  maxLabelNameBytes: 256,
  maxLabelValueBytes: 4 * 1024,
  /**
   * Samples further in the future than this are refused by VictoriaMetrics; the margin keeps a
   * point from a client whose clock runs a little fast.
   */
  maxFutureMs: 2 * 24 * 3600 * 1000,
} as const;

/** Why a sample or a label was changed or left out; the `reason` label of the worker's counters. */
export type SeriesAdjustment =
  | 'label_over_limit_dropped'
  | 'label_name_shortened'
  | 'label_value_shortened'
  | 'name_shortened'
  | 'time_out_of_range_dropped'
  | 'nan_value_dropped';

export type AdjustmentCounter<Reason extends string = SeriesAdjustment> = (
  reason: Reason,
  count?: number,
) => void;

/**
 * Label names PrimoART sets itself. They are kept before any label that came from client data when
 * a series has more labels than VictoriaMetrics keeps (the rest are kept by name order).
 */
const ownLabels = [
  'job',
  'instance',
  'le',
  'quantile',
  'otel_scope_name',
  'otel_scope_version',
  'service',
  'operation',
  'span_kind',
  'status_code',
  'transaction_id',
  'transaction',
  'step_index',
  'step',
  'location',
];
const ownRank = new Map(ownLabels.map((name, index) => [name, index]));

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * A text over `maxBytes` becomes its longest prefix that fits with `~` and 16 hex digits of its
 * SHA-256: still readable, still distinct from every other shortened text, the same on every replay.
 */
export function shortened(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const room = maxBytes - digest.length - 1;
  let prefix = Buffer.from(text, 'utf8').subarray(0, room).toString('utf8');
  // A character cut in half decodes to U+FFFD (3 bytes): drop it so the prefix is a real prefix.
  while (prefix.endsWith('\uFFFD') || utf8Bytes(prefix) > room) prefix = prefix.slice(0, -1);
  return `${prefix}~${digest}`;
}

/** For names (metric and label): `_` and hex keep them within [a-zA-Z0-9_:]. */
function shortenedName(name: string, maxBytes: number): string {
  return shortened(name, maxBytes).replace('~', '_');
}

function rank(name: string): [number, string] {
  return [ownRank.get(name) ?? ownLabels.length, name];
}

/**
 * The sample as VictoriaMetrics will keep it, or null when its time is one it does not keep or its
 * value is NaN.
 * Each change is reported to `count`.
 */
export function withinSeriesLimits(sample: Sample, count: AdjustmentCounter, nowMs: number): Sample | null {
  if (
    !Number.isFinite(sample.timestampMs) ||
    sample.timestampMs < 0 ||
    sample.timestampMs > nowMs + seriesLimits.maxFutureMs
  ) {
    count('time_out_of_range_dropped');
    return null;
  }
  // VictoriaMetrics stores no NaN (it is Prometheus' staleness marker): said here, not lost unseen.
  if (Number.isNaN(sample.value)) {
    count('nan_value_dropped');
    return null;
  }
  let name = sample.name;
  if (utf8Bytes(name) > seriesLimits.maxLabelValueBytes) {
    name = shortenedName(name, seriesLimits.maxLabelValueBytes);
    count('name_shortened');
  }
  const present = Object.keys(sample.labels).filter((label) => sample.labels[label] !== '');
  const fits =
    present.length < seriesLimits.maxLabels &&
    present.every(
      (label) =>
        utf8Bytes(label) <= seriesLimits.maxLabelNameBytes &&
        utf8Bytes(sample.labels[label] ?? '') <= seriesLimits.maxLabelValueBytes,
    );
  if (fits && name === sample.name) return sample;
  if (fits) return { ...sample, name };

  const ordered = present.sort((a, b) => {
    const [rankA, nameA] = rank(a);
    const [rankB, nameB] = rank(b);
    return rankA - rankB || (nameA < nameB ? -1 : nameA > nameB ? 1 : 0);
  });
  // Over the limit, one slot goes to a hash of what was left out: points that differ only in
  // dropped labels stay distinct series instead of overwriting each other at one timestamp.
  const overLimit = ordered.length > seriesLimits.maxLabels - 1;
  const kept = ordered.slice(0, seriesLimits.maxLabels - (overLimit ? 2 : 1));
  const labels: Record<string, string> = {};
  if (overLimit) {
    const left = ordered.slice(kept.length).map((label) => `${label}=${sample.labels[label] ?? ''}`);
    count('label_over_limit_dropped', left.length);
    labels[droppedLabelsLabel] = createHash('sha256').update(left.join('\n')).digest('hex').slice(0, 16);
  }
  for (const label of kept) {
    let labelName = label;
    let value = sample.labels[label] ?? '';
    if (utf8Bytes(labelName) > seriesLimits.maxLabelNameBytes) {
      labelName = shortenedName(labelName, seriesLimits.maxLabelNameBytes);
      count('label_name_shortened');
    }
    if (utf8Bytes(value) > seriesLimits.maxLabelValueBytes) {
      value = shortened(value, seriesLimits.maxLabelValueBytes);
      count('label_value_shortened');
    }
    labels[labelName] = value;
  }
  return { ...sample, name, labels };
}
