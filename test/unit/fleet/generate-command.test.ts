import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fleetPlanFor, parseGenerateArguments } from '../../../scripts/fleet/generate.ts';

const script = fileURLToPath(new URL('../../../scripts/fleet/generate.ts', import.meta.url));
const now = new Date('2026-11-23T04:00:00.000Z');

test('arguments have documented defaults and --help asks for the usage', () => {
  assert.deepEqual(parseGenerateArguments([], now), {
    seed: 1,
    weeks: 4,
    transactions: 3,
    everyMinutes: 5,
    end: now,
    scenarios: false,
    out: undefined,
  });
  assert.equal(parseGenerateArguments(['--help'], now), undefined);
});

test('bad arguments are refused with the option named', () => {
  assert.throws(() => parseGenerateArguments(['--weeks', '0'], now), /--weeks must be a positive number/);
  assert.throws(
    () => parseGenerateArguments(['--transactions', '2.5'], now),
    /--transactions must be a positive integer/,
  );
  assert.throws(() => parseGenerateArguments(['--seed', 'x'], now), /--seed must be a non-negative integer/);
  assert.throws(() => parseGenerateArguments(['--end', 'yesterday'], now), /--end must be an RFC 3339 time/);
  assert.throws(() => parseGenerateArguments(['--colour'], now), /Unknown option '--colour'/);
});

test('the plan ends at --end and reaches back --weeks, with scenarios only when asked', () => {
  const options = parseGenerateArguments(['--weeks', '2', '--transactions', '4', '--scenarios'], now);
  assert.ok(options !== undefined);
  const plan = fleetPlanFor(options);
  assert.equal(plan.to, now);
  assert.equal(plan.from.toISOString(), '2026-11-09T04:00:00.000Z');
  assert.equal(plan.transactions.length, 4);
  assert.deepEqual(
    plan.scenarios.map((scenario) => scenario.kind),
    ['outage', 'maintenance', 'slow-regression', 'flapping'],
  );
  const quiet = parseGenerateArguments([], now);
  assert.ok(quiet !== undefined);
  assert.deepEqual(fleetPlanFor(quiet).scenarios, []);
});

test('the command writes one JSON payload per line to --out and reports progress', () => {
  const directory = mkdtempSync(join(tmpdir(), 'fleet-'));
  try {
    const out = join(directory, 'fleet.ndjson');
    const args = [
      '--seed',
      '9',
      '--weeks',
      '0.1',
      '--transactions',
      '1',
      '--end',
      now.toISOString(),
      '--out',
      out,
    ];
    const run = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    // 0.1 week = 16.8 h back from 04:00 is 11:12: slots 11:15 … 03:55 are 201, × 3 locations.
    assert.equal(lines.length, 201 * 3);
    for (const line of lines) assert.equal(JSON.parse(line).transaction_name, 'Checkout with saved card');
    assert.match(run.stderr, /100 %/);
    assert.match(run.stderr, new RegExp(`done: ${lines.length} results`));
    const again = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
    assert.equal(again.status, 0);
    assert.deepEqual(readFileSync(out, 'utf8').trimEnd().split('\n'), lines);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('--help prints the usage and exits 0; a bad option exits 2 with the usage', () => {
  const help = spawnSync(process.execPath, [script, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--seed N/);
  const bad = spawnSync(process.execPath, [script, '--weeks', '-1'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--weeks/);
  assert.match(bad.stderr, /usage:/);
});
