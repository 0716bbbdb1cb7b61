// Every case of the hostile-input corpus (test/corpus/hostile/) against a real gateway of its own:
// the expected status, a body that names the problem, and nothing published to any catalog topic.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { validateUpload } from '../../schemas/index.ts';
import type { Admin } from '../../topics/port.ts';
import {
  buildRequest,
  type CorpusKeys,
  catalogEnds,
  corpusBodyLimitBytes,
  corpusConfigOverrides,
  judge,
  loadBaseResult,
  loadHostileCases,
  revokedManagedKey,
  send,
} from './hostile-requests.ts';
import { kafkaConnection, type RunningProcess, scratchDatabase, startReady, testConfig } from './stack.ts';

const cases = loadHostileCases();

describe('hostile input', () => {
  let gateway: RunningProcess;
  let gatewayUrl: string;
  let keys: CorpusKeys;
  let admin: Admin;
  let dropDatabase: () => Promise<void>;

  before(async () => {
    // The gateway needs no database, but the config names one; a scratch one keeps it honest.
    const database = await scratchDatabase();
    dropDatabase = () => database.drop();
    const wrongScope = `test-wrong-scope-${randomUUID()}`;
    const setup = await testConfig(database.url, corpusConfigOverrides(wrongScope));
    gatewayUrl = setup.gatewayUrl;
    gateway = await startReady(['gateway', '--config.file', setup.configFile], gatewayUrl);
    const revoked = await revokedManagedKey(setup.configFile, gatewayUrl);
    keys = { admin: setup.apiKey, robot: setup.robotKey, wrongScope, revoked };
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
    const endsBefore = await catalogEnds(admin);
    for (const hostileCase of cases) {
      const request = buildRequest(hostileCase, { keys, bodyLimitBytes: corpusBodyLimitBytes });
      const caseBefore = await catalogEnds(admin);
      let answer: Awaited<ReturnType<typeof send>>;
      try {
        answer = await send(gatewayUrl, request);
      } catch (error) {
        failures.push(`${hostileCase.id}: the request failed: ${(error as Error).message}`);
        continue;
      }
      failures.push(...judge(hostileCase, answer));
      const caseAfter = await catalogEnds(admin);
      for (const [topic, end] of Object.entries(caseAfter)) {
        if (end !== caseBefore[topic]) {
          failures.push(`${hostileCase.id}: ${topic} moved from ${caseBefore[topic]} to ${end}`);
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(await catalogEnds(admin), endsBefore, 'a hostile request reached Kafka');
    assert.equal(gateway.child.exitCode, null, `the gateway exited:\n${gateway.output()}`);
    assert.equal((await fetch(`${gatewayUrl}/-/healthy`)).status, 200);
  });
});
