// Running a child process as another system user (the runner is often root and PostgreSQL
// refuses to run as root).
import { readFileSync } from 'node:fs';

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The account from /etc/passwd; an Error naming the user when it does not exist. */
export function lookupSystemUser(name: string, passwd = readFileSync('/etc/passwd', 'utf8')): SystemUser {
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid, , home] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) {
      return { name, uid: Number(uid), gid: Number(gid), home: home || '/' };
    }
  }
  throw new Error(`system user '${name}' does not exist`);
}

/** spawn() options that make the child run as `user` with that user's HOME. */
export function spawnIdentity(
  user: string | undefined,
  env: NodeJS.ProcessEnv,
): { uid?: number; gid?: number; env: NodeJS.ProcessEnv } {
  if (user === undefined) return { env };
  const account = lookupSystemUser(user);
  if (account.uid === process.getuid?.()) return { env };
  return {
    uid: account.uid,
    gid: account.gid,
    env: { ...env, HOME: account.home, USER: user, LOGNAME: user },
  };
}
