// What the model keeps apart: one series per transaction and per step of it, each overall and per
// location; and how one run becomes one observation per series it belongs to.
import { hourOfWeek } from '../../schemas/hour-of-week.ts';
import type { SynthResult } from '../../schemas/record-types.ts';
import { locationKey, type SeriesId, seriesKey } from '../../schemas/series-key.ts';

/** The fields of a run the model reads; a stored SynthResult and a validated upload both fit. */
export type BaselineRun = Pick<
  SynthResult,
  | 'result_id'
  | 'robot_id'
  | 'transaction_id'
  | 'transaction_name'
  | 'location'
  | 'started_at'
  | 'finished_at'
  | 'status'
  | 'steps'
>;

export interface SeriesInfo extends SeriesId {
  key: string;
  transactionName: string;
  stepName: string | null;
}

export interface Observation {
  series: SeriesInfo;
  /** A run is (robotId, resultId): robots choose result ids, so two robots may send the same one. */
  robotId: string;
  resultId: string;
  atMs: number;
  hourOfWeek: number;
  /** null for a FAIL: its time says how long it took to fail, not how fast the journey is. */
  durationMs: number | null;
  failed: boolean;
}

/** One observation per series the run belongs to: the run and each step, overall and at its location. */
export function observationsOf(run: BaselineRun): Observation[] {
  const atMs = run.started_at.getTime();
  const bucket = hourOfWeek(atMs);
  const locations = [null, locationKey(run.location)].filter((location, i) => i === 0 || location !== null);
  const observations: Observation[] = [];
  for (const location of locations) {
    const runSeries = { transactionId: run.transaction_id, stepIndex: null, location };
    const runFailed = run.status === 'FAIL';
    observations.push({
      series: {
        ...runSeries,
        key: seriesKey(runSeries),
        transactionName: run.transaction_name,
        stepName: null,
      },
      robotId: run.robot_id,
      resultId: run.result_id,
      atMs,
      hourOfWeek: bucket,
      durationMs: runFailed ? null : run.finished_at.getTime() - atMs,
      failed: runFailed,
    });
    for (const step of run.steps) {
      const stepSeries = { transactionId: run.transaction_id, stepIndex: step.index, location };
      const stepFailed = step.status === 'FAIL';
      observations.push({
        series: {
          ...stepSeries,
          key: seriesKey(stepSeries),
          transactionName: run.transaction_name,
          stepName: step.name,
        },
        robotId: run.robot_id,
        resultId: run.result_id,
        atMs,
        hourOfWeek: bucket,
        durationMs: stepFailed ? null : step.finished_at.getTime() - step.started_at.getTime(),
        failed: stepFailed,
      });
    }
  }
  return observations;
}
