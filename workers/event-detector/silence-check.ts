// No data: series that stopped reporting for longer than their schedule allows.

import { type MaintenanceWindow, maintenanceWindowAt } from '../../schemas/maintenance-window.ts';
import type { DetectedEvent } from '../../schemas/record-types.ts';
import type { DetectorOptions } from './detector-options.ts';
import type { DetectorState, SeriesState } from './detector-state.ts';
import { announceAfterMaintenance, describeSeries, openProblem } from './problem-transitions.ts';

export interface SilenceContext {
  options: DetectorOptions;
  maintenance: readonly MaintenanceWindow[];
  /** How often the series is expected to report (its transaction's schedule); undefined = not checked. */
  expectedIntervalMs(series: SeriesState): number | undefined;
}

/**
 * Opens a `no_data` problem (major) for every series silent for more than `missedIntervals` × its
 * interval. It clears when the series' next run is judged (`judgeRun`). Call it periodically with the
 * current time; calling it again for the same silence emits nothing new.
 */
export function detectSilence(
  state: DetectorState,
  now: Date,
  context: SilenceContext,
): { state: DetectorState; events: DetectedEvent[] } {
  const series = { ...state.series };
  const events: DetectedEvent[] = [];
  for (const [key, current] of Object.entries(state.series)) {
    const interval = context.expectedIntervalMs(current);
    if (interval === undefined || current.last_finished_at_ms === null) continue;
    const maintenance = maintenanceWindowAt(
      context.maintenance,
      { transaction_id: current.transaction_id, service: current.service },
      now,
    );
    const silentMs = now.getTime() - current.last_finished_at_ms;
    const allowedMs = interval * context.options.noData.missedIntervals;
    const problem = current.open.no_data;
    if (problem === undefined && silentMs > allowedMs) {
      const next = { ...current, open: { ...current.open } };
      const minutes = Math.floor(silentMs / 60_000);
      events.push(
        openProblem(next, 'major', {
          kind: 'no_data',
          at: now,
          result_id: current.last_result_id,
          robot_id: current.last_robot_id ?? null,
          value: `silent ${minutes} min`,
          text: `${describeSeries(next)} has not reported for ${minutes} min (expected every ${Math.round(interval / 1000)} s)`,
          baseline: null,
          maintenance,
        }),
      );
      series[key] = next;
    } else if (problem?.suppressed === true && maintenance === undefined) {
      const next = { ...current, open: { ...current.open } };
      events.push(
        ...announceAfterMaintenance(
          next,
          ['no_data'],
          now,
          { result_id: current.last_result_id, robot_id: current.last_robot_id ?? null },
          null,
        ),
      );
      series[key] = next;
    }
  }
  return { state: { ...state, series }, events };
}
