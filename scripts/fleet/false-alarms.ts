// How often does the performance rule open by chance? Feeds an undisturbed simulated fleet (no
// scenarios) hour by hour through the real baseline model and the real detector rules, in process,
// and counts the performance problems opened on the location series, per week, for several
// "N of the last M" choices. Every one of them is a false alarm: nothing was slower than normal.
//
//   node scripts/fleet/false-alarms.ts --days 28 --seed 2026
import { parseArgs } from 'node:util';
import { fromAvroResult, toAvroResult } from '../../schemas/avro-mapping.ts';
import { hourOfWeek } from '../../schemas/hour-of-week.ts';
import type { BaselineBand, SynthResult } from '../../schemas/record-types.ts';
import { locationKey } from '../../schemas/series-key.ts';
import { validateTransactionResult } from '../../schemas/transaction-result.ts';
import { type Baseline, BaselineStore } from '../../workers/baseline/baseline-store.ts';
import { detectorOptions } from '../../workers/event-detector/detector-options.ts';
import { type DetectorState, emptyDetectorState } from '../../workers/event-detector/detector-state.ts';
import { observedRunOf } from '../../workers/event-detector/observed-run.ts';
import { detectRun } from '../../workers/event-detector/run-judgement.ts';
import { defaultSeasonality, type FleetPlan, fleetTransactions } from './fleet-plan.ts';
import { generateFleetResults } from './generator.ts';

const usage = `usage: node scripts/fleet/false-alarms.ts [--days N] [--seed N] [--transactions N]

Simulates an undisturbed fleet (every 5 minutes, 3 locations per transaction) ending now, judges
every run against the baseline learned from the runs before it (the model is fed hour by hour) and
prints, per rule variant, the performance problems opened by chance on the location series, by
week, and per series-day. Takes a few minutes for 28 days of 3 transactions.

options:
  --days N           days to simulate (default 28)
  --seed N           the fleet's seed (default 2026)
  --transactions N   transactions, each from 3 locations (default 3)
  --help             show this help
`;

const hourMs = 60 * 60 * 1000;
const weekMs = 7 * 24 * hourMs;
const variants = [
  { name: '3 of 5', open: 3, window: 5 },
  { name: '4 of 5', open: 4, window: 5 },
  { name: '5 of 5 (default)', open: 5, window: 5 },
];

function positive(name: string, text: string | undefined, fallback: number): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--${name} must be a positive integer, got '${text}'`);
  return value;
}

/** The runs as a worker sees them: validated as the gateway does, through the Avro mapping. */
function fleetRuns(plan: FleetPlan): SynthResult[] {
  const receivedAt = new Date();
  return [...generateFleetResults(plan)].map((payload) => {
    const validation = validateTransactionResult(payload, { now: receivedAt, defaultEnvironment: 'test' });
    if (!validation.ok)
      throw new Error(`the generator made an invalid result: ${JSON.stringify(validation)}`);
    return fromAvroResult(toAvroResult(validation.value, { receivedAt }).result);
  });
}

function bandOf(baseline: Baseline): BaselineBand | null {
  if (baseline.duration === null) return null;
  const { p10, p50, p90 } = baseline.duration;
  return { state: baseline.state, p10_ms: p10, p50_ms: p50, p90_ms: p90, samples: baseline.durationSamples };
}

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      days: { type: 'string' },
      seed: { type: 'string' },
      transactions: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const days = positive('days', values.days, 28);
  const transactions = fleetTransactions(positive('transactions', values.transactions, 3), 5);
  const to = new Date(Math.floor(Date.now() / hourMs) * hourMs);
  const plan: FleetPlan = {
    seed: positive('seed', values.seed, 2026),
    from: new Date(to.getTime() - days * 24 * hourMs),
    to,
    transactions,
    seasonality: defaultSeasonality,
    scenarios: [],
    environment: 'test',
  };
  const runs = fleetRuns(plan);
  const locationSeries = transactions.reduce((sum, t) => sum + t.locations.length, 0);
  process.stderr.write(
    `false-alarms: ${runs.length} runs, ${locationSeries} location series, ${days} days\n`,
  );

  const store = new BaselineStore(':memory:');
  const weeks = Math.ceil(days / 7);
  const judged = variants.map((variant) => ({
    ...variant,
    context: {
      options: detectorOptions({ performance: { open: variant.open, window: variant.window } }),
      maintenance: [],
    },
    state: emptyDetectorState() as DetectorState,
    opensByWeek: new Array<number>(weeks).fill(0),
  }));
  let next = 0;
  for (let sliceEnd = plan.from.getTime() + hourMs; next < runs.length; sliceEnd += hourMs) {
    const slice: SynthResult[] = [];
    for (; next < runs.length && (runs[next] as SynthResult).started_at.getTime() < sliceEnd; next += 1)
      slice.push(runs[next] as SynthResult);
    for (const run of slice) {
      const hour = hourOfWeek(run.started_at);
      const bands = {
        location: bandOf(store.baselineFor(`${run.transaction_id}|run|${locationKey(run.location)}`, hour)),
        overall: bandOf(store.baselineFor(`${run.transaction_id}|run|*`, hour)),
      };
      const week = Math.floor((run.started_at.getTime() - plan.from.getTime()) / weekMs);
      for (const variant of judged) {
        const judgement = detectRun(variant.state, observedRunOf(run), bands, variant.context);
        variant.state = judgement.state;
        for (const event of judgement.events)
          if (event.kind === 'performance' && event.action === 'open' && event.location !== null)
            variant.opensByWeek[week] = (variant.opensByWeek[week] ?? 0) + 1;
      }
    }
    store.ingest(slice);
  }
  store.close();

  process.stdout.write(`performance problems opened by chance on ${locationSeries} location series:\n`);
  for (const variant of judged) {
    const total = variant.opensByWeek.reduce((sum, n) => sum + n, 0);
    const perSeriesDay = total / locationSeries / days;
    process.stdout.write(
      `  ${variant.name.padEnd(17)} by week ${variant.opensByWeek.join(', ').padEnd(20)} ` +
        `${perSeriesDay.toFixed(3)} per series-day\n`,
    );
  }
}

main(process.argv.slice(2));
