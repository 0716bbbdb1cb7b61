// `primoart test`: everything a contributor or CI runs, failing early: lint + format check, import
// boundaries and type-check (side by side, while the stack the integration tests need starts), then every unit
// and integration file in a `node --test` process of its own, side by side as
// scripts/test-schedule.ts places them, and a closing summary with the slowest and failed files.
import { spawn } from 'node:child_process';
import { globSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkPlacements, nextFile, startOrder } from './test-schedule.ts';

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

/** Like run, but the output is printed whole when the command ends (it runs beside another). */
function runCaptured(label: string, command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const status = code ?? (signal ? 1 : 0);
      process.stderr.write(
        `\nprimoart test: ${label}: ${status === 0 ? 'passed' : 'FAILED'}\n${Buffer.concat(output).toString('utf8')}`,
      );
      resolve(status);
    });
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

/** The test files that drive a real Chromium (test/integration/browser.ts): chromium is installed first. */
const browserTests = ['test/integration/console-web.test.ts'];

/** How many test files run at once: on two cores, three keeps both busy while one waits. */
const defaultConcurrency = 3;

/** The test files, relative to the repository, in start order (scripts/test-schedule.ts). */
export function testFiles(integration: boolean): string[] {
  const files = (pattern: string) => globSync(pattern, { cwd: repo });
  const all = [
    ...files('test/unit/**/*.test.ts'),
    ...(integration ? files('test/integration/**/*.test.ts') : []),
  ];
  if (integration) {
    const problems = checkPlacements(all);
    if (problems.length > 0) throw new Error(problems.join('\n'));
  }
  return startOrder(all);
}

interface FileOutcome {
  file: string;
  code: number;
  seconds: number;
}

/**
 * Run every file in its own `node --test` process, at most `concurrency` at once, as
 * scripts/test-schedule.ts places them. A file's output is printed whole when it ends (files
 * running side by side would interleave theirs line by line), and a line says what starts and
 * ends, so a long run shows its progress.
 */
/** The longest a test file may run: the chaos test, the longest, takes about 8 min and bounds itself at 15. */
const fileLimitMs = 30 * 60_000;

async function runFiles(
  files: string[],
  concurrency: number,
  env: NodeJS.ProcessEnv,
): Promise<FileOutcome[]> {
  const waiting = [...files];
  const running = new Map<string, Promise<FileOutcome>>();
  const outcomes: FileOutcome[] = [];
  const began = Date.now();
  const elapsed = () => `${((Date.now() - began) / 1000).toFixed(0)} s`;
  const start = (file: string): Promise<FileOutcome> =>
    new Promise((resolve, reject) => {
      const started = Date.now();
      const child = spawn(node, ['--test', '--test-reporter=spec', file], {
        cwd: repo,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output: Buffer[] = [];
      // A file that never ends (a hook that left a child process running) fails with a reason
      // instead of holding the whole run until CI's own limit.
      const limit = setTimeout(() => {
        output.push(
          Buffer.from(`\nprimoart test: ${file} still running after ${fileLimitMs / 60_000} min: killed\n`),
        );
        child.kill('SIGKILL');
      }, fileLimitMs);
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(limit);
        const outcome = { file, code: code ?? (signal ? 1 : 0), seconds: (Date.now() - started) / 1000 };
        process.stdout.write(
          `\n── ${file}: ${outcome.code === 0 ? 'passed' : `FAILED (exit ${outcome.code})`} in ` +
            `${outcome.seconds.toFixed(1)} s ──\n${Buffer.concat(output).toString('utf8')}`,
        );
        resolve(outcome);
      });
    });
  while (waiting.length > 0 || running.size > 0) {
    let file = nextFile(waiting, [...running.keys()], concurrency);
    while (file !== undefined) {
      const chosen = file;
      waiting.splice(waiting.indexOf(chosen), 1);
      process.stderr.write(`primoart test: ${elapsed()}: start ${chosen} (${waiting.length} waiting)\n`);
      running.set(chosen, start(chosen));
      file = nextFile(waiting, [...running.keys()], concurrency);
    }
    const done = await Promise.race(running.values());
    running.delete(done.file);
    outcomes.push(done);
  }
  return outcomes;
}

/** The closing summary: counts, the slowest files, and every failed file again. */
function summary(outcomes: FileOutcome[], seconds: number): string {
  const failed = outcomes.filter((outcome) => outcome.code !== 0);
  const slowest = [...outcomes].sort((a, b) => b.seconds - a.seconds).slice(0, 10);
  return [
    `primoart test: ${outcomes.length} files, ${outcomes.length - failed.length} passed, ` +
      `${failed.length} failed, in ${seconds.toFixed(0)} s`,
    'slowest files:',
    ...slowest.map((outcome) => `  ${outcome.seconds.toFixed(1).padStart(7)} s  ${outcome.file}`),
    ...(failed.length > 0 ? ['FAILED:', ...failed.map((outcome) => `  ${outcome.file}`)] : []),
    '',
  ].join('\n');
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
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
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
  // Test files named on the command line: only those run, placed as in a full run.
  const every = testFiles(!values['unit-only']);
  const named = positionals.map((file) => relative(repo, resolve(file)));
  const unknown = named.filter((file) => !every.includes(file));
  if (unknown.length > 0) {
    process.stderr.write(`primoart test: not a test file of this run: ${unknown.join(', ')}\n`);
    return 2;
  }
  const files = positionals.length === 0 ? every : every.filter((file) => named.includes(file));
  const stateArgs = values['state-dir'] ? ['--state-dir', values['state-dir']] : [];
  const cli = join(repo, 'scripts', 'cli.ts');

  // The static checks run side by side while the stack starts (that mostly waits on services);
  // each one's output is printed whole when it ends. Any that fails stops the run once all ended.
  const checks = Promise.all([
    runCaptured('lint and format check (biome)', bin('biome'), ['check', '.']),
    // The import boundaries of README "Layout" (core ← schemas ← topics ← gateway, console, workers).
    runCaptured('import boundaries (dependency-cruiser)', bin('depcruise'), ['.']),
    runCaptured('type-check (tsc --noEmit, strict)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']),
  ]).then((codes) => (codes.every((code) => code === 0) ? 0 : 1));

  let env: NodeJS.ProcessEnv = process.env;
  if (!values['unit-only']) {
    // The backing services, and the bus the gateway would prepare (topics, schemas, config), but
    // not the stack's own gateway, console and workers: integration tests run their own, and the
    // stack's would consume the same topics and write the same stores (a replay test would see two
    // writers). Launching them only to stop them again cost ~2 min on a fresh machine.
    const up = await run('start the local stack (primoart up --infra-only)', node, [
      cli,
      'up',
      '--infra-only',
      ...stateArgs,
    ]);
    if ((await checks) !== 0 || up !== 0) return 1;
    if (files.some((file) => browserTests.includes(file))) {
      const { ensureChromium } = await import('../infra/stack/chromium.ts');
      try {
        await ensureChromium((line) => process.stderr.write(`primoart test: ${line}\n`));
      } catch (error) {
        process.stderr.write(`primoart test: ${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
      }
    }
    // Ones left running from an earlier `primoart up` are stopped (`primoart up` brings them back).
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
  } else if ((await checks) !== 0) {
    return 1;
  }
  process.stderr.write(`\nprimoart test: ${files.length} test files, up to ${concurrency} at a time\n`);
  const began = Date.now();
  const outcomes = await runFiles(files, concurrency, env);
  process.stdout.write(`\n${summary(outcomes, (Date.now() - began) / 1000)}`);
  return outcomes.every((outcome) => outcome.code === 0) ? 0 : 1;
}
