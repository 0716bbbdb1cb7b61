import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  loadConfig,
  parseConfig,
  parseConfigArgs,
  registerComponents,
  requireSection,
  sectionOf,
  workerSection,
} from '../../../core/index.ts';
import { gatewayConfig } from '../../../ingest-gateway/config.ts';
import { componentConfigs } from '../../../scripts/components.ts';
import { synthStoreConfig } from '../../../workers/synth-store/config.ts';

// As the entry point does (scripts/cli.ts): core learns every component's section from this list.
registerComponents(componentConfigs);

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const exampleFile = join(repoRoot, 'primoart.example.yml');
const checkConfigScript = fileURLToPath(new URL('fixtures/check-config.ts', import.meta.url));
const exampleEnv = {
  PRIMOART_PG_URL: 'postgres://primoart:secret@127.0.0.1:15432/primoart',
  PRIMOART_MINIO_ACCESS_KEY: 'access',
  PRIMOART_MINIO_SECRET_KEY: 'secret',
  PRIMOART_ALERTA_KEY: 'alerta-key',
};

const minimal = `
kafka:
  brokers: ["127.0.0.1:19092"]
schema_registry:
  url: "http://127.0.0.1:18081/apis/ccompat/v7"
`;

function problemsOf(run: () => unknown): ConfigError['problems'] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected the config to be rejected');
}

function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'primoart-config-')), name);
  writeFileSync(file, text);
  return file;
}

test('the committed example config loads, with its values and secrets from the environment', async () => {
  const config = await loadConfig(exampleFile, { env: exampleEnv });
  assert.equal(config.kafka.brokers[0], '127.0.0.1:19092');
  assert.equal(config.postgres?.url, exampleEnv.PRIMOART_PG_URL);
  assert.equal(sectionOf(config, gatewayConfig).listen, '127.0.0.1:18080');
  assert.deepEqual(sectionOf(config, gatewayConfig).api_keys[1]?.scopes, [
    'results:write',
    'definitions:read',
  ]);
  assert.equal(sectionOf(config, synthStoreConfig).batch.max_records, 500);
});

test('omitted keys take their documented defaults', () => {
  const config = parseConfig(minimal, 'primoart.yml', { env: {} });
  assert.equal(config.environment, 'production');
  assert.equal(config.log.level, 'info');
  assert.equal(config.kafka.client_id, 'primoart');
  assert.equal(config.kafka.request_timeout_ms, 30_000);
  assert.equal(config.kafka.consumer.session_timeout_ms, 30_000);
  assert.equal(config.startup.dependency_timeout_ms, 30_000);
  assert.equal(config.startup.shutdown_timeout_ms, 15_000);
  assert.equal(config.postgres, undefined);
  assert.deepEqual(config.workers, {});
});

test('a file with several problems reports every one with its path and line', () => {
  const text = [
    'log: { level: verbose }', // 1
    'kafka:', // 2
    '  brokers: []', // 3
    'schema_registry: { url: "http://r" }', // 4
    'gateway:', // 5
    '  listen: "localhost"', // 6
    '  api_keys:', // 7
    '    - { name: k, sha256: "abc", scopes: [admin, root] }', // 8
    'workers:', // 9
    '  synth-store:', // 10
    '    batch: { max_records: 0 }', // 11
  ].join('\n');
  const problems = problemsOf(() => parseConfig(text, 'primoart.yml', { env: {} }));
  const byPath = new Map(problems.map((p) => [p.path, p]));
  const expected: Array<[string, number, RegExp]> = [
    ['log.level', 1, /expected one of trace, debug, info, warn, error, got "verbose"/],
    ['kafka.brokers', 3, /at least 1/],
    ['gateway.listen', 6, /expected host:port, got "localhost"/],
    ['gateway.api_keys[0].sha256', 8, /SHA-256/],
    ['gateway.api_keys[0].scopes[1]', 8, /got "root"/],
    ['workers.synth-store.listen', 10, /missing/],
    ['workers.synth-store.batch.max_records', 11, /at least 1, got 0/],
  ];
  for (const [path, line, message] of expected) {
    const problem = byPath.get(path);
    assert.ok(problem, `no problem reported for ${path}; got ${problems.map((p) => p.path).join(', ')}`);
    assert.equal(problem.line, line, path);
    assert.match(problem.message, message);
  }
  assert.equal(problems.length, expected.length);
});

