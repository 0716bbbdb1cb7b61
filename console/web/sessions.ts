// The web console's sessions: a browser trades an API key with the `read` scope for a session id
// in an HttpOnly cookie. The store keeps only what it needs to find the key again — the key's
// SHA-256, never the key — and finds it on every request through the same key lookup as the API,
// so a revoked key ends its sessions as soon as this console's key view has read the revocation
// (within 10 s, CONTRACT.md). Sessions live in this process's memory: a restart logs everyone out,
// and a session id is known only to the process that gave it (one console process per stack).
import { createHash, randomBytes } from 'node:crypto';

export interface Session {
  /** SHA-256 (hex) of the API key the session was opened with. */
  keyDigest: string;
  /** The key's id, for logs. */
  keyId: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionSettings {
  /** A session ends this long after login, used or not. */
  ttlMs: number;
  /** … or after this long unused. */
  idleMs: number;
  /** At most this many at once: the oldest ends to make room. */
  maxSessions: number;
  /**
   * At most this many of one key: its oldest ends to make room, so logging in with one key over
   * and over cannot push everyone else's sessions out.
   */
  maxPerKey?: number;
  now?: () => number;
}

const defaultMaxPerKey = 100;

/** The store is keyed by the id's SHA-256: a dump of it (a heap snapshot) logs no one in. */
const storeKeyOf = (id: string) => createHash('sha256').update(id, 'utf8').digest('hex');

export function createSessionStore(settings: SessionSettings) {
  const now = settings.now ?? Date.now;
  const maxPerKey = settings.maxPerKey ?? defaultMaxPerKey;
  // A Map iterates in insertion order: its first entry is the oldest session.
  const sessions = new Map<string, Session>();
  const expired = (session: Session, at: number) =>
    at - session.createdAt >= settings.ttlMs || at - session.lastSeenAt >= settings.idleMs;
  return {
    /** A new session for the key of `keyDigest`; answers its id (32 random bytes, base64url). */
    create(keyDigest: string, keyId: string): string {
      const ofKey = [...sessions].filter(([, session]) => session.keyDigest === keyDigest);
      for (const [storeKey] of ofKey.slice(0, Math.max(0, ofKey.length - (maxPerKey - 1))))
        sessions.delete(storeKey);
      while (sessions.size >= settings.maxSessions) {
        const oldest = sessions.keys().next();
        if (oldest.done === true) break;
        sessions.delete(oldest.value);
      }
      const id = randomBytes(32).toString('base64url');
      const at = now();
      sessions.set(storeKeyOf(id), { keyDigest, keyId, createdAt: at, lastSeenAt: at });
      return id;
    },
    /** The live session of `id` (it counts as used now), or undefined. */
    find(id: string): Session | undefined {
      if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
      const storeKey = storeKeyOf(id);
      const session = sessions.get(storeKey);
      if (session === undefined) return undefined;
      const at = now();
      if (expired(session, at)) {
        sessions.delete(storeKey);
        return undefined;
      }
      session.lastSeenAt = at;
      return session;
    },
    end(id: string): void {
      sessions.delete(storeKeyOf(id));
    },
    /** Ends every expired session (run every minute); answers how many ended. */
    sweep(): number {
      const at = now();
      let ended = 0;
      for (const [storeKey, session] of sessions)
        if (expired(session, at)) {
          sessions.delete(storeKey);
          ended += 1;
        }
      return ended;
    },
    size: (): number => sessions.size,
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
