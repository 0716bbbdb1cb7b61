// PostgreSQL 15 from Debian, as a dedicated cluster in the state directory (not the package's
// own cluster on 5432): TCP on 127.0.0.1 only, a `primoart` superuser with a generated password.
import { chownSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { host } from '../ports.ts';
import type { ServiceDefinition, StackContext } from '../service.ts';
import { stateLayout } from '../stack-paths.ts';
import { isRoot, lookupSystemUser } from '../system-user.ts';

const majorVersion = '15';
const binDir = `/usr/lib/postgresql/${majorVersion}/bin`;
const superuser = 'primoart';
/** The databases the stack's services use; created when missing. */
export const stackDatabases = ['primoart', 'apicurio', 'alerta'];

/** The server refuses to run as root; as root we use Debian's `postgres` system user. */
const serverUser = (): string | undefined => (isRoot() ? 'postgres' : undefined);
const dataDir = (ctx: StackContext) => stateLayout.dataDir(ctx.paths, 'postgres');

export function postgresUrl(ctx: StackContext, database: string): string {
  const password = encodeURIComponent(ctx.secrets.postgresPassword);
  return `postgres://${superuser}:${password}@${host}:${ctx.ports.postgres}/${database}`;
}

async function withClient<T>(
  ctx: StackContext,
  work: (client: import('pg').Client) => Promise<T>,
): Promise<T> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({
    connectionString: postgresUrl(ctx, 'postgres'),
    connectionTimeoutMillis: 2_000,
  });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export const postgres: ServiceDefinition = {
  name: 'postgres',
  version: majorVersion,
  async install(ctx) {
    if (existsSync(join(binDir, 'postgres'))) return;
    if (!isRoot()) {
      throw new Error(
        `PostgreSQL ${majorVersion} is not installed (${binDir}); as root: apt-get install -y postgresql`,
      );
    }
    ctx.progress(`postgres: installing Debian's postgresql (${majorVersion}) with apt-get (once)`);
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    await ctx.exec('apt-get', ['update'], { env, timeoutMs: 10 * 60_000 });
    await ctx.exec('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], {
      env,
      timeoutMs: 15 * 60_000,
    });
    if (!existsSync(join(binDir, 'postgres'))) {
      throw new Error(`apt-get installed postgresql, but not version ${majorVersion} (${binDir} is missing)`);
    }
  },
  systemUser: serverUser,
  async init(ctx) {
    const dir = dataDir(ctx);
    if (existsSync(join(dir, 'PG_VERSION'))) return;
    ctx.progress('postgres: creating the cluster (initdb, once per state directory)');
    const user = serverUser();
    const owner = user === undefined ? undefined : lookupSystemUser(user);
    if (user !== undefined) {
      // The runner made the data directory the user's and the state directory traversable by its
      // group; a private directory above the state directory would still block the way.
      await ctx.exec('test', ['-r', dir, '-a', '-x', dir], { user }).catch(() => {
        throw new Error(
          `the ${user} system user cannot reach ${ctx.paths.stateDir}; choose a state directory outside ` +
            'private home directories (the default for root is /var/lib/primoart)',
        );
      });
    }
    // initdb reads the password from a file; it lives only for the duration of initdb.
    const passwordFile = `${dir}.initdb-password`;
    writeFileSync(passwordFile, `${ctx.secrets.postgresPassword}\n`, { mode: 0o600 });
    if (owner !== undefined) chownSync(passwordFile, owner.uid, owner.gid);
    try {
      await ctx.exec(
        join(binDir, 'initdb'),
        [
          `--pgdata=${dir}`,
          `--username=${superuser}`,
          `--pwfile=${passwordFile}`,
          '--auth-host=scram-sha-256',
          '--auth-local=scram-sha-256',
          '--encoding=UTF8',
          '--no-locale',
        ],
        { ...(user === undefined ? {} : { user }), cwd: dir, timeoutMs: 120_000 },
      );
    } finally {
      rmSync(passwordFile, { force: true });
    }
  },
  launch(ctx) {
    const settings = {
      listen_addresses: host,
      port: ctx.ports.postgres,
      // TCP only: no socket file to collide with the system cluster or exceed path limits.
      unix_socket_directories: '',
      max_connections: 200,
    };
    const user = serverUser();
    return {
      command: join(binDir, 'postgres'),
      args: [
        `-D`,
        dataDir(ctx),
        ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
      ],
      cwd: dataDir(ctx),
      ...(user === undefined ? {} : { user }),
    };
  },
  async probe(ctx) {
    return withClient(ctx, async (client) => (await client.query('SELECT 1 AS ok')).rows.length === 1);
  },
  async afterStart(ctx) {
    await withClient(ctx, async (client) => {
      for (const database of stackDatabases) {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
        if (found.rowCount === 0) {
          ctx.progress(`postgres: creating database ${database}`);
          await client.query(`CREATE DATABASE "${database}"`);
        }
      }
    });
  },
  env(ctx) {
    return { PRIMOART_PG_URL: postgresUrl(ctx, 'primoart') };
  },
  url(ctx) {
    return `postgres://${host}:${ctx.ports.postgres}`;
  },
  // SIGINT is PostgreSQL's "fast" shutdown; SIGTERM ("smart") would wait for every client.
  stopSignal: 'SIGINT',
  startTimeoutMs: 60_000,
};
