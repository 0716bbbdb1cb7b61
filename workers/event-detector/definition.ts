// event-detector: robot results from primoart.synth.results.v1 judged by the rules (run-judgement.ts)
// against the baselines of primoart.baselines.v1; the events are the write's output, which the
// harness produces to primoart.events.v1 (acks=all), then the changed series are persisted (the
// output's `produced`), then the harness commits. A crash between producing and persisting
// re-judges those runs after the restart from the older state and produces the same events with
// the same event_ids again: downstream (synth-store, the forwarder) upserts on event_id.
//
// The no-data check (`checkSilence`) works on the same state as a periodic task of the harness;
// the definition is `exclusive`, so a batch and a check never judge from the same state and
// overwrite each other.
import { Counter, Gauge, type Registry } from 'prom-client';
import { toEventRecord } from '../../schemas/event-records.ts';
import type { MaintenanceWindow } from '../../schemas/maintenance-window.ts';
import type {
  DetectedEvent,
  DetectedEventRecord,
  SynthResult,
  TransactionResultRecord,
} from '../../schemas/record-types.ts';
import { locationKey } from '../../schemas/series-key.ts';
import { topics } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import type { Output, WorkerDefinition } from '../harness.ts';
import { decodeByTopic, input } from '../inputs.ts';
import type { AlertSettings } from './alerting-config.ts';
import { type BaselineLookup, runBaselinesAt, runSeriesKeys } from './baseline-view.ts';
import type { DetectionSettings } from './detection-config.ts';
import {
  type DetectorState,
  locationOfLabel,
  type SeriesState,
  seriesKey,
  type TransactionState,
} from './detector-state.ts';
import { observedRunOf } from './observed-run.ts';
import { scheduleIntervalMs } from './schedule-interval.ts';
import type { DetectorStateStore } from './state-store.ts';
import {
  type DetectionContext,
  detectRun,
  detectSilentTransactions,
  forgetIdleSeries,
} from './transaction-judgement.ts';

/** The header naming which detector (its consumer group) judged an event. */
export const detectorHeader = 'primoart.detector';

export interface EventDetectorDeps {
  store: DetectorStateStore;
  codec: ValueCodec<TransactionResultRecord>;
  fromRecord(record: TransactionResultRecord): SynthResult;
  eventCodec: ValueCodec<DetectedEventRecord>;
  /** The series' baselines from the primoart.baselines.v1 view. */
  baselines: BaselineLookup;
  /** The cron of a transaction's definition (primoart.synth.definitions.v1), if it has one. */
  cronOf(transactionId: string): string | undefined;
  settings: DetectionSettings;
  alerts: AlertSettings;
  /** A series without a run for this long is forgotten, its problems cleared (`forgetIdleSeries`). */
  forgetAfterMs: number;
  /** The maintenance windows in force now (the config file's and the API's), read at every batch and check. */
  maintenance(): readonly MaintenanceWindow[];
  metrics: Registry;
  /**
   * Sent as the `primoart.detector` header: with detectors of different settings on one stack (a
   * trial of new thresholds, a test) the same run yields events with the same ids from each.
   */
  origin: string;
  /**
   * Whether the no-data check may run now: after a downtime the backlog is judged first, since its
   * runs would end the silences. Default: always.
   */
  silenceCheckDue?(): Promise<boolean>;
  now?: () => Date;
}

export interface EventDetector {
  definition: WorkerDefinition<SynthResult>;
  /** Opens no-data problems for series silent longer than their schedule allows: the events to produce. */
  checkSilence(): Promise<Output>;
}

function detectorMetrics(
  registry: Registry,
  state: () => DetectorState,
  deps: Pick<EventDetectorDeps, 'alerts'>,
) {
  return {
    events: new Counter({
      name: 'primoart_event_detector_events_total',
      help: 'Events produced to primoart.events.v1, suppressed ones included',
      labelNames: ['kind', 'action'] as const,
      registers: [registry],
    }),
    suppressed: new Counter({
      name: 'primoart_event_detector_suppressed_events_total',
      help: 'Events produced with suppressed: true (maintenance window, or a clear with no alert to close)',
      labelNames: ['kind', 'action'] as const,
      registers: [registry],
    }),
    open: new Gauge({
      name: 'primoart_event_detector_open_problems',
      help: 'Problems currently open (per transaction, or per series with alerts per location)',
      labelNames: ['kind'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const { series, transactions } = state();
        // What is alerted: the transactions' problems, or with alerts per location the series'.
        const units = deps.alerts.per === 'location' ? Object.values(series) : Object.values(transactions);
        for (const unit of units) for (const kind of Object.keys(unit.open)) this.inc({ kind });
      },
    }),
    series: new Gauge({
      name: 'primoart_event_detector_series',
      help: 'Series the detector keeps state for',
      registers: [registry],
      collect() {
        this.set(Object.keys(state().series).length);
      },
    }),
  };
}

