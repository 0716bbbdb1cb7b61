// A PostgreSQL cluster of one test's own, from the stack's binaries, on a free loopback port: a test
// can stop and start it (a real outage: connections refused, sessions cut) without touching the
// shared cluster that the schema registry, Alerta and every other test use.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { isRoot, lookupSystemUser } from '../../infra/stack/system-user.ts';
import { freePort, waitFor } from './stack.ts';

const binDir = '/usr/lib/postgresql/15/bin';

export interface PrivatePostgres {
  /** Connection URL of the cluster's `primoart` database. */
  url: string;
  /** Fast shutdown: sessions are cut, new connections refused until start(). */
  stop(): Promise<void>;
  /** Start again on the same port and data, resolving once it answers. */
  start(): Promise<void>;
  /** Stop and remove the data directory. */
  destroy(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  // The server refuses to run as root: as root, run it as Debian's postgres user.
  const owner = isRoot() ? lookupSystemUser('postgres') : undefined;
  const asOwner = owner === undefined ? {} : { uid: owner.uid, gid: owner.gid };
  const root = mkdtempSync(join(tmpdir(), 'primoart-pg-'));
  const dataDir = join(root, 'data');
  const password = randomBytes(18).toString('hex');
  const passwordFile = join(root, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (owner !== undefined) {
    chownSync(root, owner.uid, owner.gid);
    chownSync(passwordFile, owner.uid, owner.gid);
  }
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const initdb = spawn(
      join(binDir, 'initdb'),
      [
        `--pgdata=${dataDir}`,
        '--username=primoart',
        `--pwfile=${passwordFile}`,
        '--auth-host=scram-sha-256',
        '--auth-local=scram-sha-256',
        '--encoding=UTF8',
        '--no-locale',
        '--no-sync',
      ],
      { ...asOwner, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    initdb.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    initdb.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    initdb.on('error', reject);
    initdb.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`initdb failed:\n${output}`))));
  });
  rmSync(passwordFile, { force: true });

  const port = await freePort();
  const urlOf = (database: string) => `postgres://primoart:${password}@127.0.0.1:${port}/${database}`;
  let server: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function answers(): Promise<boolean> {
    const client = new pg.Client({ connectionString: urlOf('postgres'), connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async function start(): Promise<void> {
    const settings = {
      listen_addresses: '127.0.0.1',
      port,
      unix_socket_directories: '',
      fsync: 'off',
    };
    const child = spawn(
      join(binDir, 'postgres'),
      ['-D', dataDir, ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`])],
      { ...asOwner, cwd: dataDir, stdio: 'ignore' },
    );
    server = child;
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor(`private postgres on ${port}`, answers, 30_000, 200);
  }

  async function stop(): Promise<void> {
    const child = server;
    server = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    // SIGINT = "fast" shutdown: sessions are terminated, the server exits cleanly.
    child.kill('SIGINT');
    await exited;
  }

  await start();
  const admin = new pg.Client({ connectionString: urlOf('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE primoart');
  await admin.end();

  return {
    url: urlOf('primoart'),
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
