// A fleet's runs judged in process as the pipeline would judge them: each run paired with the band
// of its series as the real baseline model (BaselineStore) had learned it from the runs of the
// hours before, both as the baseline worker publishes it and as the event detector steadies it
// when decoding. Used by false-alarms.ts and by the alerting test (to compare the rules before and
// now on its own fleet).
import { fromAvroResult, toAvroResult } from '../../schemas/avro-mapping.ts';
import { hourOfWeek } from '../../schemas/hour-of-week.ts';
import type {
  BaselineBand,
  SeriesBaselineRecord,
  SynthResult,
  TransactionResultPayload,
} from '../../schemas/record-types.ts';
import { locationKey } from '../../schemas/series-key.ts';
import { validateTransactionResult } from '../../schemas/transaction-result.ts';
import { toBaselineRecord } from '../../workers/baseline/baseline-record.ts';
import { BaselineStore } from '../../workers/baseline/baseline-store.ts';
import { bandOf } from '../../workers/event-detector/baseline-band.ts';
import { hourBaselinesOf } from '../../workers/event-detector/baseline-view.ts';

const hourMs = 60 * 60 * 1000;

/** The runs as a worker sees them: validated as the gateway does, through the Avro mapping. */
export function workerResultsOf(payloads: Iterable<TransactionResultPayload>): SynthResult[] {
  const receivedAt = new Date();
  return [...payloads].map((payload) => {
    const validation = validateTransactionResult(payload, { now: receivedAt, defaultEnvironment: 'test' });
    if (!validation.ok) throw new Error(`an invalid result: ${JSON.stringify(validation).slice(0, 2000)}`);
    return fromAvroResult(toAvroResult(validation.value, { receivedAt }).result);
  });
}

/** The band of one hour as the record publishes it (what the detector judged against before issue 13). */
export function publishedBand(record: SeriesBaselineRecord, hour: number): BaselineBand | null {
  const published = record.hours[hour];
  if (published === undefined) return null;
  const { p10_ms: p10, p50_ms: p50, p90_ms: p90, duration_samples } = published.band;
  return bandOf({
    state: record.state,
    duration: p10 === null || p50 === null || p90 === null ? null : { p10, p50, p90 },
    durationSamples: duration_samples,
  });
}

export interface RunBands {
  /** As the baseline worker publishes it. */
  published: BaselineBand | null;
  /** As the event detector judges against it (steadied when decoded, baseline-view.ts). */
  steadied: BaselineBand | null;
}

/**
 * The runs (in start order, from `fromMs`) an hour at a time, each with its location series' bands
 * learned from every run before its hour; the hour's runs are then learned from. Lazy: consume it
 * in order.
 */
export function* runsWithBands(
  runs: readonly SynthResult[],
  fromMs: number,
): Generator<{ result: SynthResult; bands: RunBands | undefined }> {
  const store = new BaselineStore(':memory:');
  try {
    let next = 0;
    for (let sliceEnd = fromMs + hourMs; next < runs.length; sliceEnd += hourMs) {
      const slice: SynthResult[] = [];
      for (; next < runs.length && (runs[next] as SynthResult).started_at.getTime() < sliceEnd; next += 1)
        slice.push(runs[next] as SynthResult);
      const hour = hourOfWeek(new Date(sliceEnd - hourMs));
      const seriesOf = (run: SynthResult) => `${run.transaction_id}|run|${locationKey(run.location)}`;
      // The records as the baseline worker would publish them now, of the series this hour runs.
      const bands = new Map<string, RunBands>();
      for (const baselines of store.listBaselines(new Set(slice.map(seriesOf)))) {
        const record = toBaselineRecord(baselines, new Date(sliceEnd));
        bands.set(baselines.series.key, {
          published: publishedBand(record, hour),
          steadied: bandOf(hourBaselinesOf(record)[hour]),
        });
      }
      for (const result of slice) yield { result, bands: bands.get(seriesOf(result)) };
      // Runs only: the step series do not change the run series' bands and would triple the work.
      store.ingest(slice.map((run) => ({ ...run, steps: [] })));
    }
  } finally {
    store.close();
  }
}
