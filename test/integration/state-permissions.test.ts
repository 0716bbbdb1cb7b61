// The running stack's state directory (uploaded results in Kafka segments, screenshots in MinIO,
// SQLite state, PostgreSQL data, logs, config and secrets) is private to the user the stack runs
// as: no entry is readable, writable or searchable by other users, none by the group except the
// traverse PostgreSQL needs, and every service process creates its files with umask 0077.
import assert from 'node:assert/strict';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { lookupSystemUser } from '../../infra/stack/system-user.ts';
import { stack } from './stack.ts';

const stateDir = stack.stateDir();
const runnerUid = process.getuid?.() ?? 0;
/** As root, PostgreSQL runs as (and its data directory belongs to) Debian's `postgres` user. */
const postgresUser = runnerUid === 0 ? lookupSystemUser('postgres') : undefined;
const postgresData = join(stateDir, 'data', 'postgres');

interface Entry {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  directory: boolean;
}

/** Every file and folder below the state directory (itself included); symbolic links aside. */
function walk(root: string): Entry[] {
  const entries: Entry[] = [];
  const pending = [root];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    let stats: ReturnType<typeof lstatSync>;
    let children: string[] = [];
    try {
      stats = lstatSync(path);
      if (stats.isDirectory()) children = readdirSync(path);
    } catch (error) {
      // The running services create and delete files meanwhile (segments, parts, WAL).
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if (stats.isSymbolicLink()) continue;
    entries.push({
      path,
      mode: stats.mode & 0o7777,
      uid: stats.uid,
      gid: stats.gid,
      directory: stats.isDirectory(),
    });
    for (const child of children) pending.push(join(path, child));
  }
  return entries;
}

const shown = (entry: Entry) =>
  `${relative(stateDir, entry.path) || '.'} (${entry.mode.toString(8)} ${entry.uid}:${entry.gid})`;

const entries = walk(stateDir);

test('nothing in the state directory is readable, writable or searchable by other users', () => {
  assert.ok(entries.length > 20, `only ${entries.length} entries in ${stateDir}: is the stack up?`);
  const open = entries.filter((entry) => (entry.mode & 0o007) !== 0);
  assert.deepEqual(open.map(shown).slice(0, 30), [], `${open.length} entries are open to other users`);
});

test('the group has no access except traverse to the PostgreSQL data directory', () => {
  // PostgreSQL runs as another user: the state directory and data/ let its group through (0710),
  // and nothing else, not even a listing.
  const traverseOnly = new Set([stateDir, join(stateDir, 'data')]);
  const wrong = entries.filter((entry) => {
    const group = entry.mode & 0o070;
    if (group === 0) return false;
    return !(
      postgresUser !== undefined &&
      traverseOnly.has(entry.path) &&
      group === 0o010 &&
      entry.gid === postgresUser.gid
    );
  });
  assert.deepEqual(wrong.map(shown).slice(0, 30), [], `${wrong.length} entries give the group access`);
});

test('everything belongs to the user the stack runs as (PostgreSQL data: to the postgres user)', () => {
  const wrong = entries.filter((entry) => {
    // PostgreSQL refuses to run as root, and refuses a data directory it does not own.
    const underPostgres = entry.path === postgresData || entry.path.startsWith(`${postgresData}/`);
    const owner = underPostgres && postgresUser !== undefined ? postgresUser.uid : runnerUid;
    return entry.uid !== owner;
  });
  assert.deepEqual(wrong.map(shown).slice(0, 30), [], `${wrong.length} entries belong to someone else`);
});

test('every running service process creates its files with umask 0077', () => {
  const runDir = join(stateDir, 'run');
  const umasks: Record<string, string> = {};
  for (const file of readdirSync(runDir).filter((name) => name.endsWith('.pid'))) {
    const pid = readFileSync(join(runDir, file), 'utf8').split('\n')[0];
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      continue; // stopped since its pid file was written
    }
    umasks[file.replace(/\.pid$/, '')] = /^Umask:\s*(\d+)$/m.exec(status)?.[1] ?? 'unknown';
  }
  assert.ok(Object.keys(umasks).length >= 5, `only ${Object.keys(umasks).length} services running`);
  const loose = Object.entries(umasks).filter(([, umask]) => umask !== '0077');
  assert.deepEqual(loose, [], `services with a looser umask: ${JSON.stringify(umasks)}`);
});
