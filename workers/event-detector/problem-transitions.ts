// Opening and clearing a problem of one series: the bookkeeping both the run rules and the
// silence check share (what an event carries, when it is suppressed, whether an alert exists).

import type { MaintenanceWindow } from '../../schemas/maintenance-window.ts';
import type { BaselineBand, DetectedEvent, EventKind, ProblemSeverity } from '../../schemas/record-types.ts';
import { locationLabel, type SeriesState } from './detector-state.ts';
import { eventIdOf } from './event-id.ts';

export interface Transition {
  kind: EventKind;
  at: Date;
  /** The run behind it; for no-data events the last run seen before the silence. */
  result_id: string | null;
  /** The robot of `result_id`. */
  robot_id: string | null;
  value: string;
  text: string;
  baseline: BaselineBand | null;
  maintenance: MaintenanceWindow | undefined;
}

function eventOf(
  series: SeriesState,
  transition: Transition,
  action: DetectedEvent['action'],
  severity: DetectedEvent['severity'],
  suppressed: boolean,
): DetectedEvent {
  return {
    event_id: eventIdOf([
      series.transaction_id,
      series.location,
      transition.kind,
      action,
      severity,
      transition.result_id,
      transition.result_id === null ? transition.at.getTime() : null,
    ]),
    action,
    kind: transition.kind,
    severity,
    transaction_id: series.transaction_id,
    transaction_name: series.transaction_name,
    service: series.service,
    environment: series.environment,
    location: series.location,
    occurred_at: transition.at,
    result_id: transition.result_id,
    robot_id: transition.robot_id,
    value: transition.value,
    text: transition.text,
    baseline: transition.baseline,
    suppressed,
    maintenance_window_id: transition.maintenance?.id ?? null,
    // A series' own problem names its location; the transaction's count is the aggregation's
    // (transaction-problems.ts), which sets it on the events it passes on as they are.
    locations: action === 'open' ? [locationLabel(series.location)] : [],
    locations_total: 1,
  };
}

/** Opens a problem, or re-announces it with a new severity or once its maintenance window is over. */
export function openProblem(
  series: SeriesState,
  severity: ProblemSeverity,
  transition: Transition,
): DetectedEvent {
  const suppressed = transition.maintenance !== undefined;
  const existing = series.open[transition.kind];
  series.open[transition.kind] = {
    severity,
    opened_at_ms: existing?.opened_at_ms ?? transition.at.getTime(),
    announced: (existing?.announced ?? false) || !suppressed,
    suppressed,
  };
  return eventOf(series, transition, 'open', severity, suppressed);
}

/**
 * Clears a problem. The clear is sent even inside a maintenance window when an alert was raised
 * (closing is not alerting); it is suppressed only when no unsuppressed open ever went out.
 */
export function clearProblem(series: SeriesState, transition: Transition): DetectedEvent {
  const existing = series.open[transition.kind];
  delete series.open[transition.kind];
  return eventOf(series, transition, 'clear', 'normal', !(existing?.announced ?? false));
}

/** How events name a series: `Checkout at DE/Bavaria/Munich`, `Checkout (all locations)`. */
export function describeSeries(series: SeriesState): string {
  return series.location === null
    ? `${series.transaction_name} (all locations)`
    : `${series.transaction_name} at ${series.location}`;
}

/** Suppressed problems still open, and still bad, once no window applies any more: announce them now. */
export function announceAfterMaintenance(
  series: SeriesState,
  kinds: readonly EventKind[],
  at: Date,
  run: { result_id: string | null; robot_id: string | null },
  baseline: BaselineBand | null,
): DetectedEvent[] {
  const events: DetectedEvent[] = [];
  for (const kind of kinds) {
    const problem = series.open[kind];
    if (problem === undefined || !problem.suppressed) continue;
    events.push(
      openProblem(series, problem.severity, {
        kind,
        at,
        ...run,
        value: 'still open',
        text: `${describeSeries(series)}: ${kind} problem opened during maintenance is still open`,
        baseline,
        maintenance: undefined,
      }),
    );
  }
  return events;
}
