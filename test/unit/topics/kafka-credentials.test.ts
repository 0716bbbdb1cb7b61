// The `kafka` section's SASL options: exactly one of password and password_file, a process's own
// identity before the shared one, and a password file read at connect time.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../../core/index.ts';
import { createLogger } from '../../../core/logging.ts';
import { credentialsFor, kafkaFromConfig } from '../../../topics/bus.ts';

const configWith = (kafkaLines: string) => `
kafka:
  brokers: ["127.0.0.1:19092"]
${kafkaLines}
schema_registry:
  url: "http://127.0.0.1:18081/apis/ccompat/v7"
`;

const problems = (text: string) => {
  try {
    parseConfig(text, 'primoart.yml');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
};

test('credentials need exactly one of password and password_file', () => {
  assert.deepEqual(problems(configWith('  sasl: { username: admin, password: x }')), []);
  assert.match(
    problems(configWith('  sasl: { username: admin }')).join('\n'),
    /kafka\.sasl.*exactly one of password and password_file/,
  );
  assert.match(
    problems(
      configWith('  identities:\n    synth-store: { username: s, password: x, password_file: /f }'),
    ).join('\n'),
    /kafka\.identities\.synth-store.*exactly one of password and password_file/,
  );
  assert.match(
    problems(configWith('  sasl: { username: admin, password: x, mechanism: plain }')).join('\n'),
    /kafka\.sasl\.mechanism/,
  );
});

test("a process uses its own identity, everything else (the CLI) the section's sasl", () => {
  const config = parseConfig(
    configWith(
      '  sasl: { username: primoart-admin, password: a }\n  identities:\n    synth-store: { username: primoart-synth-store, password: s }',
    ),
    'primoart.yml',
  );
  assert.equal(credentialsFor(config.kafka, 'synth-store')?.username, 'primoart-synth-store');
  assert.equal(credentialsFor(config.kafka, 'synth-store')?.mechanism, 'scram-sha-512');
  assert.equal(credentialsFor(config.kafka, 'baseline')?.username, 'primoart-admin');
  assert.equal(credentialsFor(config.kafka)?.username, 'primoart-admin');
  const none = parseConfig(configWith(''), 'primoart.yml');
  assert.equal(credentialsFor(none.kafka, 'synth-store'), undefined);
});

test('a password file that cannot be read is a clear error naming the user and the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'primoart-kafka-'));
  try {
    const file = join(dir, 'password');
    writeFileSync(file, 'secret\n', { mode: 0o600 });
    const logger = createLogger({ component: 'test', level: 'error' });
    const readable = parseConfig(configWith(`  sasl: { username: u, password_file: ${file} }`), 'p.yml');
    assert.doesNotThrow(() => kafkaFromConfig(readable.kafka, logger));
    const missing = parseConfig(configWith(`  sasl: { username: u, password_file: ${file}.gone }`), 'p.yml');
    assert.throws(
      () => kafkaFromConfig(missing.kafka, logger),
      /cannot read the password of u from .*password\.gone/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