test('a key one component owns under another component is an error naming its path', () => {
  const text = `${minimal}workers:
  synth-store:
    listen: "127.0.0.1:18101"
    detection: { availability: { open: 2 } }
  baseline:
    listen: "127.0.0.1:18105"
    state_file: "b.sqlite"
    forwarding: { origin: o }
`;
  const problems = problemsOf(() => parseConfig(text, 'primoart.yml', { env: {} }));
  assert.deepEqual(
    problems.map((p) => [p.path, p.line]),
    [
      ['workers.synth-store.detection', 9],
      ['workers.baseline.forwarding', 13],
    ],
  );
  for (const problem of problems) assert.match(problem.message, /^unknown key/);
});

test('a worker section no component owns is an unknown key, with the worker it was probably meant to be', () => {
  const text = `${minimal}workers:
  synth-stor: { listen: "127.0.0.1:0" }
`;
  const problems = problemsOf(() => parseConfig(text, 'primoart.yml', { env: {} }));
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.path, 'workers.synth-stor');
  assert.equal(problems[0]?.line, 7);
  assert.match(problems[0]?.message ?? '', /unknown key \(did you mean "synth-store"\?\)/);
});

test("each section is validated against its owner's schema: the components handed to the loader decide", () => {
  const text = `${minimal}gateway: { listen: "127.0.0.1:0" }
`;
  assert.equal(
    sectionOf(parseConfig(text, 'primoart.yml', { env: {}, components: [gatewayConfig] }), gatewayConfig)
      .body_limit_bytes,
    32 * 1024 * 1024,
  );
  const problems = problemsOf(() => parseConfig(text, 'primoart.yml', { env: {}, components: [] }));
  assert.deepEqual(
    problems.map((p) => [p.path, p.message]),
    [
      [
        'gateway',
        'unknown key (expected one of: environment, log, kafka, schema_registry, postgres, minio, victoria_metrics, victoria_logs, alerta, startup, workers)',
      ],
    ],
  );
});

test('the error message prints each problem as file:line:col: path: message', () => {
  const text = `${minimal}gateway:\n  listen: "localhost"\n`;
  const problems = problemsOf(() => parseConfig(text, 'primoart.yml', { env: {} }));
  const error = new ConfigError(problems);
  assert.equal(error.message, 'primoart.yml:7:11: gateway.listen: expected host:port, got "localhost"');
});

test('an unknown key is an error at its line, with the key it was probably meant to be', () => {
  const text = `${minimal}startup:\n  shutdown_timout_ms: 5000\n`;
  const problems = problemsOf(() => parseConfig(text, 'primoart.yml', { env: {} }));
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.path, 'startup.shutdown_timout_ms');
  assert.equal(problems[0]?.line, 7);
  assert.match(problems[0]?.message ?? '', /unknown key \(did you mean "shutdown_timeout_ms"\?\)/);
});

test('a consumer session timeout outside what Kafka accepts is an error at its line', () => {
  const text = minimal.replace('kafka:\n', 'kafka:\n  consumer: { session_timeout_ms: 1000 }\n');
  const problems = problemsOf(() => parseConfig(text, 'primoart.yml', { env: {} }));
  assert.equal(problems.length, 1);
  assert.equal(problems[0]?.path, 'kafka.consumer.session_timeout_ms');
  assert.equal(problems[0]?.line, 3);
});

test('a missing file is one line naming the path', async () => {
  const missing = join(tmpdir(), 'no-such-dir', 'primoart.yml');
  await assert.rejects(loadConfig(missing), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.message.split('\n').length, 1);
    assert.ok(error.message.startsWith(`${missing}: config file not found`));
    return true;
  });
});

test('a YAML syntax error names the line', () => {
  const text = 'kafka:\n  brokers: ["a:1", \nschema_registry: {}\n';
  const problems = problemsOf(() => parseConfig(text, 'primoart.yml', { env: {} }));
  assert.equal(problems[0]?.path, '');
  assert.equal(problems[0]?.line, 3);
  assert.match(problems[0]?.message ?? '', /^YAML syntax error: /);
});

