// Who may read a stack's state directory: only the user the stack runs as. Uploaded results,
// screenshots, Kafka segments, SQLite state, logs and secrets all live there, so nothing in it is
// readable or writable by other users, and nothing by the group except the one permission a
// service run as another system user needs to reach its data directory (PostgreSQL as `postgres`).
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SystemUser } from './system-user.ts';

/** The umask of every process the stack starts, and of the runner while it writes state. */
export const privateUmask = 0o077;

/** The folders every stack has, directly under the state directory. */
export const stateFolders = ['config', 'data', 'logs', 'run'] as const;

/** Group "search" (traverse) permission: enough to reach a known path below, not to list. */
const groupTraverse = 0o010;

/**
 * Run `work` with `mask` as the process umask and restore the previous one afterwards. The umask
 * belongs to the whole process, so callers run one such section at a time (the runner starts
 * services one after another); children spawned inside inherit it.
 */
export async function withUmask<T>(mask: number, work: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask);
  try {
    return await work();
  } finally {
    process.umask(previous);
  }
}

/**
 * Create the state directory and its folders private (0700), and tighten what an older version
 * left readable: every file and folder below loses its group and other permissions. The state
 * directory and `data/` keep group traverse (0710) for a service user whose data directory is
 * there (`data/postgres` of `postgres`): it may be running and opens its files by absolute path,
 * so its way in is granted before anything is taken away, whichever services this `up` starts.
 */
export function prepareStateDir(stateDir: string, ownUid = process.getuid?.() ?? 0): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  for (const folder of stateFolders) mkdirSync(join(stateDir, folder), { mode: 0o700, recursive: true });
  const dataDir = join(stateDir, 'data');
  const serviceGroups = new Set(
    readdirSync(dataDir)
      .map((entry) => lstatSync(join(dataDir, entry)))
      .filter((stats) => stats.isDirectory() && stats.uid !== ownUid)
      .map((stats) => stats.gid),
  );
  if (serviceGroups.size > 1) {
    throw new Error(
      `${dataDir} holds data directories of ${serviceGroups.size} other users; a state directory serves one other system user`,
    );
  }
  const [serviceGroup] = serviceGroups;
  const traversed = new Set([stateDir, dataDir]);
  if (serviceGroup !== undefined) {
    // The group first, then the mode: at no moment is the running service locked out.
    for (const dir of traversed) {
      chownSync(dir, lstatSync(dir).uid, serviceGroup);
      chmodSync(dir, 0o700 | groupTraverse);
    }
  }
  tighten(stateDir, (path) =>
    serviceGroup !== undefined && traversed.has(path) ? 0o700 | groupTraverse : 0o700,
  );
}

/** chmod every entry (symbolic links aside, never followed) to at most `allowed(path)` bits. */
function tighten(root: string, allowed: (path: string) => number): void {
  const pending = [root];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    try {
      const stats = lstatSync(path);
      if (stats.isSymbolicLink()) continue;
      const mode = stats.mode & 0o7777;
      const wanted = mode & (0o7000 | allowed(path));
      if (wanted !== mode) chmodSync(path, wanted);
      if (stats.isDirectory()) {
        for (const entry of readdirSync(path)) pending.push(join(path, entry));
      }
    } catch (error) {
      // A running service may delete a file or folder meanwhile (a rolled segment, a merged part).
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/**
 * A service that runs as another system user (PostgreSQL as `postgres` when the runner is root)
 * reaches its data directory through the state directory and `data/`: those two get the user's
 * group with traverse only (0710), and the data directory itself belongs to the user (0700).
 */
export function grantTraverse(stateDir: string, dataDir: string, user: SystemUser): void {
  for (const dir of [stateDir, join(stateDir, 'data')]) {
    const { gid, uid } = statSync(dir);
    const ownGid = process.getgid?.() ?? 0;
    if (gid !== ownGid && gid !== user.gid) {
      throw new Error(
        `${dir} already lets group ${gid} in for another service; a state directory serves one other system user`,
      );
    }
    chownSync(dir, uid, user.gid);
    chmodSync(dir, 0o700 | groupTraverse);
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chownSync(dataDir, user.uid, user.gid);
  chmodSync(dataDir, 0o700);
}
