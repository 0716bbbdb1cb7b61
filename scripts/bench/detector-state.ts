// The event detector's memory at scale: its state file written for N series (a transaction at a
// location, each remembering its last 20 runs, a few with open problems), then read back whole as
// a start does, in a fresh process each time: how long the read takes and how much heap the state
// holds, at N and at N/10 in the same run (the ratio shows whether it grows linearly), and one
// no-data check with the forgetting pass over the whole state (what runs every 30 s).
//
//   node scripts/bench/detector-state.ts --series 100000
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultAlertSettings } from '../../workers/event-detector/alerting-config.ts';
import { defaultDetectorOptions } from '../../workers/event-detector/detector-options.ts';
import {
  type RememberedRun,
  type SeriesState,
  seriesKey,
  type TransactionState,
} from '../../workers/event-detector/detector-state.ts';
import { DetectorStateStore } from '../../workers/event-detector/state-store.ts';
import {
  detectSilentTransactions,
  forgetIdleSeries,
} from '../../workers/event-detector/transaction-judgement.ts';

const usage = `usage: node scripts/bench/detector-state.ts [--series N] [--locations N]

Writes an event-detector state file of N series (N / locations transactions, each at that many
locations, every series remembering 20 runs, one transaction in 50 with an open problem), then,
each in a process of its own, reads it back as the worker does at start: the time and the heap it
takes, at N and at N/10. Then one no-data check and forgetting pass over the N series.

options:
  --series N      series (default 100000)
  --locations N   locations per transaction (default 3)
  --help          show this help
`;

const dayMs = 86_400_000;
const now = Date.parse('2026-12-01T12:00:00Z');

function writeState(file: string, seriesCount: number, locations: number): void {
  const store = new DetectorStateStore(file);
  const series = new Map<string, SeriesState>();
  const transactions = new Map<string, TransactionState>();
  const transactionCount = Math.ceil(seriesCount / locations);
  for (let t = 0; t < transactionCount; t++) {
    const id = `2f0c9a8e-3b7d-4c15-a6e2-${t.toString(16).padStart(12, '0')}`;
    const labels: string[] = [];
    const failing = t % 50 === 0;
    for (let l = 0; l < locations && series.size < seriesCount; l++) {
      const location = `C${l}/Region ${l}/City number ${l}`;
      labels.push(location);
      const recent: RememberedRun[] = Array.from({ length: 20 }, (_, i) => ({
        result_id: `5d8e2f4a-1b3c-4d5e-8f9a-${(t * 100 + i).toString(16).padStart(12, '0')}`,
        robot_id: `c4a1e7b2-8f3d-4a69-b5c0-${l.toString(16).padStart(12, '0')}`,
        status: failing && i > 16 ? 'FAIL' : 'OK',
        duration_ms: 4000 + ((i * 37) % 900),
        finished_at_ms: now - (20 - i) * 5 * 60_000,
        performance: failing && i > 16 ? 'unjudged' : 'within',
      }));
      const last = recent.at(-1) as RememberedRun;
      series.set(seriesKey(id, location), {
        transaction_id: id,
        location,
        transaction_name: `Journey ${t}`,
        service: `service-${t % 40}`,
        environment: 'production',
        last_result_id: last.result_id,
        last_robot_id: last.robot_id ?? null,
        last_finished_at_ms: last.finished_at_ms,
        recent,
        fail_free_streak: failing ? 0 : 20,
        ok_streak: failing ? 0 : 20,
        open:
          failing && l === 0
            ? {
                availability: { severity: 'critical', opened_at_ms: now, announced: true, suppressed: false },
              }
            : {},
      });
    }
    transactions.set(id, {
      transaction_id: id,
      transaction_name: `Journey ${t}`,
      service: `service-${t % 40}`,
      environment: 'production',
      locations: labels,
      open: failing
        ? {
            availability: {
              severity: 'major',
              opened_at_ms: now,
              announced: true,
              suppressed: false,
              locations: [labels[0] as string],
              name: `Journey ${t}`,
            },
          }
        : {},
    });
  }
  store.save({ series, transactions });
  store.close();
}

/** In a fresh process: read the file whole, as a start does; time, heap, and (with --check) one check. */
function measure(file: string, check: boolean): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const store = new DetectorStateStore(file);
  const state = store.load();
  const loadMs = performance.now() - started;
  gc();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  let checkMs: number | null = null;
  if (check) {
    const context = { options: defaultDetectorOptions, alerts: defaultAlertSettings(), maintenance: [] };
    const checkStarted = performance.now();
    const checked = detectSilentTransactions(state, new Date(now + 60_000), {
      ...context,
      expectedIntervalMs: () => 5 * 60_000,
    });
    forgetIdleSeries(checked.state, new Date(now + 60_000), 28 * dayMs, context);
    checkMs = performance.now() - checkStarted;
  }
  store.close();
  process.stdout.write(
    `${JSON.stringify({ series: Object.keys(state.series).length, loadMs, heapMb, checkMs, rssMb: process.memoryUsage().rss / 2 ** 20 })}\n`,
  );
}

interface Measured {
  series: number;
  loadMs: number;
  heapMb: number;
  checkMs: number | null;
  rssMb: number;
}

function measureInChild(file: string, check: boolean): Measured {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', import.meta.filename, '--measure', file, ...(check ? ['--check'] : [])],
    { encoding: 'utf8' },
  );
  if (child.status !== 0) throw new Error(`measuring ${file} failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '') as Measured;
}

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      series: { type: 'string' },
      locations: { type: 'string' },
      measure: { type: 'string' },
      check: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  if (values.measure !== undefined) {
    measure(values.measure, values.check === true);
    return;
  }
  const count = (name: string, text: string | undefined, fallback: number, least: number) => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(value) || value < least)
      throw new Error(`--${name} must be an integer ≥ ${least}, got '${text}'`);
    return value;
  };
  const seriesCount = count('series', values.series, 100_000, 10);
  const locations = count('locations', values.locations, 3, 1);
  const dir = mkdtempSync(join(tmpdir(), 'primoart-detector-state-'));
  try {
    const rows: Array<[string, Measured, number]> = [];
    for (const n of [Math.round(seriesCount / 10), seriesCount]) {
      const file = join(dir, `state-${n}.sqlite`);
      process.stderr.write(`detector-state: writing ${n} series\n`);
      writeState(file, n, locations);
      process.stderr.write(`detector-state: reading ${n} series back in a fresh process\n`);
      rows.push([`${n} series`, measureInChild(file, n === seriesCount), statSync(file).size / 2 ** 20]);
    }
    process.stdout.write(
      'state          file MB   start (load) ms   heap MB   heap KB/series   check+forget ms\n',
    );
    for (const [name, m, fileMb] of rows)
      process.stdout.write(
        `${name.padEnd(14)} ${fileMb.toFixed(0).padStart(7)}   ${m.loadMs.toFixed(0).padStart(15)}   ${m.heapMb.toFixed(0).padStart(7)}   ${((m.heapMb * 1024) / m.series).toFixed(1).padStart(14)}   ${m.checkMs === null ? '–'.padStart(15) : m.checkMs.toFixed(0).padStart(15)}\n`,
      );
    const [small, large] = rows.map(([, m]) => m);
    if (small !== undefined && large !== undefined)
      process.stdout.write(
        `ratio ×10 series: load ×${(large.loadMs / small.loadMs).toFixed(1)}, heap ×${(large.heapMb / small.heapMb).toFixed(1)}\n`,
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2));
