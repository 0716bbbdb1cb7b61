// Runs and baselines for the detector tests: one transaction at one location, a run a minute.

import type { MaintenanceWindow } from '../../../../schemas/maintenance-window.ts';
import type { BaselineBand, DetectedEvent } from '../../../../schemas/record-types.ts';
import { defaultAlertSettings } from '../../../../workers/event-detector/alerting-config.ts';
import { detectorOptions } from '../../../../workers/event-detector/detector-options.ts';
import { type DetectorState, emptyDetectorState } from '../../../../workers/event-detector/detector-state.ts';
import type { ObservedRun } from '../../../../workers/event-detector/observed-run.ts';
import {
  type DetectionContext,
  detectRun,
} from '../../../../workers/event-detector/transaction-judgement.ts';

export const start = Date.parse('2026-11-23T10:00:00Z'); // a Monday

export const readyBaseline: BaselineBand = {
  state: 'ready',
  p10_ms: 800,
  p50_ms: 1000,
  p90_ms: 1500,
  samples: 400,
};
export const learningBaseline: BaselineBand = { ...readyBaseline, state: 'learning', samples: 12 };

export function runAt(minute: number, overrides: Partial<ObservedRun> = {}): ObservedRun {
  return {
    result_id: `run-${minute}`,
    robot_id: 'robot-munich',
    transaction_id: 'tx-checkout',
    transaction_name: 'Checkout',
    service: 'webshop',
    environment: 'Production',
    location: 'DE/Bavaria/Munich',
    status: 'OK',
    duration_ms: 1000,
    finished_at: new Date(start + minute * 60_000),
    ...overrides,
  };
}

export function contextWith(maintenance: MaintenanceWindow[] = []): DetectionContext {
  return { options: detectorOptions(), alerts: defaultAlertSettings(), maintenance };
}

/** Feeds runs in order; returns every event and the final state. */
export function feed(
  runs: ObservedRun[],
  options: { baseline?: BaselineBand | null; context?: DetectionContext; state?: DetectorState } = {},
): { state: DetectorState; events: DetectedEvent[] } {
  let state = options.state ?? emptyDetectorState();
  const events: DetectedEvent[] = [];
  const baseline = options.baseline === undefined ? readyBaseline : options.baseline;
  for (const run of runs) {
    const next = detectRun(
      state,
      run,
      { location: baseline, overall: baseline },
      options.context ?? contextWith(),
    );
    state = next.state;
    events.push(...next.events);
  }
  return { state, events };
}

/** Events as `action kind severity` lines, easy to compare. */
export function timeline(events: DetectedEvent[]): string[] {
  return events.map((e) => `${e.action} ${e.kind} ${e.severity}`);
}

export function statuses(list: string): Array<ObservedRun['status']> {
  return list.split(' ').map((s) => (s === 'F' ? 'FAIL' : s === 'W' ? 'WARNING' : 'OK'));
}

export function runsWithStatuses(list: string, from = 0): ObservedRun[] {
  return statuses(list).map((status, i) => runAt(from + i, { status }));
}