export function eventDetector(deps: EventDetectorDeps): EventDetector {
  const now = deps.now ?? (() => new Date());
  const { options } = deps.settings;
  const context = (): DetectionContext => ({ options, alerts: deps.alerts, maintenance: deps.maintenance() });
  // How many fire times around the last run the allowed silence spans.
  const firesChecked = Math.ceil(options.noData.missedIntervals) + 1;
  let state = deps.store.load();
  const metrics = detectorMetrics(deps.metrics, () => state, deps);

  /** The events to produce; once they are, persist the series that changed and make `next` the state. */
  async function publication(
    next: DetectorState,
    events: DetectedEvent[],
    forgotten: { series: string[]; transactions: string[] } = { series: [], transactions: [] },
  ): Promise<Output> {
    const messages = await Promise.all(
      events.map(async (event) => ({
        topic: topics.events,
        key: event.transaction_id,
        value: await deps.eventCodec.encode(toEventRecord(event)),
        headers: { [detectorHeader]: deps.origin },
      })),
    );
    return {
      messages,
      produced() {
        const series = new Map<string, SeriesState>();
        for (const [key, s] of Object.entries(next.series)) if (state.series[key] !== s) series.set(key, s);
        const transactions = new Map<string, TransactionState>();
        for (const [id, t] of Object.entries(next.transactions))
          if (state.transactions[id] !== t) transactions.set(id, t);
        deps.store.save({
          series,
          transactions,
          forgottenSeries: forgotten.series,
          forgottenTransactions: forgotten.transactions,
        });
        state = next;
        for (const event of events) {
          const labels = { kind: event.kind, action: event.action };
          metrics.events.inc(labels);
          if (event.suppressed) metrics.suppressed.inc(labels);
        }
      },
    };
  }

  /** Judge runs in order on a working copy of the state (one copy per batch, not per run). */
  function judgeAll(runs: SynthResult[]): { state: DetectorState; events: DetectedEvent[] } {
    const series = { ...state.series };
    const transactions = { ...state.transactions };
    const judging = context();
    const events: DetectedEvent[] = [];
    for (const result of runs) {
      const run = observedRunOf(result);
      // detectRun sees only the run's transaction and its series: copying the whole state per run
      // would be quadratic.
      const transaction = transactions[run.transaction_id];
      const own: DetectorState = {
        version: 2,
        series: {},
        transactions: transaction === undefined ? {} : { [run.transaction_id]: transaction },
      };
      const keys = (transaction?.locations ?? []).map((label) =>
        seriesKey(run.transaction_id, locationOfLabel(label)),
      );
      for (const key of [...keys, seriesKey(run.transaction_id, run.location)]) {
        const known = series[key];
        if (known !== undefined) own.series[key] = known;
      }
      const baselines = runBaselinesAt(
        deps.baselines.get,
        run.transaction_id,
        run.location,
        result.started_at,
      );
      const judged = detectRun(own, run, baselines, judging);
      Object.assign(series, judged.state.series);
      Object.assign(transactions, judged.state.transactions);
      events.push(...judged.events);
    }
    return { state: { version: 2, series, transactions }, events };
  }

  const expectedIntervalMs = (series: SeriesState): number | undefined => {
    const cron = deps.cronOf(series.transaction_id);
    if (cron === undefined || series.last_finished_at_ms === null) return undefined;
    return scheduleIntervalMs(cron, series.last_finished_at_ms, firesChecked);
  };

  const checkSilence = (): Promise<Output> => {
    const at = now();
    const checking = context();
    const checked = detectSilentTransactions(state, at, { ...checking, expectedIntervalMs });
    const kept = forgetIdleSeries(checked.state, at, deps.forgetAfterMs, checking);
    return publication(kept.state, [...checked.events, ...kept.events], kept.forgotten);
  };
  const silenceCheckDue = deps.silenceCheckDue ?? (async () => true);

  return {
    definition: {
      name: 'event-detector',
      ...decodeByTopic('event-detector', [input(topics.synthResults, deps.codec, deps.fromRecord)]),
      async write(records) {
        const runs = records.map(({ record }) => record);
        const keys = runs.flatMap((run) => runSeriesKeys(run.transaction_id, locationKey(run.location)));
        await deps.baselines.prepare(keys);
        const judged = judgeAll(runs);
        return publication(judged.state, judged.events);
      },
      exclusive: true,
      periodic: [
        {
          name: 'no-data check',
          everyMs: deps.settings.noDataCheckIntervalMs,
          due: silenceCheckDue,
          run: async () => checkSilence(),
        },
      ],
    },
    checkSilence,
  };
}
