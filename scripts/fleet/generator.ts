// Turns a fleet plan into TransactionResult payloads in the public contract's shape, in time order.
// Each transaction × location has its own random stream (seeded from the fleet seed and the pair's
// names), so adding a transaction does not change the runs of the others.
import type { StepPayload, TransactionResultPayload } from '../../schemas/record-types.ts';
import { drawDurationMs } from './duration-model.ts';
import type { FleetLocation, FleetPlan, FleetTransaction } from './fleet-plan.ts';
import { type RandomSource, seededRandom, streamSeed } from './random.ts';
import { scenarioEffect } from './scenarios.ts';

const minuteMs = 60_000;

/** Runs start up to this long after their schedule slot (robots are never exactly on time). */
const maxStartDelayMs = 20_000;

interface SeriesStream {
  transaction: FleetTransaction;
  location: FleetLocation;
  random: RandomSource;
}

function firstSlot(plan: FleetPlan): number {
  return Math.ceil(plan.from.getTime() / minuteMs) * minuteMs;
}

/** How many runs the plan produces (for progress output). */
export function plannedRunCount(plan: FleetPlan): number {
  let count = 0;
  for (const transaction of plan.transactions) {
    const every = transaction.everyMinutes * minuteMs;
    const first = Math.ceil(plan.from.getTime() / every) * every;
    const slots = first < plan.to.getTime() ? Math.ceil((plan.to.getTime() - first) / every) : 0;
    count += slots * transaction.locations.length;
  }
  return count;
}

function buildSteps(
  transaction: FleetTransaction,
  startedAt: number,
  durationMs: number,
  failure: { reason: string; failingStep?: number } | undefined,
): { steps: StepPayload[]; finishedAt: number } {
  const lastIndex =
    failure === undefined
      ? transaction.steps.length - 1
      : (failure.failingStep ?? transaction.steps.length - 1);
  const steps: StepPayload[] = [];
  let cumulativeShare = 0;
  let stepStart = startedAt;
  for (let index = 0; index <= lastIndex; index++) {
    const step = transaction.steps[index];
    if (step === undefined) break;
    cumulativeShare += step.share;
    const stepEnd = startedAt + Math.round(durationMs * cumulativeShare);
    const failed = failure !== undefined && index === lastIndex;
    steps.push({
      index,
      name: step.name,
      started_at: new Date(stepStart).toISOString(),
      finished_at: new Date(stepEnd).toISOString(),
      status: failed ? 'FAIL' : 'OK',
      ...(failed ? { error_message: failure.reason } : {}),
    });
    stepStart = stepEnd;
  }
  return { steps, finishedAt: stepStart };
}

function runPayload(plan: FleetPlan, stream: SeriesStream, slotAt: number): TransactionResultPayload {
  const { transaction, location, random } = stream;
  // Draw every random number for every run, whatever the scenario, so scenarios change only the
  // runs they cover and never shift the rest of a series.
  const resultId = random.uuid();
  const startedAt = slotAt + Math.floor(random.next() * maxStartDelayMs);
  const standardNormal = random.normal();
  const backgroundFailure = random.next() < transaction.failureRate;

  const effect = scenarioEffect(plan.scenarios, transaction, location, slotAt);
  const durationMs =
    drawDurationMs(transaction, location, new Date(startedAt), plan.seasonality, standardNormal) *
    effect.durationMultiplier;
  const failure =
    effect.failure ??
    (backgroundFailure ? { reason: 'Element not found (simulated)', failingStep: 0 } : undefined);
  const { steps, finishedAt } = buildSteps(transaction, startedAt, durationMs, failure);
  const status =
    failure !== undefined ? 'FAIL' : durationMs > transaction.targetDurationMs ? 'WARNING' : 'OK';

  return {
    result_id: resultId,
    transaction_id: transaction.id,
    transaction_name: transaction.name,
    service: transaction.service,
    project: transaction.project,
    robot_id: location.robotId,
    robot_name: location.robotName,
    location: {
      city: location.city,
      region: location.region,
      country: location.country,
      latitude: location.latitude,
      longitude: location.longitude,
    },
    environment: plan.environment,
    started_at: new Date(startedAt).toISOString(),
    finished_at: new Date(finishedAt).toISOString(),
    status,
    ...(failure !== undefined ? { error_message: failure.reason } : {}),
    target_duration_ms: transaction.targetDurationMs,
    steps,
    attributes: { generator: 'primoart-fleet', seed: String(plan.seed) },
  };
}

/** Every run of the plan, ordered by schedule slot, then transaction, then location. */
export function* generateFleetResults(plan: FleetPlan): Generator<TransactionResultPayload> {
  const streams = plan.transactions.map((transaction) =>
    transaction.locations.map(
      (location): SeriesStream => ({
        transaction,
        location,
        random: seededRandom(streamSeed(plan.seed, `${transaction.id}|${location.robotName}`)),
      }),
    ),
  );
  const end = plan.to.getTime();
  for (let slotAt = firstSlot(plan); slotAt < end; slotAt += minuteMs) {
    const minute = slotAt / minuteMs;
    for (const [i, transaction] of plan.transactions.entries()) {
      if (minute % transaction.everyMinutes !== 0) continue;
      for (const stream of streams[i] ?? []) yield runPayload(plan, stream, slotAt);
    }
  }
}
