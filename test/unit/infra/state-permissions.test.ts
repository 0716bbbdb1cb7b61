// A state directory holds uploaded results, screenshots, logs and secrets: nothing in it may be
// readable by other users, and an older stack's readable files are tightened on `up`.
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { grantTraverse, prepareStateDir, withUmask } from '../../../infra/stack/state-permissions.ts';
import { isRoot, lookupSystemUser } from '../../../infra/stack/system-user.ts';

const scratch = mkdtempSync(join(tmpdir(), 'primoart-state-permissions-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const modeOf = (path: string) => lstatSync(path).mode & 0o7777;

/** Every entry below `root` (root included), symbolic links aside, with its permission bits. */
function modes(root: string): Record<string, number> {
  const found: Record<string, number> = {};
  const visit = (path: string, name: string) => {
    const stats = lstatSync(path);
    if (stats.isSymbolicLink()) return;
    found[name] = stats.mode & 0o7777;
    if (stats.isDirectory())
      for (const entry of readdirSync(path)) visit(join(path, entry), `${name}/${entry}`);
  };
  visit(root, '.');
  return found;
}

test('a new state directory and its folders are private to the runner', () => {
  const stateDir = join(scratch, 'new', 'state');
  withUmaskSync(0o022, () => prepareStateDir(stateDir));
  assert.deepEqual(modes(stateDir), {
    '.': 0o700,
    './config': 0o700,
    './data': 0o700,
    './logs': 0o700,
    './run': 0o700,
  });
});

test("an older stack's readable files and folders lose every group and other permission", () => {
  const stateDir = join(scratch, 'old');
  const outside = join(scratch, 'outside.txt');
  writeFileSync(outside, 'not ours', { mode: 0o644 });
  chmodSync(outside, 0o644);
  withUmaskSync(0o022, () => {
    mkdirSync(join(stateDir, 'data', 'kafka', 'primoart.synth.results.v1-0'), {
      recursive: true,
      mode: 0o755,
    });
    writeFileSync(join(stateDir, 'data', 'kafka', 'primoart.synth.results.v1-0', '0.log'), 'run', {
      mode: 0o644,
    });
    mkdirSync(join(stateDir, 'logs'), { mode: 0o755 });
    writeFileSync(join(stateDir, 'logs', 'kafka.log'), 'log', { mode: 0o640 });
    writeFileSync(join(stateDir, 'data', 'tool'), '#!/bin/sh\n', { mode: 0o775 });
    writeFileSync(join(stateDir, 'secrets.json'), '{}', { mode: 0o666 });
    symlinkSync(outside, join(stateDir, 'data', 'link'));
  });
  chmodSync(join(stateDir, 'secrets.json'), 0o666);

  prepareStateDir(stateDir);

  const found = modes(stateDir);
  for (const [path, mode] of Object.entries(found)) {
    assert.equal(mode & 0o077, 0, `${path} is ${mode.toString(8)}`);
  }
  assert.equal(found['./data/kafka/primoart.synth.results.v1-0/0.log'], 0o600);
  assert.equal(found['./data/kafka/primoart.synth.results.v1-0'], 0o700);
  assert.equal(found['./data/tool'], 0o700, 'the owner keeps execute');
  assert.equal(found['./secrets.json'], 0o600);
  assert.equal(modeOf(outside), 0o644, 'a symbolic link is not followed out of the state directory');
});

test("a service user's data directory keeps its way in: group traverse on the state directory and data/ only", () => {
  const stateDir = join(scratch, 'granted');
  const postgresData = join(stateDir, 'data', 'postgres');
  mkdirSync(postgresData, { recursive: true });
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  const { uid, gid } = statSync(postgresData);
  const everyDir = [stateDir, join(stateDir, 'data'), postgresData, join(stateDir, 'logs')];

  // Every data directory is the runner's own: nothing to let through.
  for (const dir of everyDir) chmodSync(dir, 0o750);
  prepareStateDir(stateDir, uid);
  assert.equal(modeOf(stateDir), 0o700);
  assert.equal(modeOf(join(stateDir, 'data')), 0o700);

  // Seen from a runner of another uid, data/postgres belongs to a service user: its group may pass
  // (even where an earlier `up` had closed the way), and nothing more is opened.
  prepareStateDir(stateDir, uid + 1);
  for (const dir of [stateDir, join(stateDir, 'data')]) {
    assert.equal(modeOf(dir), 0o710, dir);
    assert.equal(statSync(dir).gid, gid);
  }
  for (const dir of everyDir) chmodSync(dir, 0o755);
  prepareStateDir(stateDir, uid + 1);
  assert.equal(modeOf(stateDir), 0o710);
  assert.equal(modeOf(join(stateDir, 'data')), 0o710);
  assert.equal(modeOf(postgresData), 0o700);
  assert.equal(modeOf(join(stateDir, 'logs')), 0o700);
});

test("an older stack's running PostgreSQL keeps its way in when up tightens the state directory", {
  skip: isRoot() ? false : 'needs root to hand a directory to another user',
}, () => {
  const stateDir = join(scratch, 'running-postgres');
  const nobody = lookupSystemUser('nobody');
  mkdirSync(join(stateDir, 'data', 'postgres'), { recursive: true, mode: 0o755 });
  chmodSync(stateDir, 0o755);
  chmodSync(join(stateDir, 'data'), 0o755);
  chownSync(join(stateDir, 'data', 'postgres'), nobody.uid, nobody.gid);
  chmodSync(join(stateDir, 'data', 'postgres'), 0o700);
  prepareStateDir(stateDir);
  for (const dir of [stateDir, join(stateDir, 'data')]) {
    assert.equal(modeOf(dir), 0o710);
    assert.equal(statSync(dir).gid, nobody.gid);
  }
});

test('a service run as another system user gets its data directory and a traverse-only way to it', {
  skip: isRoot() ? false : 'needs root to hand a directory to another user',
}, () => {
  const stateDir = join(scratch, 'other-user');
  prepareStateDir(stateDir);
  const nobody = lookupSystemUser('nobody');
  const dataDir = join(stateDir, 'data', 'postgres');
  grantTraverse(stateDir, dataDir, nobody);
  for (const dir of [stateDir, join(stateDir, 'data')]) {
    assert.equal(modeOf(dir), 0o710);
    assert.equal(statSync(dir).gid, nobody.gid);
    assert.equal(statSync(dir).uid, process.getuid?.());
  }
  assert.equal(modeOf(dataDir), 0o700);
  assert.equal(statSync(dataDir).uid, nobody.uid);
  // Idempotent, and a second `up` keeps the grant.
  grantTraverse(stateDir, dataDir, nobody);
  prepareStateDir(stateDir);
  assert.equal(modeOf(stateDir), 0o710);
  assert.equal(modeOf(join(stateDir, 'data')), 0o710);
});

test('withUmask applies a umask for the duration of the work and restores the previous one', async () => {
  const before = process.umask(0o022);
  try {
    const file = join(scratch, 'made-under-umask');
    await withUmask(0o077, async () => writeFileSync(file, 'x'));
    assert.equal(modeOf(file), 0o600);
    assert.equal(process.umask(0o022), 0o022, 'the previous umask is back');
  } finally {
    process.umask(before);
  }
});

function withUmaskSync(mask: number, work: () => void): void {
  const previous = process.umask(mask);
  try {
    work();
  } finally {
    process.umask(previous);
  }
}
