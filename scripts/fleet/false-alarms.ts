// How often does the performance rule open by chance, and how fast does it see a real slowdown?
// Feeds an undisturbed simulated fleet (no scenarios) hour by hour through the real baseline model
// and judges every location series with the real detector rule (`judgeRun`), in process, once per
// rule variant. Two tables:
//
// 1. chance alarms: performance problems opened on the undisturbed fleet, per week and per
//    series-day (every one is a false alarm: nothing was slower than normal);
// 2. detection delay: step slowdowns (× 1.25, × 1.5, × 2) injected at random times from the second
//    week on into random location series: a copy of the series' detector state at that moment is
//    fed the series' next runs slowed down, judged against the bands learned from the undisturbed
//    history, until the problem opens or `--max-runs` runs passed.
//
//   node scripts/fleet/false-alarms.ts --days 28 --seed 2026
import { parseArgs } from 'node:util';
import { locationKey } from '../../schemas/series-key.ts';
import {
  type DetectorOptions,
  defaultDetectorOptions,
  detectorOptions,
} from '../../workers/event-detector/detector-options.ts';
import type { SeriesState } from '../../workers/event-detector/detector-state.ts';
import { type ObservedRun, observedRunOf } from '../../workers/event-detector/observed-run.ts';
import { type JudgementContext, judgeRun } from '../../workers/event-detector/run-judgement.ts';
import { defaultSeasonality, type FleetPlan, fleetTransactions } from './fleet-plan.ts';
import { generateFleetResults } from './generator.ts';
import { runsWithBands, workerResultsOf } from './hourly-bands.ts';
import { seededRandom, streamSeed } from './random.ts';

const defaults = defaultDetectorOptions.performance;
const usage = `usage: node scripts/fleet/false-alarms.ts [options]

Simulates an undisturbed fleet (3 locations per transaction, a run every 5 minutes) ending now, judges
every run of every location series against the baseline learned from the runs before it (the model
is fed hour by hour) and prints, per performance rule, side by side:
  1. the performance problems opened by chance, by week and per series-day;
  2. the delay in runs until a step slowdown injected at a random time (from the second week on)
     into a random location series opens a problem: median, p90, and the share not opened within
     --max-runs runs, per magnitude.
Rules: "5 of 5" as before (count method against the published bands), the count method against the
steadied bands (what method: count does now), and the sequential method (the default).
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
  --help             show this help
`;

const hourMs = 60 * 60 * 1000;
const dayMs = 24 * hourMs;
const weekMs = 7 * dayMs;
const magnitudes = [1.25, 1.5, 2];

interface Rule {
  name: string;
  context: JudgementContext;
  /** Judge against the record's bands as published, not steadied (the detector before). */
  publishedBands: boolean;
}

interface Injection {
  seriesKey: string;
  atMs: number;
}

/** One injected slowdown for one rule: a copy of the series' state fed slowed runs. */
interface Fork {
  rule: number;
  magnitude: number;
  state: SeriesState | undefined;
  runs: number;
  /** Runs after the change until the open (1 = the first slowed run opened it); undefined yet. */
  delay?: number;
  done: boolean;
  /** The rule had a (chance) problem open when the slowdown began: not counted. */
  alreadyOpen?: boolean;
}

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

