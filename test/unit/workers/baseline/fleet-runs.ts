// Simulated runs for the baseline tests: the fleet generator's payloads, validated like the gateway
// does, so the model sees exactly what the pipeline would hand it.
import { validateTransactionResult } from '../../../../schemas/index.ts';
import type { ValidTransactionResult } from '../../../../schemas/record-types.ts';
import {
  defaultSeasonality,
  type FleetPlan,
  type FleetTransaction,
} from '../../../../scripts/fleet/fleet-plan.ts';
import { generateFleetResults } from '../../../../scripts/fleet/generator.ts';
import type { BaselineRun } from '../../../../workers/baseline/series.ts';

export const dayMs = 24 * 60 * 60 * 1000;

/** A Monday, so whole weeks fill every hour-of-week bucket equally. */
export const fleetStart = new Date('2026-10-26T00:00:00.000Z');

export function fleetPlan(
  transactions: FleetTransaction[],
  days: number,
  overrides: Partial<FleetPlan> = {},
): FleetPlan {
  return {
    seed: 2026,
    from: fleetStart,
    to: new Date(fleetStart.getTime() + days * dayMs),
    transactions,
    seasonality: defaultSeasonality,
    scenarios: [],
    environment: 'production',
    ...overrides,
  };
}

export function validatedRuns(plan: FleetPlan): ValidTransactionResult[] {
  const runs: ValidTransactionResult[] = [];
  for (const payload of generateFleetResults(plan)) {
    const validation = validateTransactionResult(payload, { now: plan.to, defaultEnvironment: 'production' });
    if (!validation.ok) throw new Error(`generated an invalid payload: ${JSON.stringify(validation.errors)}`);
    runs.push(validation.value);
  }
  return runs;
}

/** The robot of hand-made runs unless a test names another. */
export const handRobot = '00000000-0000-4000-8000-0000000000a1';

/** A hand-made run of one step, for tests that need exact control. */
export function handRun(
  resultId: string,
  startedAt: Date,
  durationMs: number,
  status: BaselineRun['status'] = 'OK',
  robotId = handRobot,
): BaselineRun {
  const finishedAt = new Date(startedAt.getTime() + durationMs);
  return {
    result_id: resultId,
    robot_id: robotId,
    transaction_id: '00000000-0000-4000-8000-000000000001',
    transaction_name: 'Hand-made journey',
    location: { city: 'Frankfurt am Main', region: 'Hesse', country: 'DE', latitude: null, longitude: null },
    started_at: startedAt,
    finished_at: finishedAt,
    status,
    steps: [
      {
        index: 0,
        name: 'Only step',
        started_at: startedAt,
        finished_at: finishedAt,
        status,
        error_message: null,
      },
    ],
  };
}
