// How scenarios change one scheduled run: its status and a duration multiplier.
import type { FleetLocation, FleetTransaction, Scenario } from './fleet-plan.ts';

const dayMs = 24 * 60 * 60 * 1000;

export interface ScenarioEffect {
  /** Set when a scenario forces the run to fail. */
  failure?: { reason: string; failingStep?: number };
  durationMultiplier: number;
}

function applies(scenario: Scenario, transaction: FleetTransaction, location: FleetLocation): boolean {
  return (
    (scenario.transactionId === undefined || scenario.transactionId === transaction.id) &&
    (scenario.robotName === undefined || scenario.robotName === location.robotName)
  );
}

function within(at: number, from: Date, to: Date, repeatEveryDays?: number): boolean {
  const start = from.getTime();
  const length = to.getTime() - start;
  if (at < start) return false;
  if (repeatEveryDays === undefined) return at < to.getTime();
  return (at - start) % (repeatEveryDays * dayMs) < length;
}

/** The effect of every scenario on the run scheduled at `slotAt` (the run's schedule slot). */
export function scenarioEffect(
  scenarios: readonly Scenario[],
  transaction: FleetTransaction,
  location: FleetLocation,
  slotAt: number,
): ScenarioEffect {
  const effect: ScenarioEffect = { durationMultiplier: 1 };
  for (const scenario of scenarios) {
    if (!applies(scenario, transaction, location)) continue;
    switch (scenario.kind) {
      case 'outage':
        if (within(slotAt, scenario.from, scenario.to)) {
          effect.failure ??= {
            reason: 'Service unavailable (simulated outage)',
            failingStep: scenario.failingStep,
          };
        }
        break;
      case 'maintenance':
        if (within(slotAt, scenario.from, scenario.to, scenario.repeatEveryDays)) {
          effect.failure ??= { reason: 'Service down for maintenance (simulated)' };
        }
        break;
      case 'flapping':
        if (within(slotAt, scenario.from, scenario.to)) {
          const slot = Math.floor((slotAt - scenario.from.getTime()) / (transaction.everyMinutes * 60_000));
          if (slot % 2 === 0) effect.failure ??= { reason: 'Intermittent error (simulated flapping)' };
        }
        break;
      case 'slow-regression': {
        const start = scenario.from.getTime();
        if (slotAt >= start) {
          const until = Math.min(slotAt, scenario.to?.getTime() ?? slotAt);
          effect.durationMultiplier *= 1 + (scenario.growthPerDay * (until - start)) / dayMs;
        }
        break;
      }
    }
  }
  return effect;
}

/** A week of demonstration trouble ending at `to`, one scenario per kind, on the first transactions. */
export function demoScenarios(transactions: readonly FleetTransaction[], to: Date): Scenario[] {
  const end = to.getTime();
  const at = (daysBeforeEnd: number, hour: number) => {
    const day = new Date(end - daysBeforeEnd * dayMs);
    day.setUTCHours(hour, 0, 0, 0);
    return day;
  };
  const scenarios: Scenario[] = [];
  const [first, second, third] = transactions;
  const frankfurt = 'robot-frankfurt-01';
  if (first !== undefined) {
    scenarios.push({
      kind: 'outage',
      transactionId: first.id,
      robotName: frankfurt,
      from: at(3, 10),
      to: new Date(at(3, 10).getTime() + 45 * 60_000),
    });
    const sundayNight = at(7, 2);
    sundayNight.setUTCDate(sundayNight.getUTCDate() - ((sundayNight.getUTCDay() + 7) % 7));
    scenarios.push({
      kind: 'maintenance',
      transactionId: first.id,
      from: sundayNight,
      to: new Date(sundayNight.getTime() + 60 * 60_000),
      repeatEveryDays: 7,
    });
  }
  if (second !== undefined) {
    scenarios.push({ kind: 'slow-regression', transactionId: second.id, from: at(5, 0), growthPerDay: 0.1 });
  }
  if (third !== undefined) {
    scenarios.push({
      kind: 'flapping',
      transactionId: third.id,
      robotName: 'robot-singapore-01',
      from: at(2, 14),
      to: at(2, 16),
    });
  }
  return scenarios;
}
