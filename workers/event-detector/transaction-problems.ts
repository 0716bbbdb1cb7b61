// From the series' state machines to what is alerted: one problem per transaction and kind.
//
// Each location series of a transaction keeps its own flap-safe state machine (run-judgement.ts,
// silence-check.ts) and emits its own transitions; they stay internal. A transaction's problem of
// a kind is open while any of its series has that kind open; each change of which locations fail
// (or of the severity that follows from it) updates the one problem with another `open` (Alerta
// updates the same alert: same resource and event), and it clears when no location fails any more.
// With `alerts.per: location` the series' transitions are the events, as they are.
import { type MaintenanceWindow, maintenanceWindowAt } from '../../schemas/maintenance-window.ts';
import type { DetectedEvent, EventKind, ProblemSeverity } from '../../schemas/record-types.ts';
import type { AlertSettings } from './alerting-config.ts';
import {
  locationOfLabel,
  type OpenProblem,
  rank,
  type SeriesState,
  seriesKey,
  type TransactionProblem,
  type TransactionState,
} from './detector-state.ts';
import { eventIdOf } from './event-id.ts';

export interface AlertContext {
  alerts: AlertSettings;
  maintenance: readonly MaintenanceWindow[];
}

/** What a transaction's events name it by. */
export interface TransactionNames {
  transaction_id: string;
  transaction_name: string;
  service: string;
  environment: string;
}

/** The transaction's record with the latest names and its series' locations (`labels`). */
export function transactionWith(
  previous: TransactionState | undefined,
  names: TransactionNames,
  labels: Iterable<string>,
): TransactionState {
  const locations = [...new Set([...(previous?.locations ?? []), ...labels])].sort();
  return {
    transaction_id: names.transaction_id,
    transaction_name: names.transaction_name,
    service: names.service,
    environment: names.environment,
    locations,
    open: { ...previous?.open },
    ...(previous?.performance_pooled === undefined
      ? {}
      : { performance_pooled: previous.performance_pooled }),
  };
}

/** How texts name a location: its city (the last part of `country/region/city`). */
export function placeOf(label: string): string {
  return label === '' ? '(no location)' : (label.split('/').at(-1) ?? label);
}

const placesShown = 5;

/** `Frankfurt am Main, Tokyo`; past five, `…, and 3 more`. */
export function placesOf(labels: readonly string[]): string {
  const shown = labels.slice(0, placesShown).map(placeOf).join(', ');
  return labels.length > placesShown ? `${shown} and ${labels.length - placesShown} more` : shown;
}

const phrases: Record<EventKind, string> = {
  availability: 'failing',
  performance: 'slow',
  degraded: 'degraded',
  no_data: 'not reporting',
};

