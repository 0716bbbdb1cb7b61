// `primoart test`: everything a contributor or CI runs, in order, failing early:
// lint + format check → type-check → start the stack the integration tests need → node's test
// runner over unit and integration tests in two phases: most files side by side, then the few that
// must run alone (serialIntegrationTests), one at a time. Each phase ends with a closing summary.
import { spawn } from 'node:child_process';
import { globSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const repo = join(import.meta.dirname, '..');
const node = process.execPath;
const bin = (name: string) => join(repo, 'node_modules', '.bin', name);

function run(
  label: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  process.stderr.write(`\nprimoart test: ${label}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repo, stdio: 'inherit', env });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function capture(command: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

/**
 * Integration files that run alone, after the others: each stops a service of the shared stack
 * (tests running meanwhile would fail), asserts what a shared topic holds (others publish to it),
 * or depends on timing or measures the machine (others' load would change it). Every other
 * integration file uses databases, consumer groups, buckets and processes of its own, so they run
 * side by side.
 */
export const serialIntegrationTests = [
  // Stops the stack's Kafka.
  'test/integration/kafka-outage.test.ts',
  // Stop the stack's MinIO and VictoriaLogs.
  'test/integration/minio-outage.test.ts',
  'test/integration/victoria-logs-outage.test.ts',
  // Refused requests publish nothing: the end offsets of shared topics must not move meanwhile.
  'test/integration/hostile-input.test.ts',
  'test/integration/upload-flow.test.ts',
  // Counts the records on the shared definitions topic (synth-store-catalogue publishes there).
  'test/integration/definitions.test.ts',
  // Rate limits: two requests must reach a token bucket within a second of each other.
  'test/integration/api-keys.test.ts',
  // The gateway's memory and event-loop delay under a soak: figures of this process alone.
  'test/integration/gateway-soak.test.ts',
  // Asserts every event of its fleet's transactions: a baseline or event detector of a file running
  // beside it reads the shared results topic too, judges the fleet's runs without the fleet's
  // maintenance window and publishes events (and baselines) of its own for them (seen: an extra
  // open/clear at Frankfurt for the maintenance hour).
  'test/integration/alerting.test.ts',
];

/** How many test files run at once in the first phase: on two cores, three keeps both busy. */
const defaultConcurrency = 3;

/** The test files of each phase, relative to the repository, sorted. */
export function testPhases(integration: boolean): { concurrent: string[]; serial: string[] } {
  const files = (pattern: string) => globSync(pattern, { cwd: repo }).sort();
  const unit = files('test/unit/**/*.test.ts');
  if (!integration) return { concurrent: unit, serial: [] };
  const all = files('test/integration/**/*.test.ts');
  const missing = serialIntegrationTests.filter((file) => !all.includes(file));
  if (missing.length > 0) throw new Error(`serialIntegrationTests names no such file: ${missing.join(', ')}`);
  return {
    concurrent: [...unit, ...all.filter((file) => !serialIntegrationTests.includes(file))],
    serial: serialIntegrationTests,
  };
}

/** Read `export NAME=value` lines as printed by `primoart env` (values single-quoted when needed). */
export function parseExportLines(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    const raw = match[2] ?? '';
    variables[match[1] ?? ''] = raw.startsWith("'") ? raw.slice(1, -1).replaceAll(`'\\''`, "'") : raw;
  }
  return variables;
}

export async function testCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'unit-only': { type: 'boolean', default: false },
      'state-dir': { type: 'string' },
      concurrency: { type: 'string', default: String(defaultConcurrency) },
    },
  });
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    process.stderr.write(
      `primoart test: --concurrency expects a whole number ≥ 1, got ${values.concurrency}\n`,
    );
    return 2;
  }
  const stateArgs = values['state-dir'] ? ['--state-dir', values['state-dir']] : [];
  const cli = join(repo, 'scripts', 'cli.ts');

  if ((await run('lint and format check (biome)', bin('biome'), ['check', '.'])) !== 0) return 1;
  // The import boundaries of README "Layout" (core ← schemas ← topics ← gateway, console, workers).
  if ((await run('import boundaries (dependency-cruiser)', bin('depcruise'), ['.'])) !== 0) return 1;
  if (
    (await run('type-check (tsc --noEmit, strict)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json'])) !== 0
  ) {
    return 1;
  }

  let env: NodeJS.ProcessEnv = process.env;
  if (!values['unit-only']) {
    if ((await run('start the local stack (primoart up)', node, [cli, 'up', ...stateArgs])) !== 0) return 1;
    // Integration tests run gateways and workers of their own; the stack's would consume the same
    // topics and write the same stores (a replay test would see two writers). `primoart up` brings
    // them back afterwards.
    const { projectProcessNames } = await import('../infra/stack/services/index.ts');
    const only = ['--only', projectProcessNames.join(',')];
    if (
      (await run("stop the stack's own gateway and workers", node, [cli, 'down', ...only, ...stateArgs])) !==
      0
    ) {
      return 1;
    }
    const printed = await capture(node, [cli, 'env', ...stateArgs]);
    if (printed.code !== 0) return 1;
    env = { ...process.env, ...parseExportLines(printed.stdout) };
  }
  const phases = testPhases(!values['unit-only']);
  const concurrent = await run(
    `tests, ${concurrency} files at a time: ${phases.concurrent.length} files`,
    node,
    ['--test', `--test-concurrency=${concurrency}`, ...phases.concurrent],
    env,
  );
  if (phases.serial.length === 0) return concurrent;
  // Run even after a failure above: the serial phase is short, and CI then reports every failure.
  const serial = await run(
    `tests that run alone, one at a time: ${phases.serial.join(' ')}`,
    node,
    ['--test', '--test-concurrency=1', ...phases.serial],
    env,
  );
  return concurrent !== 0 ? concurrent : serial;
}
