import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadOrCreateSecrets } from '../../../infra/stack/secrets.ts';

function withStateDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'primoart-secrets-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('secrets are created once, readable only by the owner, and stable afterwards', () => {
  withStateDir((dir) => {
    const first = loadOrCreateSecrets(dir);
    assert.equal(statSync(join(dir, 'secrets.json')).mode & 0o777, 0o600);
    assert.deepEqual(loadOrCreateSecrets(dir), first);
    assert.match(first.adminApiKey, /^pa_/);
  });
});

test('a file from an older version gets its missing field once, and keeps it', () => {
  withStateDir((dir) => {
    const file = join(dir, 'secrets.json');
    writeFileSync(file, JSON.stringify({ postgresPassword: 'kept' }), { mode: 0o600 });
    const completed = loadOrCreateSecrets(dir);
    assert.equal(completed.postgresPassword, 'kept');
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    assert.equal(stored.adminApiKey, completed.adminApiKey);
    assert.equal(loadOrCreateSecrets(dir).adminApiKey, completed.adminApiKey);
  });
});

test('Kafka passwords are completed per identity: a new identity gets one, the others keep theirs', () => {
  withStateDir((dir) => {
    const file = join(dir, 'secrets.json');
    const first = loadOrCreateSecrets(dir);
    const { baseline: _dropped, ...others } = first.kafkaPasswords;
    writeFileSync(file, JSON.stringify({ ...first, kafkaPasswords: others }), { mode: 0o600 });
    const completed = loadOrCreateSecrets(dir);
    assert.equal(completed.kafkaPasswords.admin, first.kafkaPasswords.admin);
    assert.equal(completed.kafkaPasswords['synth-store'], first.kafkaPasswords['synth-store']);
    assert.ok((completed.kafkaPasswords.baseline ?? '').length >= 24);
    assert.deepEqual(loadOrCreateSecrets(dir), completed);
  });
});
