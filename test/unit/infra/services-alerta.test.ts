// Alerta's generated config file is Python: it must parse, and mean what the stack needs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { defaultLayout } from '../../../infra/stack/layout.ts';
import { defaultPorts } from '../../../infra/stack/ports.ts';
import type { StackContext } from '../../../infra/stack/service.ts';
import { alertaConfig, alertaEnvironments } from '../../../infra/stack/services/alerta.ts';

const awkward = `pa'ss"wo\\rd @:/?#%`;

const ctx: StackContext = {
  paths: { repoDir: '/repo', cacheDir: '/cache', stateDir: '/state' },
  ports: { ...defaultPorts, postgres: 25432 },
  layout: defaultLayout,
  secrets: {
    postgresPassword: awkward,
    minioAccessKey: 'a',
    minioSecretKey: 's',
    alertaAdminKey: 'admin-key',
    alertaSecretKey: `secret'"\\`,
    adminApiKey: 'pa_x',
    kafkaBrokerPassword: 'k',
    kafkaPasswords: {},
  },
  progress: () => {},
  exec: async () => '',
};

/** Execute the config as Flask's from_pyfile does and return its upper-case names as JSON. */
function readWithPython(config: string): Record<string, unknown> {
  const script = [
    'import json, sys',
    'from urllib.parse import urlsplit, unquote',
    'scope = {}',
    'exec(sys.stdin.read(), scope)',
    'out = {k: v for k, v in scope.items() if k.isupper()}',
    'url = urlsplit(out["DATABASE_URL"])',
    'out["_db"] = [url.scheme, url.hostname, url.port, unquote(url.username), unquote(url.password), url.path]',
    'print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script], { input: config, encoding: 'utf8' })) as Record<
    string,
    unknown
  >;
}

test('the config parses as Python and carries secrets with quotes and URL characters intact', () => {
  const settings = readWithPython(alertaConfig(ctx));
  assert.deepEqual(settings._db, ['postgresql', '127.0.0.1', 25432, 'primoart', awkward, '/alerta']);
  assert.equal(settings.SECRET_KEY, `secret'"\\`);
});

test('authentication is required, debug is off, and the stack environments are allowed', () => {
  const settings = readWithPython(alertaConfig(ctx));
  assert.equal(settings.AUTH_REQUIRED, true);
  assert.equal(settings.DEBUG, false);
  assert.deepEqual(settings.ALLOWED_ENVIRONMENTS, alertaEnvironments);
  for (const environment of ['production', 'staging', 'development', 'test']) {
    assert.ok(alertaEnvironments.includes(environment), environment);
  }
  assert.ok(alertaEnvironments.includes(settings.DEFAULT_ENVIRONMENT as string));
});
