// Every case of the hostile-input corpus (test/corpus/hostile/) against a real gateway of its own:
// the expected status, a body that names the problem, and nothing published: no record on any topic
// the gateway writes names one of the test's keys (published-by.ts), whatever other tests publish.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { managedKeyIdOf } from '../../auth/key-store.ts';
import { validateUpload } from '../../schemas/index.ts';
import type { Admin } from '../../topics/port.ts';
import {
  buildRequest,
  type CorpusKeys,
  corpusBodyLimitBytes,
  judge,
  loadBaseResult,
  loadHostileCases,
  revokedManagedKey,
  send,
  wrongScopes,
} from './hostile-requests.ts';
import { describeRecord, ownKey, type Positions, positions, recordsStampedBy } from './published-by.ts';
import { kafkaConnection, type RunningProcess, scratchDatabase, startReady, testConfig } from './stack.ts';

const cases = loadHostileCases();

describe('hostile input', () => {
  let gateway: RunningProcess;
  let gatewayUrl: string;
  let keys: CorpusKeys;
  /** The ids of every key the cases present that a gateway could publish for. */
  let keyIds: string[];
  let admin: Admin;
  let dropDatabase: () => Promise<void>;

  before(async () => {
    // The gateway needs no database, but the config names one; a scratch one keeps it honest.
    const database = await scratchDatabase();
    dropDatabase = () => database.drop();
    // Keys of the test's own (not testConfig's `admin` and `robot`, which every test's gateway has).
    const own = {
      admin: ownKey('corpus-admin', ['admin']),
      robot: ownKey('corpus-robot', ['results:write'], { robot_id: randomUUID() }),
      wrongScope: ownKey('corpus-wrong-scope', wrongScopes),
    };
    const setup = await testConfig(database.url, {
      gateway: {
        body_limit_bytes: corpusBodyLimitBytes,
        api_keys: [own.admin.config, own.robot.config, own.wrongScope.config],
      },
    });
    gatewayUrl = setup.gatewayUrl;
    gateway = await startReady(['gateway', '--config.file', setup.configFile], gatewayUrl);
    const revoked = await revokedManagedKey(setup.configFile, gatewayUrl);
    keys = { admin: own.admin.secret, robot: own.robot.secret, wrongScope: own.wrongScope.secret, revoked };
    keyIds = [own.admin.id, own.robot.id, own.wrongScope.id, managedKeyIdOf(revoked) ?? ''];
    admin = await kafkaConnection().admin();
  });

  after(async () => {
    await admin?.disconnect();
    await gateway?.stop();
    await dropDatabase?.();
  });

  test('the corpus is big enough and its base result is valid, so each case fails only by its edit', () => {
    assert.ok(cases.length >= 40, `${cases.length} cases`);
    const base = validateUpload(loadBaseResult(), { now: new Date(), defaultEnvironment: 'test' });
    assert.equal(base.kind, 'single');
    assert.deepEqual(base.kind === 'single' && base.validation.ok, true, JSON.stringify(base));
  });

  test('the corpus covers every endpoint of the gateway', () => {
    const endpoints: Record<string, (method: string, path: string) => boolean> = {
      'results upload': (method, path) =>
        method === 'POST' && path.startsWith('/api/v1/transactions/results/'),
      'definitions upsert': (method, path) => method === 'POST' && path === '/api/v1/transactions/',
      'definitions delete': (method, path) => method === 'DELETE' && path.startsWith('/api/v1/transactions/'),
      'definitions read': (method, path) => method === 'GET' && path === '/api/v1/transactions/',
      'OTLP traces': (method, path) => method === 'POST' && path === '/v1/traces',
      'OTLP metrics': (method, path) => method === 'POST' && path === '/v1/metrics',
      'OTLP logs': (method, path) => method === 'POST' && path === '/v1/logs',
    };
    const counts = Object.fromEntries(
      Object.entries(endpoints).map(([name, matches]) => [
        name,
        cases.filter((hostileCase) => matches(hostileCase.method, hostileCase.path)).length,
      ]),
    );
    for (const [name, count] of Object.entries(counts)) assert.ok(count > 0, `no case for ${name}`);
    for (const [name, has] of [
      [
        'a revoked key on the results upload',
        (c: (typeof cases)[number]) => c.path.startsWith('/api/v1/transactions/results/'),
      ],
      ['a revoked key on OTLP', (c: (typeof cases)[number]) => c.path.startsWith('/v1/')],
    ] as const) {
      assert.ok(
        cases.some((c) => c.key === 'revoked' && has(c)),
        `no case for ${name}`,
      );
    }
  });

  test('every case gets its status, names its problem, and publishes nothing', async () => {
    const failures: string[] = [];
    // Where the gateway's topics ended before each case, then after the last: a record is the
    // doing of the case in whose window it lies.
    const marks: Positions[] = [];
    for (const hostileCase of cases) {
      const request = buildRequest(hostileCase, { keys, bodyLimitBytes: corpusBodyLimitBytes });
      marks.push(await positions(admin));
      let answer: Awaited<ReturnType<typeof send>>;
      try {
        answer = await send(gatewayUrl, request);
      } catch (error) {
        failures.push(`${hostileCase.id}: the request failed: ${(error as Error).message}`);
        continue;
      }
      failures.push(...judge(hostileCase, answer));
    }
    marks.push(await positions(admin));
    const published = await recordsStampedBy(keyIds, marks[0] as Positions, marks.at(-1) as Positions);
    for (const record of published) {
      const i = marks.findLastIndex(
        (mark) => (mark[record.topic]?.[record.partition] ?? 0n) <= record.offset,
      );
      const by = cases[Math.min(i, cases.length - 1)]?.id;
      failures.push(`${by}: reached Kafka: ${describeRecord(record)}`);
    }
    assert.deepEqual(failures, []);
    assert.equal(gateway.child.exitCode, null, `the gateway exited:\n${gateway.output()}`);
    assert.equal((await fetch(`${gatewayUrl}/-/healthy`)).status, 200);
  });
});
