// How often does the performance rule open by chance, and how fast does it see a real slowdown?
// Feeds an undisturbed simulated fleet (no scenarios) hour by hour through the real baseline model
// and judges every run with the real detector (`detectRun`: the location series' rules, the
// locations judged together, one problem per transaction), in process, once per rule variant.
// Three tables:
//
// 1. chance alarms: transaction performance problems (what reaches Alerta) opened on the
//    undisturbed fleet, per week, per location-series-day and per transaction-day (every one is a
//    false alarm: nothing was slower than normal);
// 2. detection delay of a slowdown at one location: step slowdowns (× 1.25, × 1.5, × 2) injected at
//    random times from the second week on into random location series: a copy of the
//    transaction's detector state at that moment is fed its next runs, that location's slowed down,
//    judged against the bands learned from the undisturbed history, until its performance problem
//    opens or `--max-runs` runs of that location passed;
// 3. the same for a slowdown of the whole transaction (every location slowed), in rounds: one run
//    per location, the transaction's runs of one schedule slot.
//
//   node scripts/fleet/false-alarms.ts --days 28 --seed 2026
import { parseArgs } from 'node:util';
import { locationKey } from '../../schemas/series-key.ts';
import { defaultAlertSettings } from '../../workers/event-detector/alerting-config.ts';
import {
  type DetectorOptions,
  defaultDetectorOptions,
  detectorOptions,
} from '../../workers/event-detector/detector-options.ts';
import type { DetectionContext } from '../../workers/event-detector/transaction-judgement.ts';
import { defaultSeasonality, type FleetPlan, fleetTransactions } from './fleet-plan.ts';
import { generateFleetResults } from './generator.ts';
import { runsWithBands, workerResultsOf } from './hourly-bands.ts';
import { seededRandom, streamSeed } from './random.ts';
import {
  delaySummary,
  type JudgingRule,
  judgeSlowdowns,
  type Slowdown,
  type SlowdownScope,
} from './slowdowns.ts';

const defaults = defaultDetectorOptions.performance;
const usage = `usage: node scripts/fleet/false-alarms.ts [options]

Simulates an undisturbed fleet (3 locations per transaction, a run every 5 minutes) ending now, judges
every run of every location series against the baseline learned from the runs before it (the model
is fed hour by hour) and prints, per performance rule, side by side:
  1. the performance problems opened by chance, by week and per series-day;
  2. the delay in runs until a step slowdown injected at a random time (from the second week on)
     into a random location series opens a problem: median, p90, and the share not opened within
     --max-runs runs, per magnitude;
  3. the same for a slowdown of every location of a random transaction, in rounds (one run per
     location).
Rules: "5 of 5" as before (count method against the published bands), the count method against the
steadied bands (what method: count does now), the sequential method with each location judged
alone, and the sequential method with the locations also judged together (the default).
Takes about 3 minutes with the defaults.

options:
  --days N           days to simulate (default 28)
  --to TIME          when the simulated fleet ends, RFC 3339 (default: the current hour); fix it to
                     get the same figures again
  --seed N           the fleet's seed, also of the injected regressions (default 2026)
  --transactions N   transactions, each from 3 locations (default 10)
  --every-minutes N  the schedule of every transaction (default 5)
  --regressions N    slowdowns injected per magnitude (default 300)
  --max-runs N       runs after the change a slowdown may take to open (default 48)
  --cusum-k X        the sequential rule's allowance k in σ (default ${defaults.cusum.k})
  --cusum-h X        the sequential rule's threshold h in σ (default ${defaults.cusum.h})
  --pooled-h X       the threshold of the locations judged together (default ${defaults.cusum.pooledH})
  --help             show this help
`;

const hourMs = 60 * 60 * 1000;
const dayMs = 24 * hourMs;
const weekMs = 7 * dayMs;
const magnitudes = [1.25, 1.5, 2];

function positive(name: string, text: string | undefined, fallback: number): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--${name} must be a positive integer, got '${text}'`);
  return value;
}

function positiveNumber(name: string, text: string | undefined, fallback: number): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a number > 0, got '${text}'`);
  return value;
}

