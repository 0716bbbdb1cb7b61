// What a simulated fleet is made of: transactions with steps and a schedule, run from locations,
// over a time range, with scenarios that disturb the normal behaviour.

export interface FleetLocation {
  city: string;
  region: string;
  country: string;
  latitude: number;
  longitude: number;
  robotId: string;
  robotName: string;
  /** Multiplies every duration measured from here (distance, slower network). */
  durationFactor: number;
}

export interface FleetStep {
  name: string;
  /** This step's share of the run's duration; the shares of a transaction sum to 1. */
  share: number;
}

export interface FleetTransaction {
  id: string;
  name: string;
  service: string;
  project: string;
  /** A run every this many minutes, aligned to the epoch (every 5 → :00, :05, …). */
  everyMinutes: number;
  /** Median run duration at seasonal factor 1 from a location with factor 1. */
  medianMs: number;
  /** Standard deviation of the duration's natural logarithm (log-normal shape). */
  sigma: number;
  targetDurationMs: number;
  /** Chance that an undisturbed run fails anyway. */
  failureRate: number;
  steps: FleetStep[];
  locations: FleetLocation[];
}

/** The hour-of-week rhythm shared by all transactions (see duration-model.ts). */
export interface Seasonality {
  /** Extra duration at the 13:00 UTC peak of a weekday's busy hours (0.35 → 35 % slower). */
  dailyAmplitude: number;
  /** Multiplier for Saturday and Sunday (quieter systems, faster runs). */
  weekendFactor: number;
}

interface ScenarioScope {
  /** Only this transaction; all when absent. */
  transactionId?: string;
  /** Only this location (its robotName); all when absent. */
  robotName?: string;
}

/** Every run in the window fails at `failingStep` (default: the last step). */
export interface OutageScenario extends ScenarioScope {
  kind: 'outage';
  from: Date;
  to: Date;
  failingStep?: number;
}

/** Durations grow linearly: multiplier 1 + growthPerDay × days since `from` (held after `to`). */
export interface SlowRegressionScenario extends ScenarioScope {
  kind: 'slow-regression';
  from: Date;
  to?: Date;
  growthPerDay: number;
}

/** Runs alternate FAIL, OK, FAIL, … by schedule slot inside the window. */
export interface FlappingScenario extends ScenarioScope {
  kind: 'flapping';
  from: Date;
  to: Date;
}

/**
 * Planned downtime: runs in the window fail (the system is down on purpose). With `repeatEveryDays`
 * the window recurs (7 → weekly). Alerting must be suppressed here while events are still recorded.
 */
export interface MaintenanceScenario extends ScenarioScope {
  kind: 'maintenance';
  from: Date;
  to: Date;
  repeatEveryDays?: number;
}

export type Scenario = OutageScenario | SlowRegressionScenario | FlappingScenario | MaintenanceScenario;

export interface FleetPlan {
  seed: number;
  /** Runs are scheduled in [from, to). */
  from: Date;
  to: Date;
  transactions: FleetTransaction[];
  seasonality: Seasonality;
  scenarios: Scenario[];
  environment: string;
}

export const defaultSeasonality: Seasonality = { dailyAmplitude: 0.35, weekendFactor: 0.85 };

export const fleetLocations: readonly FleetLocation[] = [
  {
    city: 'Frankfurt am Main',
    region: 'Hesse',
    country: 'DE',
    latitude: 50.1109,
    longitude: 8.6821,
    robotId: 'c4a1e7b2-8f3d-4a69-b5c0-1e2d3f4a5b01',
    robotName: 'robot-frankfurt-01',
    durationFactor: 1,
  },
  {
    city: 'Singapore',
    region: 'Singapore',
    country: 'SG',
    latitude: 1.3521,
    longitude: 103.8198,
    robotId: 'c4a1e7b2-8f3d-4a69-b5c0-1e2d3f4a5b02',
    robotName: 'robot-singapore-01',
    durationFactor: 1.6,
  },
  {
    city: 'New York',
    region: 'New York',
    country: 'US',
    latitude: 40.7128,
    longitude: -74.006,
    robotId: 'c4a1e7b2-8f3d-4a69-b5c0-1e2d3f4a5b03',
    robotName: 'robot-newyork-01',
    durationFactor: 1.25,
  },
];

const namedJourneys: ReadonlyArray<Pick<FleetTransaction, 'name' | 'service' | 'medianMs' | 'steps'>> = [
  {
    name: 'Checkout with saved card',
    service: 'webshop',
    medianMs: 9000,
    steps: [
      { name: 'Open start page', share: 0.25 },
      { name: 'Log in', share: 0.3 },
      { name: 'Pay with saved card', share: 0.45 },
    ],
  },
  {
    name: 'Search product',
    service: 'webshop',
    medianMs: 4000,
    steps: [
      { name: 'Open start page', share: 0.4 },
      { name: 'Search for "umbrella"', share: 0.6 },
    ],
  },
  {
    name: 'Employee portal login',
    service: 'intranet',
    medianMs: 6000,
    steps: [
      { name: 'Open portal', share: 0.3 },
      { name: 'Single sign-on', share: 0.5 },
      { name: 'Open dashboard', share: 0.2 },
    ],
  },
];

/** `count` transactions: the named journeys first, then numbered synthetic ones. */
export function fleetTransactions(count: number, everyMinutes = 5): FleetTransaction[] {
  const transactions: FleetTransaction[] = [];
  for (let i = 0; i < count; i++) {
    const journey = namedJourneys[i % namedJourneys.length] ?? namedJourneys[0];
    if (journey === undefined) break;
    const round = Math.floor(i / namedJourneys.length);
    transactions.push({
      ...journey,
      id: `2f0c9a8e-3b7d-4c15-a6e2-${(i + 1).toString(16).padStart(12, '0')}`,
      name: round === 0 ? journey.name : `${journey.name} #${round + 1}`,
      project: 'fleet-simulation',
      everyMinutes,
      sigma: 0.2,
      targetDurationMs: Math.round(journey.medianMs * 3),
      failureRate: 0.005,
      locations: [...fleetLocations],
    });
  }
  return transactions;
}
