// Renders a WeekChartData JSON file (dates as RFC 3339 strings) to a PNG.
//
//   node scripts/plot/week-chart.ts --in week.json --out docs/week.png
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { renderWeekChart, type WeekChartData } from './chart.ts';

const usage = `usage: node scripts/plot/week-chart.ts --in DATA.json --out CHART.png

Draws one transaction's week as a 1400×700 PNG: run durations against the baseline band
(p10–p90 shaded, p50 line), failed runs as red ticks on the time axis, and the alert timeline
(one row per problem, bars coloured by severity, maintenance shaded). Times are UTC.

DATA.json is a WeekChartData object (scripts/plot/README.md), dates as RFC 3339 strings:
  {"title": "…", "from": "…", "to": "…",
   "runs": [{"at", "durationMs", "status": "OK|WARNING|FAIL"}],
   "band": [{"at", "p10", "p50", "p90"}],
   "alerts": [{"problem", "severity", "from", "to": "…"|null, "suppressed"}],
   "maintenance": [{"from", "to"}]}

options:
  --in FILE    the data
  --out FILE   where to write the PNG
  --help       show this help
`;

function date(value: unknown, path: string): Date {
  const parsed = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(parsed.getTime()))
    throw new Error(`${path}: must be an RFC 3339 time, got ${JSON.stringify(value)}`);
  return parsed;
}

function finite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${path}: must be a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The objects of an optional array field. */
function objects(value: unknown, path: string): Fields[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${path}: must be an array`);
  return value.map((item, i) => {
    if (!isObject(item)) throw new Error(`${path}[${i}]: must be an object`);
    return item;
  });
}

function runStatus(value: unknown, path: string): WeekChartData['runs'][number]['status'] {
  if (value === 'OK' || value === 'WARNING' || value === 'FAIL') return value;
  throw new Error(`${path}: must be OK, WARNING or FAIL, got ${JSON.stringify(value)}`);
}

/** WeekChartData from parsed JSON; errors name the field, e.g. `runs[3].at`. */
export function weekChartDataFromJson(json: unknown): WeekChartData {
  if (!isObject(json)) throw new Error('the data must be a JSON object');
  return {
    title: String(json.title ?? ''),
    from: date(json.from, 'from'),
    to: date(json.to, 'to'),
    runs: objects(json.runs, 'runs').map((r, i) => ({
      at: date(r.at, `runs[${i}].at`),
      durationMs: finite(r.durationMs, `runs[${i}].durationMs`),
      status: runStatus(r.status, `runs[${i}].status`),
    })),
    band: objects(json.band, 'band').map((b, i) => ({
      at: date(b.at, `band[${i}].at`),
      p10: finite(b.p10, `band[${i}].p10`),
      p50: finite(b.p50, `band[${i}].p50`),
      p90: finite(b.p90, `band[${i}].p90`),
    })),
    alerts: objects(json.alerts, 'alerts').map((a, i) => ({
      problem: String(a.problem ?? ''),
      severity: String(a.severity ?? ''),
      from: date(a.from, `alerts[${i}].from`),
      to: a.to === null || a.to === undefined ? null : date(a.to, `alerts[${i}].to`),
      suppressed: a.suppressed === true,
    })),
    maintenance: objects(json.maintenance, 'maintenance').map((m, i) => ({
      from: date(m.from, `maintenance[${i}].from`),
      to: date(m.to, `maintenance[${i}].to`),
    })),
  };
}

function main(argv: string[]): number {
  let values: { in?: string; out?: string; help: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { in: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', default: false } },
      strict: true,
    }));
    if (!values.help && (values.in === undefined || values.out === undefined))
      throw new Error('--in and --out are needed');
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help || values.in === undefined || values.out === undefined) {
    process.stdout.write(usage);
    return 0;
  }
  try {
    const data = weekChartDataFromJson(JSON.parse(readFileSync(values.in, 'utf8')));
    writeFileSync(values.out, renderWeekChart(data));
  } catch (error) {
    process.stderr.write(`week-chart: ${values.in}: ${(error as Error).message}\n`);
    return 1;
  }
  process.stderr.write(`week-chart: wrote ${values.out}\n`);
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
