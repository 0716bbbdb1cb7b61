import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SynthResult } from '../../../../schemas/record-types.ts';
import { exposition } from '../../../../workers/metrics-store/sample.ts';
import { synthSamples } from '../../../../workers/metrics-store/synth-samples.ts';

const at = (iso: string) => new Date(iso);

const run: SynthResult = {
  result_id: 'r-1',
  transaction_id: 't-1',
  transaction_name: 'Login',
  service: 'webshop',
  project: null,
  robot_id: 'robot-1',
  robot_name: 'Amsterdam 1',
  location: { city: 'Amsterdam', region: null, country: 'NL', latitude: null, longitude: null },
  environment: 'production',
  started_at: at('2026-11-23T04:00:00.000Z'),
  finished_at: at('2026-11-23T04:00:04.500Z'),
  status: 'WARNING',
  error_code: null,
  error_message: null,
  target_duration_ms: 3000,
  steps: [
    {
      index: 0,
      name: 'open',
      started_at: at('2026-11-23T04:00:00.000Z'),
      finished_at: at('2026-11-23T04:00:01.250Z'),
      status: 'OK',
      error_message: null,
    },
    {
      index: 1,
      name: 'log in',
      started_at: at('2026-11-23T04:00:01.250Z'),
      finished_at: at('2026-11-23T04:00:04.500Z'),
      status: 'FAIL',
      error_message: 'timeout',
    },
  ],
  log: null,
  attributes: {},
  screenshots: [],
  received_at: at('2026-11-23T04:00:05.000Z'),
};

test('a run writes duration, status and success for itself and each step at their finish times', () => {
  const runLabels =
    'country="NL",city="Amsterdam",environment="production",robot="Amsterdam 1",robot_id="robot-1",service="webshop",transaction="Login",transaction_id="t-1"';
  const sorted = (labels: string) => labels.split(',').sort().join(',');
  const runAt = Date.parse('2026-11-23T04:00:04.500Z');
  const openAt = Date.parse('2026-11-23T04:00:01.250Z');
  const stepLabels = (index: number, name: string) =>
    sorted(`${runLabels},step_index="${index}",step="${name}"`);
  assert.deepEqual(synthSamples(run).map(exposition), [
    `primoart_synth_run_duration_seconds{${sorted(runLabels)}} 4.5 ${runAt}`,
    `primoart_synth_run_status{${sorted(runLabels)}} 1 ${runAt}`,
    `primoart_synth_run_success{${sorted(runLabels)}} 0 ${runAt}`,
    `primoart_synth_run_target_duration_seconds{${sorted(runLabels)}} 3 ${runAt}`,
    `primoart_synth_step_duration_seconds{${stepLabels(0, 'open')}} 1.25 ${openAt}`,
    `primoart_synth_step_status{${stepLabels(0, 'open')}} 0 ${openAt}`,
    `primoart_synth_step_success{${stepLabels(0, 'open')}} 1 ${openAt}`,
    `primoart_synth_step_duration_seconds{${stepLabels(1, 'log in')}} 3.25 ${runAt}`,
    `primoart_synth_step_status{${stepLabels(1, 'log in')}} 2 ${runAt}`,
    `primoart_synth_step_success{${stepLabels(1, 'log in')}} 0 ${runAt}`,
  ]);
});

test('the same run gives the same samples again, so a replay collapses onto them', () => {
  assert.deepEqual(synthSamples(run).map(exposition), synthSamples(structuredClone(run)).map(exposition));
});