function quantileOf(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
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

  const options = (performance: Partial<DetectorOptions['performance']>) => ({
    options: detectorOptions({ performance }),
    maintenance: [],
  });
  const rules: Rule[] = [
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
      name: `sequential k ${cusum.k} h ${cusum.h}`,
      context: options({ method: 'sequential', cusum }),
      publishedBands: false,
    },
  ];
  const weeks = Math.ceil(days / 7);
  const states = rules.map(() => new Map<string, SeriesState>());
  const opensByWeek = rules.map(() => new Array<number>(weeks).fill(0));

  // The slowdowns: random series, random times from the second week on, leaving room for max-runs.
  const random = seededRandom(streamSeed(seed, 'injected regressions'));
  const injectFrom = fromMs + weekMs;
  const injectTo = to.getTime() - (maxRuns + 1) * everyMinutes * 60_000;
  const injections: Injection[] = [];
  if (injectTo > injectFrom) {
    for (let i = 0; i < regressions; i++) {
      injections.push({
        seriesKey: seriesKeys[Math.floor(random.next() * seriesKeys.length)] as string,
        atMs: injectFrom + Math.floor(random.next() * (injectTo - injectFrom)),
      });
    }
  }
  injections.sort((a, b) => a.atMs - b.atMs);
  let nextInjection = 0;
  const forks = new Map<string, Fork[]>();
  const finished: Fork[] = [];

  let lastProgressDay = -1;
  for (const { result, bands: band } of runsWithBands(runs, fromMs)) {
    const day = Math.floor((result.started_at.getTime() - fromMs) / dayMs);
    if (day !== lastProgressDay) {
      lastProgressDay = day;
      process.stderr.write(`  day ${day} of ${days}\n`);
    }
    const run = observedRunOf(result);
    const key = `${run.transaction_id}|${run.location}`;
    const startedMs = result.started_at.getTime();
    const week = Math.floor((startedMs - fromMs) / weekMs);
    // Slowdowns that begin with this run fork every rule's state of its series.
    for (
      ;
      nextInjection < injections.length && (injections[nextInjection] as Injection).atMs <= startedMs;
      nextInjection++
    ) {
      const injection = injections[nextInjection] as Injection;
      const list = forks.get(injection.seriesKey) ?? [];
      for (const [i] of rules.entries())
        for (const magnitude of magnitudes)
          list.push({
            rule: i,
            magnitude,
            state: states[i]?.get(injection.seriesKey),
            runs: 0,
            done: false,
          });
      forks.set(injection.seriesKey, list);
    }
    for (const [i, rule] of rules.entries()) {
      const baseline = (rule.publishedBands ? band?.published : band?.steadied) ?? null;
      const seriesStates = states[i] as Map<string, SeriesState>;
      const before = seriesStates.get(key);
      const judged = judgeRun(before, run, run.location, baseline, rule.context);
      seriesStates.set(key, judged.state);
      if (before?.open.performance === undefined && judged.state.open.performance !== undefined)
        (opensByWeek[i] as number[])[week] = ((opensByWeek[i] as number[])[week] ?? 0) + 1;
    }
    const active = forks.get(key);
    if (active === undefined) continue;
    for (const fork of active) {
      const rule = rules[fork.rule] as Rule;
      if (fork.runs === 0 && fork.state?.open.performance !== undefined) {
        fork.alreadyOpen = true;
        fork.done = true;
        continue;
      }
      const baseline = (rule.publishedBands ? band?.published : band?.steadied) ?? null;
      const slowed: ObservedRun = { ...run, duration_ms: run.duration_ms * fork.magnitude };
      fork.state = judgeRun(fork.state, slowed, run.location, baseline, rule.context).state;
      fork.runs += 1;
      if (fork.state.open.performance !== undefined) {
        fork.delay = fork.runs;
        fork.done = true;
      } else if (fork.runs >= maxRuns) fork.done = true;
    }
    const remaining = active.filter((fork) => !fork.done);
    finished.push(...active.filter((fork) => fork.done));
    if (remaining.length === 0) forks.delete(key);
    else forks.set(key, remaining);
  }
  for (const list of forks.values()) finished.push(...list);

  const out = (line: string) => process.stdout.write(`${line}\n`);
  const nameWidth = Math.max(...rules.map((r) => r.name.length)) + 2;
  const seriesDaysOfWeek = (w: number) => seriesKeys.length * Math.min(7, days - 7 * w);
  out(
    `1. Performance problems opened by chance: ${seriesKeys.length} location series, a run every ${everyMinutes} min, ${days} days to ${to.toISOString()}, seed ${seed}`,
  );
  out(
    `   (count in the week, and per series-day)\n${''.padEnd(nameWidth)}` +
      Array.from({ length: weeks }, (_, w) => cell(`week ${w + 1}`, 17)).join('') +
      cell('weeks 2+', 17),
  );
  for (const [i, rule] of rules.entries()) {
    const byWeek = opensByWeek[i] as number[];
    const later = byWeek.slice(1).reduce((sum, n) => sum + n, 0);
    const laterDays = seriesKeys.length * Math.max(0, days - 7);
    out(
      rule.name.padEnd(nameWidth) +
        byWeek.map((n, w) => cell(`${n} (${(n / seriesDaysOfWeek(w)).toFixed(4)})`, 17)).join('') +
        cell(laterDays === 0 ? '-' : `${later} (${(later / laterDays).toFixed(4)})`, 17),
    );
  }
  out('');
  out(
    `2. Runs from a step slowdown to the open: ${injections.length} slowdowns per magnitude at random times ` +
      `from week 2 on, median / p90 / not opened within ${maxRuns} runs`,
  );
  out(`${''.padEnd(nameWidth)}${magnitudes.map((m) => cell(`× ${m}`, 24)).join('')}`);
  for (const [i, rule] of rules.entries()) {
    const cells = magnitudes.map((magnitude) => {
      const mine = finished.filter((f) => f.rule === i && f.magnitude === magnitude && !f.alreadyOpen);
      const delays = mine
        .map((f) => f.delay)
        .filter((d): d is number => d !== undefined)
        .sort((a, b) => a - b);
      // Not opened counts as later than max-runs: the median and p90 are over all of them.
      const all = [
        ...delays,
        ...new Array<number>(mine.length - delays.length).fill(Number.POSITIVE_INFINITY),
      ];
      const show = (v: number | undefined) =>
        v === undefined ? '-' : Number.isFinite(v) ? String(v) : `>${maxRuns}`;
      const missed = mine.length === 0 ? 0 : (mine.length - delays.length) / mine.length;
      return cell(
        `${show(quantileOf(all, 0.5))} / ${show(quantileOf(all, 0.9))} / ${(100 * missed).toFixed(0)} %`,
        24,
      );
    });
    out(rule.name.padEnd(nameWidth) + cells.join(''));
  }
  const skipped = finished.filter((f) => f.alreadyOpen).length;
  if (skipped > 0)
    out(`(${skipped} rule × slowdown pairs left out: that rule had a chance problem open then)`);
}

main(process.argv.slice(2));