function severityOf(
  kind: EventKind,
  failing: readonly string[],
  transaction: TransactionState,
  problemAt: (label: string) => OpenProblem | undefined,
  alerts: AlertSettings,
): ProblemSeverity {
  if (kind === 'performance') {
    // How much slower is the locations' own judgement (warning, major past the factor).
    let worst: ProblemSeverity = 'warning';
    for (const label of failing) {
      const severity = problemAt(label)?.severity;
      if (severity !== undefined && rank(severity) > rank(worst)) worst = severity;
    }
    return worst;
  }
  const widespread =
    failing.length >= transaction.locations.length ||
    (alerts.widespreadLocations > 0 && failing.length >= alerts.widespreadLocations);
  return alerts.severity[kind][widespread ? 'widespread' : 'local'];
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((item, i) => item === b[i]);

type Cause = Pick<DetectedEvent, 'occurred_at' | 'result_id' | 'robot_id' | 'baseline'>;

interface ProblemEvent {
  action: DetectedEvent['action'];
  kind: EventKind;
  severity: DetectedEvent['severity'];
  name: string;
  locations: string[];
  /** The series transition (or run) behind it. */
  cause: Cause;
  text: string;
  suppressed: boolean;
  maintenance: MaintenanceWindow | undefined;
  /** Tells apart the events of a rename from a change at the same run. */
  reason?: 'renamed';
  /** A location series' own problem (alerts per location); null or absent: the transaction's. */
  location?: string | null;
}

function transactionEvent(transaction: TransactionState, event: ProblemEvent): DetectedEvent {
  const { cause } = event;
  const total = transaction.locations.length;
  return {
    event_id: eventIdOf([
      transaction.transaction_id,
      'transaction',
      event.kind,
      event.action,
      event.severity,
      event.locations.join('\n'),
      event.name,
      event.reason ?? null,
      event.location ?? null,
      cause.robot_id,
      cause.result_id,
      cause.result_id === null ? cause.occurred_at.getTime() : null,
    ]),
    action: event.action,
    kind: event.kind,
    severity: event.severity,
    transaction_id: transaction.transaction_id,
    transaction_name: event.name,
    service: transaction.service,
    environment: transaction.environment,
    location: event.location ?? null,
    occurred_at: cause.occurred_at,
    result_id: cause.result_id,
    robot_id: cause.robot_id,
    value: event.action === 'open' ? `${event.locations.length}/${total} locations` : 'recovered',
    text: event.text,
    baseline: cause.baseline,
    suppressed: event.suppressed,
    maintenance_window_id: event.maintenance?.id ?? null,
    locations: event.locations,
    locations_total: total,
  };
}

/**
 * Folds the transitions of a transaction's series (those one run or one no-data check caused, in
 * order) into its problems. `series` gives the series' state after them. Returns the transaction
 * and the events to produce.
 */
export function foldTransitions(
  previous: TransactionState,
  series: (key: string) => SeriesState | undefined,
  transitions: readonly DetectedEvent[],
  context: AlertContext,
): { transaction: TransactionState; events: DetectedEvent[] } {
  const transaction: TransactionState = { ...previous, open: { ...previous.open } };
  if (context.alerts.per === 'location') {
    const total = transaction.locations.length;
    return { transaction, events: transitions.map((event) => ({ ...event, locations_total: total })) };
  }
  const problemAt = (kind: EventKind) => (label: string) =>
    series(seriesKey(transaction.transaction_id, locationOfLabel(label)))?.open[kind];
  const events: DetectedEvent[] = [];
  const kinds = [...new Set(transitions.map((t) => t.kind))];
  for (const kind of kinds) {
    const causes = transitions.filter((t) => t.kind === kind);
    const cause = causes.at(-1) as DetectedEvent;
    const failing = transaction.locations.filter((label) => problemAt(kind)(label) !== undefined);
    const known = transaction.open[kind];
    const maintenance = maintenanceWindowAt(
      context.maintenance,
      { transaction_id: transaction.transaction_id, service: transaction.service },
      cause.occurred_at,
    );
    const name = transaction.transaction_name;
    const latest = causes.map((t) => t.text).join('; ');
    if (failing.length === 0) {
      if (known === undefined) continue;
      delete transaction.open[kind];
      events.push(
        transactionEvent(transaction, {
          action: 'clear',
          kind,
          severity: 'normal',
          // The name the alert was opened under (the same unless a rename is half-way).
          name: known.name,
          locations: [],
          cause,
          text: `${known.name}: ${kind} problem cleared at every location (${latest})`,
          // Closing is not alerting: sent whenever an alert exists, inside a window too.
          suppressed: !known.announced,
          maintenance,
        }),
      );
      continue;
    }
    const severity = severityOf(kind, failing, transaction, problemAt(kind), context.alerts);
    // A location opened (or re-announced after maintenance) outside any window: news to alert.
    const alerting = causes.some((t) => t.action === 'open' && !t.suppressed);
    const changed = known === undefined || known.severity !== severity || !sameList(known.locations, failing);
    const announceNow = known?.suppressed === true && alerting;
    if (!changed && !announceNow) continue;
    // Outside a window, a change of a problem never alerted stays quiet until a location is bad
    // again (as a series' problem opened during maintenance does, problem-transitions.ts).
    const suppressed = maintenance !== undefined || (!(known?.announced ?? false) && !alerting);
    const problem: TransactionProblem = {
      severity,
      opened_at_ms: known?.opened_at_ms ?? cause.occurred_at.getTime(),
      announced: (known?.announced ?? false) || !suppressed,
      suppressed,
      locations: failing,
      name,
    };
    transaction.open[kind] = problem;
    const count = `${failing.length} of ${transaction.locations.length} location${transaction.locations.length === 1 ? '' : 's'}`;
    events.push(
      transactionEvent(transaction, {
        action: 'open',
        kind,
        severity,
        name,
        locations: failing,
        cause,
        text: `${name}: ${phrases[kind]} at ${placesOf(failing)} — ${count} (${latest})`,
        suppressed,
        maintenance,
      }),
    );
  }
  return { transaction, events };
}

/**
 * Alerta keys an alert on its resource, which carries the transaction's name (alert-body.ts): when
 * a transaction is renamed while a problem is open, that problem's alert is moved, a clear under
 * the old name and the same open under the new one, so no alert is left behind.
 */
export function renameProblems(
  previous: TransactionState,
  newName: string,
  run: Pick<DetectedEvent, 'occurred_at' | 'result_id' | 'robot_id'>,
  series: (key: string) => SeriesState | undefined,
  context: AlertContext,
): { transaction: TransactionState; events: DetectedEvent[] } {
  const transaction: TransactionState = { ...previous, open: { ...previous.open } };
  const events: DetectedEvent[] = [];
  // Inside a maintenance window the old alert is still closed (closing is not alerting), but the
  // new one is not raised: the problem goes on as one never announced, and is announced when a
  // location is bad again after the window.
  const maintenance = maintenanceWindowAt(
    context.maintenance,
    { transaction_id: transaction.transaction_id, service: transaction.service },
    run.occurred_at,
  );
  const move = (
    kind: EventKind,
    problem: {
      severity: ProblemSeverity;
      announced: boolean;
      oldName: string;
      locations: string[];
      location: string | null;
    },
  ) => {
    const base = {
      kind,
      cause: { ...run, baseline: null },
      maintenance,
      reason: 'renamed' as const,
      locations: problem.locations,
      location: problem.location,
    };
    const moved = [
      {
        ...base,
        action: 'clear' as const,
        severity: 'normal' as const,
        name: problem.oldName,
        locations: [],
        text: `${problem.oldName}: renamed to ${newName}; the problem continues under the new name`,
        suppressed: !problem.announced,
      },
      {
        ...base,
        action: 'open' as const,
        severity: problem.severity,
        name: newName,
        text: `${newName} (formerly ${problem.oldName}): ${phrases[kind]} at ${placesOf(problem.locations)}`,
        suppressed: !problem.announced || maintenance !== undefined,
      },
    ];
    for (const event of moved) events.push(transactionEvent(transaction, event));
    return problem.announced && maintenance === undefined;
  };
  if (context.alerts.per === 'location') {
    for (const label of transaction.locations) {
      const s = series(seriesKey(transaction.transaction_id, locationOfLabel(label)));
      if (s === undefined || s.transaction_name === newName) continue;
      for (const [kind, problem] of Object.entries(s.open) as Array<[EventKind, OpenProblem]>)
        if (problem.announced)
          move(kind, {
            ...problem,
            oldName: s.transaction_name,
            locations: [label],
            location: locationOfLabel(label),
          });
    }
  } else {
    for (const [kind, problem] of Object.entries(transaction.open) as Array<
      [EventKind, TransactionProblem]
    >) {
      if (problem.name === newName) continue;
      const raised = problem.announced && move(kind, { ...problem, oldName: problem.name, location: null });
      transaction.open[kind] = {
        ...problem,
        name: newName,
        announced: raised,
        suppressed: problem.suppressed || (problem.announced && !raised),
      };
    }
  }
  transaction.transaction_name = newName;
  return { transaction, events };
}
