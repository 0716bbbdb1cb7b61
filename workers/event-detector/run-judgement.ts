// The flap-safe state machine: one run judged against its series' recent history and baseline.
//
// Problems open on "N of the last M runs" and clear on a run of clean runs, so a series alternating
// between FAIL and OK opens once and stays open instead of paging on every run. Performance judges
// the recent runs together against the band (performance-rule.ts).

import { type MaintenanceWindow, maintenanceWindowAt } from '../../schemas/maintenance-window.ts';
import type { BaselineBand, DetectedEvent, EventKind } from '../../schemas/record-types.ts';
import type { DetectorOptions } from './detector-options.ts';
import type { RememberedRun, SeriesState } from './detector-state.ts';
import type { ObservedRun } from './observed-run.ts';
import { performanceChange, scoreRun } from './performance-rule.ts';
import {
  announceAfterMaintenance,
  clearProblem,
  describeSeries,
  openProblem,
} from './problem-transitions.ts';

export interface JudgementContext {
  options: DetectorOptions;
  maintenance: readonly MaintenanceWindow[];
}

export interface SeriesJudgement {
  state: SeriesState;
  events: DetectedEvent[];
  /** Why the run changed nothing: already judged (same robot and result id), or older than the last judged run. */
  ignored?: 'duplicate' | 'older';
}

function emptySeries(run: ObservedRun, location: string | null): SeriesState {
  return {
    transaction_id: run.transaction_id,
    location,
    transaction_name: run.transaction_name,
    service: run.service,
    environment: run.environment,
    last_result_id: null,
    last_robot_id: null,
    last_finished_at_ms: null,
    recent: [],
    fail_free_streak: 0,
    ok_streak: 0,
    open: {},
  };
}

function copySeries(series: SeriesState): SeriesState {
  return { ...series, recent: [...series.recent], open: { ...series.open } };
}

/**
 * How many runs a series remembers: the longest rule window, and at least 20 so that the runs
 * inside the ordering grace are all known by id (a redelivered one is recognised, not re-judged).
 */
function rememberedRuns(options: DetectorOptions): number {
  return Math.max(options.availability.window, options.performance.window, options.degraded.window, 20);
}

/**
 * Whether a remembered run is `run` judged before: the same robot and result id (robots choose
 * result ids, so another robot's run with the same id is a run of its own and must be judged, or
 * it could hide a failure). A run remembered before robots were told apart has no robot_id: it is
 * the same run only when its figures are exactly `run`'s too (finish, status, duration), as a
 * redelivery's are; another robot's run with that id differs in them.
 */
export function isSameRun(remembered: RememberedRun, run: ObservedRun): boolean {
  if (remembered.result_id !== run.result_id) return false;
  if (remembered.robot_id !== undefined) return remembered.robot_id === run.robot_id;
  return (
    remembered.finished_at_ms === run.finished_at.getTime() &&
    remembered.status === run.status &&
    remembered.duration_ms === run.duration_ms
  );
}

/**
 * Judge one run for one series. Pure: the previous state is not modified. A run already judged
 * (`isSameRun`), or that finished before the last judged run of the series, changes nothing, so a
 * redelivery or a replay from an earlier offset cannot flip a state back.
 */
