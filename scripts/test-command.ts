// `primoart test`: everything a contributor or CI runs, in order, failing early:
// lint + format check → type-check → start the stack the integration tests need → one run of
// node's test runner over unit and integration tests (its closing summary is what CI reads).
import { spawn } from 'node:child_process';
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
    options: { 'unit-only': { type: 'boolean', default: false }, 'state-dir': { type: 'string' } },
  });
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

  const suites = ['test/unit/**/*.test.ts'];
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
    suites.push('test/integration/**/*.test.ts');
  }
  return run(`tests: ${suites.join(' ')}`, node, ['--test', '--test-concurrency=1', ...suites], env);
}