test('an environment variable reference in a string value is replaced by its value, $${ stays literal', () => {
  const text = `${minimal}environment: "\${STAGE}-eu"\nvictoria_logs: { url: "http://\${VL_HOST}:9428" }\nalerta: { url: "http://a", api_key: "$\${notavar}" }\n`;
  const config = parseConfig(text, 'primoart.yml', { env: { STAGE: 'staging', VL_HOST: '10.0.0.5' } });
  assert.equal(config.environment, 'staging-eu');
  assert.equal(config.victoria_logs?.url, 'http://10.0.0.5:9428');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the config syntax itself is under test
  assert.equal(config.alerta?.api_key, '${notavar}');
});

test('an unset variable is a problem at its line, and an expanded secret is never echoed', () => {
  const text = `${minimal}postgres: { url: "\${PG_URL}" }\nalerta: { url: "\${ALERTA_URL}", api_key: k }\n`;
  const problems = problemsOf(() =>
    parseConfig(text, 'primoart.yml', { env: { ALERTA_URL: 'not-a-url-hunter2' } }),
  );
  const unset = problems.find((p) => p.path === 'postgres.url');
  assert.equal(unset?.line, 6);
  assert.equal(unset?.message, 'environment variable PG_URL is not set');
  const invalid = problems.find((p) => p.path === 'alerta.url');
  assert.match(invalid?.message ?? '', /got a value from the environment/);
  assert.doesNotMatch(new ConfigError(problems).message, /hunter2/);
  assert.equal(problems.length, 2);
});

test('--config.file is read in both spellings and defaults to $PRIMOART_CONFIG_FILE, else primoart.yml', () => {
  assert.deepEqual(parseConfigArgs([], {}), { configFile: 'primoart.yml', rest: [] });
  const env = { PRIMOART_CONFIG_FILE: '/etc/primoart/primoart.yml' };
  assert.deepEqual(parseConfigArgs(['x'], env), { configFile: '/etc/primoart/primoart.yml', rest: ['x'] });
  assert.deepEqual(parseConfigArgs(['--config.file', 'c.yml'], env), { configFile: 'c.yml', rest: [] });
  assert.deepEqual(parseConfigArgs(['--config.file', 'a.yml', 'x']), { configFile: 'a.yml', rest: ['x'] });
  assert.deepEqual(parseConfigArgs(['--config.file=b.yml']), { configFile: 'b.yml', rest: [] });
  assert.throws(() => parseConfigArgs(['--config.file']), /needs a file name/);
});

test('a process asking for a section the file lacks gets an error naming it', () => {
  const config = parseConfig(minimal, 'primoart.yml', { env: {} });
  assert.throws(() => requireSection(config, 'postgres'), {
    name: 'MissingSectionError',
    message: 'postgres: section required by this process is missing',
  });
  assert.throws(() => workerSection(config, 'synth-store'), {
    name: 'MissingSectionError',
    message: 'workers.synth-store: section for worker "synth-store" is missing',
  });
});

test('check config prints "<file>: OK" and exits 0 for a valid file', () => {
  const file = tempFile('primoart.yml', minimal);
  const run = spawnSync(process.execPath, [checkConfigScript, '--config.file', file], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, `${file}: OK\n`);
});

test('check config prints every problem to stderr and exits 1', () => {
  const file = tempFile('primoart.yml', `${minimal}log: { level: loud }\nbogus: 1\n`);
  const run = spawnSync(process.execPath, [checkConfigScript, `--config.file=${file}`], { encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.equal(run.stdout, '');
  const lines = run.stderr.trim().split('\n');
  assert.deepEqual(lines, [
    `${file}:6:15: log.level: expected one of trace, debug, info, warn, error, got "loud"`,
    `${file}:7:1: bogus: unknown key (expected one of: environment, log, kafka, schema_registry, postgres, minio, victoria_metrics, victoria_logs, alerta, startup, gateway, console, workers)`,
    `${file}: 2 problems`,
  ]);
});
