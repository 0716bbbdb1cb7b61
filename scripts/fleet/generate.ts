// primoart fleet generator: writes weeks of simulated robot results as NDJSON, one
// TransactionResult payload per line, with run timestamps in the past.
//
//   node scripts/fleet/generate.ts --seed 7 --weeks 4 --transactions 3 --out fleet.ndjson
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultSeasonality, type FleetPlan, fleetTransactions } from './fleet-plan.ts';
import { generateFleetResults, plannedRunCount } from './generator.ts';
import { demoScenarios } from './scenarios.ts';

/** The generator's options, shared by the generate and upload commands' help. */
export const generatorOptionsHelp = `  --seed N             random seed; the same seed gives the same results (default 1)
  --weeks N            weeks of history to simulate (default 4)
  --transactions N     number of transactions, each run from 3 locations (default 3)
  --every-minutes N    schedule: one run per transaction and location every N minutes (default 5)
  --end TIME           RFC 3339 end of the simulated range (default: now)
  --scenarios          add the demonstration scenarios in the last week (outage, slow
                       regression, flapping, weekly maintenance)
`;

const usage = `usage: node scripts/fleet/generate.ts [options]

Simulates a robot fleet and writes its TransactionResult payloads as NDJSON (one per line),
ordered by time, ending now (or at --end), so weeks of history can be uploaded in minutes.

options:
${generatorOptionsHelp}  --out FILE           write here instead of standard output
  --help               show this help
`;

export interface GenerateOptions {
  seed: number;
  weeks: number;
  transactions: number;
  everyMinutes: number;
  end: Date;
  scenarios: boolean;
  out: string | undefined;
}

export const defaultGenerateOptions = {
  seed: 1,
  weeks: 4,
  transactions: 3,
  everyMinutes: 5,
} as const;

function positiveNumber(name: string, text: string | undefined, fallback: number, integer = true): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got '${text}'`);
  }
  return value;
}

/** Parse the command line; undefined means --help was asked for. */
export function parseGenerateArguments(argv: string[], now: Date): GenerateOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      weeks: { type: 'string' },
      transactions: { type: 'string' },
      'every-minutes': { type: 'string' },
      end: { type: 'string' },
      scenarios: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const end = values.end === undefined ? now : new Date(values.end);
  if (Number.isNaN(end.getTime())) throw new Error(`--end must be an RFC 3339 time, got '${values.end}'`);
  const seedText = values.seed;
  const seed = seedText === undefined ? defaultGenerateOptions.seed : Number(seedText);
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`--seed must be a non-negative integer, got '${seedText}'`);
  return {
    seed,
    weeks: positiveNumber('weeks', values.weeks, defaultGenerateOptions.weeks, false),
    transactions: positiveNumber('transactions', values.transactions, defaultGenerateOptions.transactions),
    everyMinutes: positiveNumber(
      'every-minutes',
      values['every-minutes'],
      defaultGenerateOptions.everyMinutes,
    ),
    end,
    scenarios: values.scenarios,
    out: values.out,
  };
}

export function fleetPlanFor(options: GenerateOptions): FleetPlan {
  const transactions = fleetTransactions(options.transactions, options.everyMinutes);
  const weekMs = 7 * 24 * 60 * 60 * 1000;
  return {
    seed: options.seed,
    from: new Date(options.end.getTime() - options.weeks * weekMs),
    to: options.end,
    transactions,
    seasonality: defaultSeasonality,
    scenarios: options.scenarios ? demoScenarios(transactions, options.end) : [],
    environment: 'production',
  };
}

/** Write the plan's payloads as NDJSON to `fd`, reporting progress about every 5 %. */
export function writeFleetNdjson(plan: FleetPlan, fd: number, progress: (line: string) => void): number {
  const total = plannedRunCount(plan);
  const step = Math.max(1, Math.ceil(total / 20));
  let written = 0;
  let buffered: string[] = [];
  const flush = () => {
    if (buffered.length > 0) writeSync(fd, buffered.join(''));
    buffered = [];
  };
  for (const payload of generateFleetResults(plan)) {
    buffered.push(`${JSON.stringify(payload)}\n`);
    written++;
    if (buffered.length >= 1000) flush();
    if (written % step === 0 || written === total)
      progress(`${written}/${total} results (${Math.round((100 * written) / total)} %)`);
  }
  flush();
  return written;
}

/** `primoart fleet generate` and `node scripts/fleet/generate.ts`: the exit code. */
export function generateCommand(argv: string[]): number {
  let options: GenerateOptions | undefined;
  try {
    options = parseGenerateArguments(argv, new Date());
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(usage);
    return 0;
  }
  const plan = fleetPlanFor(options);
  const fd = options.out === undefined ? 1 : openSync(options.out, 'w');
  const progress = (line: string) => process.stderr.write(`fleet: ${line}\n`);
  progress(
    `seed ${plan.seed}, ${plan.transactions.length} transactions, ${plan.from.toISOString()} → ${plan.to.toISOString()}, ${plan.scenarios.length} scenarios`,
  );
  const written = writeFleetNdjson(plan, fd, progress);
  if (options.out !== undefined) closeSync(fd);
  progress(`done: ${written} results${options.out === undefined ? '' : ` in ${options.out}`}`);
  return 0;
}

if (import.meta.main) process.exitCode = generateCommand(process.argv.slice(2));
