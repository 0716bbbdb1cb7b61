// A robot run (primoart.synth.results.v1) → samples for the run and each step at its finish time.
// See README "Metrics" for every name and label.
import type { RunStatus, SynthResult } from '../../schemas/record-types.ts';
import type { Sample } from './sample.ts';

/** The value of the *_status series: 0 OK, 1 WARNING, 2 FAIL (higher is worse, so max() works). */
export const statusValues: Record<RunStatus, number> = { OK: 0, WARNING: 1, FAIL: 2 };

const seconds = (from: Date, to: Date): number => (to.getTime() - from.getTime()) / 1000;

export function runLabels(run: SynthResult): Record<string, string> {
  return {
    transaction_id: run.transaction_id,
    transaction: run.transaction_name,
    service: run.service,
    project: run.project ?? '',
    robot_id: run.robot_id,
    robot: run.robot_name ?? '',
    city: run.location?.city ?? '',
    region: run.location?.region ?? '',
    country: run.location?.country ?? '',
    environment: run.environment,
  };
}

export function synthSamples(run: SynthResult): Sample[] {
  const labels = runLabels(run);
  const at = run.finished_at.getTime();
  const samples: Sample[] = [
    {
      name: 'primoart_synth_run_duration_seconds',
      labels,
      value: seconds(run.started_at, run.finished_at),
      timestampMs: at,
    },
    { name: 'primoart_synth_run_status', labels, value: statusValues[run.status], timestampMs: at },
    { name: 'primoart_synth_run_success', labels, value: run.status === 'OK' ? 1 : 0, timestampMs: at },
  ];
  if (run.target_duration_ms !== null) {
    samples.push({
      name: 'primoart_synth_run_target_duration_seconds',
      labels,
      value: run.target_duration_ms / 1000,
      timestampMs: at,
    });
  }
  for (const step of run.steps) {
    const stepLabels = { ...labels, step_index: String(step.index), step: step.name };
    const stepAt = step.finished_at.getTime();
    samples.push(
      {
        name: 'primoart_synth_step_duration_seconds',
        labels: stepLabels,
        value: seconds(step.started_at, step.finished_at),
        timestampMs: stepAt,
      },
      {
        name: 'primoart_synth_step_status',
        labels: stepLabels,
        value: statusValues[step.status],
        timestampMs: stepAt,
      },
      {
        name: 'primoart_synth_step_success',
        labels: stepLabels,
        value: step.status === 'OK' ? 1 : 0,
        timestampMs: stepAt,
      },
    );
  }
  return samples;
}
