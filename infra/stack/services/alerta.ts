// Alerta: the alert console the event forwarder writes to. A Python venv from PyPI in the cache
// (every version pinned by infra/alerta/constraints.txt), served by gunicorn, stored in the stack's
// PostgreSQL (database `alerta`, created by the postgres service).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { host } from '../ports.ts';
import type { ServiceDefinition, StackContext } from '../service.ts';
import { repositoryDir, stateLayout } from '../stack-paths.ts';
import { probeHttpOk } from './http-probe.ts';

const version = '9.1.0';
const requirementsFile = join(repositoryDir(), 'infra', 'alerta', 'requirements.txt');
const constraintsFile = join(repositoryDir(), 'infra', 'alerta', 'constraints.txt');

/** The owner of the fixed admin API key; Alerta only hands keys to users listed in ADMIN_USERS. */
export const alertaAdminUser = 'admin@primoart.local';
/**
 * ALLOWED_ENVIRONMENTS. The alerta-forwarder sends every robot environment as one of these (its
 * default `allowedEnvironments`, a unit test keeps the two equal): robots may send any environment.
 */
export const alertaEnvironments = ['production', 'staging', 'development', 'test'];

/** A venv is tied to its absolute path, so each pin set gets its own directory instead of a rename. */
function venvDir(cacheDir: string): string {
  const pins = createHash('sha256')
    .update(readFileSync(requirementsFile))
    .update(readFileSync(constraintsFile))
    .digest('hex')
    .slice(0, 12);
  return join(cacheDir, 'alerta', `${version}-${pins}`);
}

const configFile = (ctx: StackContext): string =>
  join(stateLayout.configDir(ctx.paths, 'alerta'), 'alertad.conf');
const baseUrl = (ctx: StackContext): string => `http://${host}:${ctx.ports.alerta}`;

/** A Python string or list literal: JSON's string syntax is valid Python. */
const python = (value: string | string[]): string => JSON.stringify(value);

/** alertad.conf is Python, read by Flask's from_pyfile. */
export function alertaConfig(ctx: StackContext): string {
  const database = new URL(`postgresql://${host}:${ctx.ports.postgres}/alerta`);
  database.username = 'primoart';
  database.password = ctx.secrets.postgresPassword;
  const settings: Array<[string, string]> = [
    ['DEBUG', 'False'],
    ['SECRET_KEY', python(ctx.secrets.alertaSecretKey)],
    ['DATABASE_URL', python(database.href)],
    ['AUTH_REQUIRED', 'True'],
    ['ADMIN_USERS', python([alertaAdminUser])],
    ['SIGNUP_ENABLED', 'False'],
    ['ALLOWED_ENVIRONMENTS', python(alertaEnvironments)],
    ['DEFAULT_ENVIRONMENT', python('production')],
    // The defaults minus remote_ip and forwarder: nothing here forwards alerts anywhere.
    ['PLUGINS', python(['reject', 'heartbeat', 'blackout'])],
    ['LOG_HANDLERS', python(['console'])],
    ['LOG_LEVEL', python('INFO')],
  ];
  const lines = settings.map(([name, value]) => `${name} = ${value}`);
  return `# Written by primoart up from infra/stack/services/alerta.ts; edits are overwritten.\n${lines.join('\n')}\n`;
}

/** `alertad key --username U --key K --text T`, with K read from standard input. */
const adminKeyScript = [
  'import sys',
  'from alerta.commands import cli',
  'user, text = sys.argv[1:3]',
  "sys.argv = ['alertad', 'key', '--username', user, '--key', sys.stdin.read().strip(), '--text', text]",
  'cli()',
].join('\n');

/**
 * Run a program of the venv with only the variables named here: Alerta lets any environment
 * variable (DATABASE_URL, SECRET_KEY, DEBUG, PLUGINS, ...) override its config file, and an
 * operator's shell may well have some of those set.
 */
function isolated(ctx: StackContext, program: string, args: string[]): { command: string; args: string[] } {
  const bin = join(venvDir(ctx.paths.cacheDir), 'bin');
  return {
    command: 'env',
    args: [
      '-i',
      `PATH=${bin}:/usr/local/bin:/usr/bin:/bin`,
      'LANG=C.UTF-8',
      `ALERTA_SVR_CONF_FILE=${configFile(ctx)}`,
      join(bin, program),
      ...args,
    ],
  };
}

export const alerta: ServiceDefinition = {
  name: 'alerta',
  version,
  dependsOn: ['postgres'],
  async install(ctx) {
    const dir = venvDir(ctx.paths.cacheDir);
    const marker = join(dir, '.primoart-installed');
    if (existsSync(marker)) return;
    ctx.progress(`alerta: installing alerta-server ${version} into a venv from PyPI (once)`);
    await rm(dir, { recursive: true, force: true });
    await ctx.exec('python3', ['-m', 'venv', dir]);
    await ctx.exec(
      join(dir, 'bin', 'pip'),
      [
        'install',
        '--no-input',
        '--disable-pip-version-check',
        '--only-binary=:all:',
        '-r',
        requirementsFile,
        '-c',
        constraintsFile,
      ],
      { timeoutMs: 20 * 60_000, env: { PIP_REQUIRE_VIRTUALENV: 'true' } },
    );
    writeFileSync(marker, `${new Date().toISOString()}\n`);
  },
  async init(ctx) {
    mkdirSync(stateLayout.configDir(ctx.paths, 'alerta'), { recursive: true });
    writeFileSync(configFile(ctx), alertaConfig(ctx), { mode: 0o600 });
  },
  launch(ctx) {
    // One worker with threads: Alerta creates its schema when a worker starts, and two workers
    // doing that at once race; the load of a local stack needs no more.
    return isolated(ctx, 'gunicorn', [
      '--bind',
      `${host}:${ctx.ports.alerta}`,
      '--workers',
      '1',
      '--worker-class',
      'gthread',
      '--threads',
      '8',
      '--timeout',
      '60',
      'alerta:create_app()',
    ]);
  },
  // /management/gtg answers OK only when Alerta reaches its database.
  probe: (ctx) => probeHttpOk(`${baseUrl(ctx)}/management/gtg`, { bodyContains: 'OK' }),
  async afterStart(ctx) {
    // `alertad key` finds the key when it exists and creates it otherwise. The key travels on
    // standard input, so it shows neither in the process list nor in an error message.
    const { command, args } = isolated(ctx, 'python', [
      '-c',
      adminKeyScript,
      alertaAdminUser,
      'primoart local stack admin key',
    ]);
    const output = await ctx.exec(command, args, { input: ctx.secrets.alertaAdminKey });
    if (!output.includes(ctx.secrets.alertaAdminKey)) {
      throw new Error(`alertad key did not confirm the admin key (output: ${output.trim() || 'none'})`);
    }
  },
  url: baseUrl,
  env: (ctx) => ({ PRIMOART_ALERTA_URL: baseUrl(ctx), PRIMOART_ALERTA_KEY: ctx.secrets.alertaAdminKey }),
};