export function judgeRun(
  previous: SeriesState | undefined,
  run: ObservedRun,
  location: string | null,
  baseline: BaselineBand | null,
  context: JudgementContext,
): SeriesJudgement {
  const base = previous ?? emptySeries(run, location);
  if (
    (base.last_result_id === run.result_id && base.last_robot_id === run.robot_id) ||
    base.recent.some((remembered) => isSameRun(remembered, run))
  ) {
    return { state: base, events: [], ignored: 'duplicate' };
  }
  const finishedAtMs = run.finished_at.getTime();
  const { options } = context;
  if (
    base.last_finished_at_ms !== null &&
    finishedAtMs < base.last_finished_at_ms - options.ordering.graceMs
  ) {
    return { state: base, events: [], ignored: 'older' };
  }

  const series = copySeries(base);
  series.transaction_name = run.transaction_name;
  series.service = run.service;
  series.environment = run.environment;
  series.last_result_id = run.result_id;
  series.last_robot_id = run.robot_id;
  series.last_finished_at_ms = Math.max(finishedAtMs, base.last_finished_at_ms ?? finishedAtMs);
  const remembered: RememberedRun = {
    result_id: run.result_id,
    robot_id: run.robot_id,
    status: run.status,
    duration_ms: run.duration_ms,
    finished_at_ms: finishedAtMs,
    ...scoreRun(run.status, run.duration_ms, baseline, options.performance.majorFactor),
  };
  series.recent = [...series.recent, remembered].slice(-rememberedRuns(options));
  series.fail_free_streak = run.status === 'FAIL' ? 0 : series.fail_free_streak + 1;
  series.ok_streak = run.status === 'OK' ? series.ok_streak + 1 : 0;

  const maintenance = maintenanceWindowAt(
    context.maintenance,
    { transaction_id: run.transaction_id, service: run.service },
    run.finished_at,
  );
  const where = describeSeries(series);
  const transition = (kind: EventKind, value: string, text: string) => ({
    kind,
    at: run.finished_at,
    result_id: run.result_id,
    robot_id: run.robot_id,
    value,
    text,
    baseline,
    maintenance,
  });
  const events: DetectedEvent[] = [];
  const touched = new Set<EventKind>();

  if (series.open.no_data !== undefined) {
    events.push(clearProblem(series, transition('no_data', 'reporting', `${where} is reporting again`)));
    touched.add('no_data');
  }

  // Availability: FAIL in N of the last M runs; clears after K runs in a row without FAIL.
  const availability = options.availability;
  const failures = series.recent.slice(-availability.window).filter((r) => r.status === 'FAIL').length;
  if (series.open.availability === undefined && failures >= availability.open) {
    events.push(
      openProblem(
        series,
        'critical',
        transition(
          'availability',
          `${failures}/${availability.window} runs failed`,
          `${where} failed ${failures} of its last ${availability.window} runs`,
        ),
      ),
    );
    touched.add('availability');
  } else if (series.open.availability !== undefined && series.fail_free_streak >= availability.clearAfter) {
    events.push(
      clearProblem(
        series,
        transition(
          'availability',
          `${series.fail_free_streak} runs without FAIL`,
          `${where} recovered: ${series.fail_free_streak} runs in a row without FAIL`,
        ),
      ),
    );
    touched.add('availability');
  }

  // Performance (performance-rule.ts): judged runs only; an open problem stays as it is meanwhile.
  if (remembered.performance !== 'unjudged' && baseline !== null) {
    const change = performanceChange(series, remembered, baseline, options.performance, where);
    if (change?.action === 'open') {
      events.push(openProblem(series, change.severity, transition('performance', change.value, change.text)));
      touched.add('performance');
    } else if (change?.action === 'clear') {
      events.push(clearProblem(series, transition('performance', change.value, change.text)));
      touched.add('performance');
    }
  }

  // Degraded: WARNING in N of the last M runs; clears after K OK runs in a row.
  const degraded = options.degraded;
  const warnings = series.recent.slice(-degraded.window).filter((r) => r.status === 'WARNING').length;
  if (series.open.degraded === undefined && warnings >= degraded.open) {
    events.push(
      openProblem(
        series,
        'warning',
        transition(
          'degraded',
          `${warnings}/${degraded.window} runs WARNING`,
          `${where} ended with WARNING in ${warnings} of its last ${degraded.window} runs`,
        ),
      ),
    );
    touched.add('degraded');
  } else if (series.open.degraded !== undefined && series.ok_streak >= degraded.clearAfter) {
    events.push(
      clearProblem(
        series,
        transition(
          'degraded',
          `${series.ok_streak} runs OK`,
          `${where} recovered: ${series.ok_streak} runs in a row OK`,
        ),
      ),
    );
    touched.add('degraded');
  }

  if (maintenance === undefined) {
    // A problem opened during maintenance is alerted only when a run after the window is itself
    // bad in that way: the runs that broke inside the window were expected to break, and a
    // recovery right after it (still counted against the window's failures) is no news.
    const stillBad: Record<'availability' | 'performance' | 'degraded', boolean> = {
      availability: run.status === 'FAIL',
      performance: remembered.performance === 'slow' || remembered.performance === 'very_slow',
      degraded: run.status === 'WARNING',
    };
    const untouched = (['availability', 'performance', 'degraded'] as const).filter(
      (kind) => !touched.has(kind) && stillBad[kind],
    );
    events.push(...announceAfterMaintenance(series, untouched, run.finished_at, run, baseline));
  }
  return { state: series, events };
}