function cell(text: string, width: number): string {
  return text.padStart(width);
}

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      days: { type: 'string' },
      to: { type: 'string' },
      seed: { type: 'string' },
      transactions: { type: 'string' },
      regressions: { type: 'string' },
      'every-minutes': { type: 'string' },
      'max-runs': { type: 'string' },
      'cusum-k': { type: 'string' },
      'cusum-h': { type: 'string' },
      'pooled-h': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const days = positive('days', values.days, 28);
  const seed = positive('seed', values.seed, 2026);
  const regressions = positive('regressions', values.regressions, 300);
  const maxRuns = positive('max-runs', values['max-runs'], 48);
  const cusum = {
    k: positiveNumber('cusum-k', values['cusum-k'], defaults.cusum.k),
    h: positiveNumber('cusum-h', values['cusum-h'], defaults.cusum.h),
    pooledH: positiveNumber('pooled-h', values['pooled-h'], defaults.cusum.pooledH),
  };
  const everyMinutes = positive('every-minutes', values['every-minutes'], 5);
  const transactions = fleetTransactions(positive('transactions', values.transactions, 10), everyMinutes);
  const to = new Date(
    values.to === undefined ? Math.floor(Date.now() / hourMs) * hourMs : Date.parse(values.to),
  );
  if (Number.isNaN(to.getTime()) || to.getTime() > Date.now())
    throw new Error(`--to must be an RFC 3339 time not in the future, got '${values.to}'`);
  const plan: FleetPlan = {
    seed,
    from: new Date(to.getTime() - days * dayMs),
    to,
    transactions,
    seasonality: defaultSeasonality,
    scenarios: [],
    environment: 'test',
  };
  const fromMs = plan.from.getTime();
  const runs = workerResultsOf(generateFleetResults(plan));
  const seriesKeys = transactions.flatMap((t) => t.locations.map((l) => `${t.id}|${locationKey(l)}`));
  process.stderr.write(
    `false-alarms: ${runs.length} runs, ${seriesKeys.length} location series, ${days} days\n`,
  );

  const options = (performance: Partial<DetectorOptions['performance']>): DetectionContext => ({
    options: detectorOptions({ performance }),
    maintenance: [],
    alerts: defaultAlertSettings(),
  });
  const alone = { ...cusum, pooledH: 0 };
  const rules: JudgingRule[] = [
    {
      name: '5 of 5, published bands (before)',
      context: options({ method: 'count', open: 5, window: 5 }),
      publishedBands: true,
    },
    {
      name: '5 of 5, steadied bands (count)',
      context: options({ method: 'count', open: 5, window: 5 }),
      publishedBands: false,
    },
    {
      name: `sequential k ${cusum.k} h ${cusum.h}, alone`,
      context: options({ method: 'sequential', cusum: alone }),
      publishedBands: false,
    },
    {
      name: `sequential, together h ${cusum.pooledH}`,
      context: options({ method: 'sequential', cusum }),
      publishedBands: false,
    },
  ];
  const weeks = Math.ceil(days / 7);
  const opensByWeek = rules.map(() => new Array<number>(weeks).fill(0));

  // The slowdowns: random series (or transactions), random times from the second week on, leaving
  // room for max-runs.
  const random = seededRandom(streamSeed(seed, 'injected regressions'));
  const injectFrom = fromMs + weekMs;
  const injectTo = to.getTime() - (maxRuns + 1) * everyMinutes * 60_000;
  const slowdowns: Slowdown[] = [];
  if (injectTo > injectFrom) {
    for (let i = 0; i < regressions; i++) {
      const [transactionId, location] = (
        seriesKeys[Math.floor(random.next() * seriesKeys.length)] as string
      ).split('|') as [string, string];
      slowdowns.push({
        scope: 'location',
        transactionId,
        location,
        atMs: injectFrom + Math.floor(random.next() * (injectTo - injectFrom)),
      });
    }
    for (let i = 0; i < regressions; i++) {
      const transaction = transactions[Math.floor(random.next() * transactions.length)];
      slowdowns.push({
        scope: 'transaction',
        transactionId: transaction?.id as string,
        atMs: injectFrom + Math.floor(random.next() * (injectTo - injectFrom)),
      });
    }
  }
  slowdowns.sort((a, b) => a.atMs - b.atMs);
  const locationsOf = new Map(transactions.map((t) => [t.id, t.locations.length]));
  let lastProgressDay = -1;
  const finished = judgeSlowdowns(runsWithBands(runs, fromMs), {
    rules,
    slowdowns,
    magnitudes,
    maxRuns,
    locationsOf: (id) => locationsOf.get(id) ?? 1,
    onRun(result) {
      const day = Math.floor((result.started_at.getTime() - fromMs) / dayMs);
      if (day === lastProgressDay) return;
      lastProgressDay = day;
      process.stderr.write(`  day ${day} of ${days}\n`);
    },
    onChanceOpen(rule, result) {
      const week = Math.floor((result.started_at.getTime() - fromMs) / weekMs);
      (opensByWeek[rule] as number[])[week] = ((opensByWeek[rule] as number[])[week] ?? 0) + 1;
    },
  });

  const out = (line: string) => process.stdout.write(`${line}\n`);
  const nameWidth = Math.max(...rules.map((r) => r.name.length)) + 2;
  const perDay = (n: number, seriesDays: number) =>
    seriesDays === 0
      ? '-'
      : `${n} (${(n / seriesDays).toFixed(4)}/${(n / (seriesDays / (seriesKeys.length / transactions.length))).toFixed(3)})`;
  const weekDays = (w: number) => Math.min(7, days - 7 * w);
  out(
    `1. Performance problems opened by chance: ${transactions.length} transactions, ${seriesKeys.length} location series, a run every ${everyMinutes} min, ${days} days to ${to.toISOString()}, seed ${seed}`,
  );
  out(
    `   (transaction problems in the week, and per location-series-day / per transaction-day)\n${''.padEnd(nameWidth)}` +
      Array.from({ length: weeks }, (_, w) => cell(`week ${w + 1}`, 21)).join('') +
      cell('weeks 2+', 21),
  );
  for (const [i, rule] of rules.entries()) {
    const byWeek = opensByWeek[i] as number[];
    const later = byWeek.slice(1).reduce((sum, n) => sum + n, 0);
    out(
      rule.name.padEnd(nameWidth) +
        byWeek.map((n, w) => cell(perDay(n, seriesKeys.length * weekDays(w)), 21)).join('') +
        cell(perDay(later, seriesKeys.length * Math.max(0, days - 7)), 21),
    );
  }
  const delays = (scope: SlowdownScope, title: string) => {
    const count = slowdowns.filter((slowdown) => slowdown.scope === scope).length;
    out('');
    out(
      `${title}: ${count} slowdowns per magnitude at random times from week 2 on, median / p90 / not opened within ${maxRuns}`,
    );
    out(`${''.padEnd(nameWidth)}${magnitudes.map((m) => cell(`× ${m}`, 24)).join('')}`);
    const show = (v: number | undefined) =>
      v === undefined ? '-' : Number.isFinite(v) ? String(v) : `>${maxRuns}`;
    for (const [i, rule] of rules.entries()) {
      const cells = magnitudes.map((magnitude) => {
        const summary = delaySummary(finished, i, scope, magnitude);
        return cell(
          `${show(summary.median)} / ${show(summary.p90)} / ${(100 * summary.missed).toFixed(0)} %`,
          24,
        );
      });
      out(rule.name.padEnd(nameWidth) + cells.join(''));
    }
  };
  delays('location', '2. Runs of the slowed location from a slowdown at one location to the open');
  delays(
    'transaction',
    '3. Rounds (one run per location) from a slowdown of the whole transaction to the open',
  );
  const skipped = finished.filter((f) => f.alreadyOpen).length;
  if (skipped > 0)
    out(`(${skipped} rule × slowdown pairs left out: that rule had a chance problem open then)`);
}

main(process.argv.slice(2));
