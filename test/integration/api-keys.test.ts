// Managed API keys on the real stack: created, listed and revoked with the CLI, honoured by
// gateways started from the test, revocation reaching every instance, scope and robot rules,
// the per-key rate limit in records, failed authentication slowed down and logged, and the key
// itself never logged nor written to a topic.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../core/logging.ts';
import { topics } from '../../topics/catalog.ts';
import { startCompactedView } from '../../topics/compacted-view.ts';
import {
  freePort,
  freshResult,
  kafkaConnection,
  type RunningProcess,
  runCli,
  startCli,
  startReady,
  type TestSetup,
  testConfig,
  upload,
  waitFor,
} from './stack.ts';

/** The gateway needs no database; the config schema wants a URL in the postgres section only. */
const noDatabase = 'postgres://unused@127.0.0.1:1/unused';

interface CreatedKey {
  id: string;
  key: string;
}

describe('API keys', () => {
  let first: TestSetup;
  let second: TestSetup;
  const gateways: RunningProcess[] = [];
  const created: CreatedKey[] = [];

  const keys = async (...args: string[]) => runCli(['keys', ...args, '--config.file', first.configFile]);

  const createKey = async (...args: string[]): Promise<CreatedKey> => {
    const { code, output } = await keys('create', ...args);
    assert.equal(code, 0, output);
    const id = /^id: ([0-9a-f]{16})$/m.exec(output)?.[1];
    const key = /^key: (pa_\S+)$/m.exec(output)?.[1];
    assert.ok(id !== undefined && key !== undefined, output);
    assert.equal(output.split(key).length, 2, 'the key is printed exactly once');
    created.push({ id, key });
    return { id, key };
  };

  /** The `keys list` row of a key, as cells. */
  const listRow = async (id: string): Promise<string[] | undefined> => {
    const { code, output } = await keys('list');
    assert.equal(code, 0, output);
    const line = output.split('\n').find((l) => l.startsWith(`${id} `));
    return line?.split(/\s{2,}/);
  };

  before(async () => {
    // Both gateways log at debug, so the no-key-in-the-logs check covers as much output as there is.
    first = await testConfig(noDatabase, { log: { level: 'debug' } });
    second = await testConfig(noDatabase, { log: { level: 'debug' } });
    gateways.push(
      ...(await Promise.all([
        startReady(['gateway', '--config.file', first.configFile], first.gatewayUrl),
        startReady(['gateway', '--config.file', second.configFile], second.gatewayUrl),
      ])),
    );
  });

  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    // Keys live in the shared stack's topic: leave none of the test's usable. One CLI process per
    // key, all at once: a CLI start costs seconds on a loaded machine.
    await Promise.all(created.map(({ id }) => keys('revoke', id)));
  });

  test('a robot key made with the CLI is accepted, then refused by two gateways within 10 s of its revocation', async (t) => {
    const robotId = randomUUID();
    const keyName = `it robot ${randomUUID().slice(0, 8)}`;
    const { id, key } = await createKey('--scope', 'results:write', '--robot-id', robotId, '--name', keyName);
    for (const setup of [first, second]) {
      const accepted = await waitFor(`the new key accepted by ${setup.gatewayUrl}`, async () => {
        const answer = await upload(setup.gatewayUrl, key, freshResult({ robot_id: robotId }));
        return answer.status === 401 ? undefined : answer;
      });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    }

    const revoked = await keys('revoke', id);
    assert.equal(revoked.code, 0, revoked.output);
    const revokeReturnedAt = Date.now();
    await Promise.all(
      [first, second].map((setup) =>
        waitFor(
          `the revoked key refused by ${setup.gatewayUrl}`,
          async () =>
            (await upload(setup.gatewayUrl, key, freshResult({ robot_id: robotId }))).status === 401,
          10_000,
          100,
        ),
      ),
    );
    t.diagnostic(`refused by both gateways ${Date.now() - revokeReturnedAt} ms after 'keys revoke' returned`);
    const answer = await upload(second.gatewayUrl, key, freshResult({ robot_id: robotId }));
    assert.deepEqual([answer.status, answer.body], [401, { error: 'unknown or revoked API key' }]);

    const again = await keys('revoke', id);
    assert.equal(again.code, 0, 'revoking twice is fine');
    assert.match(again.output, /already revoked/);

    const row = await waitFor('keys list to show the use', async () => {
      const cells = await listRow(id);
      return cells?.[5] !== 'never' && cells;
    });
    const [, name, scopes, robot, createdAt, lastUsed, revokedAt] = row;
    assert.deepEqual([name, scopes, robot], [keyName, 'results:write', robotId]);
    for (const time of [createdAt, lastUsed, revokedAt])
      assert.match(time ?? '', /^\d{4}-\d\d-\d\dT[\d:]{8}Z$/);
  });

  test('scopes: an otlp-only key is refused on the results endpoint, an admin key uploads for any robot', async () => {
    const otlp = await createKey('--scope', 'otlp:write');
    const admin = await createKey('--scope', 'admin');
    const refused = await waitFor('the otlp key known', async () => {
      const answer = await upload(first.gatewayUrl, otlp.key, freshResult());
      return answer.status === 401 ? undefined : answer;
    });
    assert.equal(refused.status, 403);
    assert.match(refused.body.error, /results:write/);
    const accepted = await waitFor('the admin key known', async () => {
      const answer = await upload(first.gatewayUrl, admin.key, freshResult());
      return answer.status === 401 ? undefined : answer;
    });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
  });

  test('a robot key uploading for another robot gets 403, and nothing without a key gets past 401', async () => {
    const robotId = randomUUID();
    const { key } = await createKey('--scope', 'results:write,definitions:read', '--robot-id', robotId);
    const other = await waitFor('the robot key known', async () => {
      const answer = await upload(first.gatewayUrl, key, freshResult({ robot_id: randomUUID() }));
      return answer.status === 401 ? undefined : answer;
    });
    assert.equal(other.status, 403);
    assert.match(other.body.error, new RegExp(robotId));
    assert.equal((await upload(first.gatewayUrl, key, freshResult({ robot_id: robotId }))).status, 202);
    assert.equal((await upload(first.gatewayUrl, undefined, freshResult())).status, 401);
    assert.equal((await upload(first.gatewayUrl, `${key}x`, freshResult())).status, 401);
  });

  test('the CLI refuses bad requests with a clear message and a non-zero exit', async () => {
    // Four CLI processes at once: each refusal is independent of the others, and a CLI start is slow.
    const [unknown, robotWithoutResults, badScope, configKey] = await Promise.all([
      keys('revoke', '0123456789abcdef'),
      keys('create', '--scope', 'otlp:write', '--robot-id', randomUUID()),
      keys('create', '--scope', 'results:read'),
      keys('revoke', 'config:admin'),
    ]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.output, /no API key with id '0123456789abcdef'/);
    assert.notEqual(robotWithoutResults.code, 0);
    assert.match(robotWithoutResults.output, /must have the results:write scope/);
    assert.notEqual(badScope.code, 0);
    assert.match(badScope.output, /unknown scope 'results:read'/);
    assert.notEqual(configKey.code, 0);
    assert.match(configKey.output, /config file/);
  });

  test('over its rate limit a key gets 429 with Retry-After, then is served again; a gateway started later knows every key once ready', async () => {
    const { key } = await createKey('--scope', 'results:write', '--name', 'rate-limited');
    const port = await freePort();
    // One record every 5 s: the bucket refills too slowly for scheduling delays to matter (a 429 is
    // missed only if every upload took 5 s or more), so this runs beside other test files.
    const limited = await testConfig(noDatabase, {
      gateway: { listen: `127.0.0.1:${port}`, rate_limit: { records_per_second: 0.2, burst: 3 } },
    });
    const url = `http://127.0.0.1:${port}`;
    // Polled tightly: the first request after /-/ready turns 200 must already know the key.
    const gateway = startCli(['gateway', '--config.file', limited.configFile]);
    gateways.push(gateway);
    await waitFor(
      'the third gateway ready',
      async () => {
        if (gateway.child.exitCode !== null) throw new Error(`exited early:\n${gateway.output()}`);
        return (await fetch(`${url}/-/ready`).catch(() => undefined))?.status === 200;
      },
      60_000,
      10,
    );

    const statuses: number[] = [];
    let refusal: Awaited<ReturnType<typeof upload>> | undefined;
    while (refusal === undefined && statuses.length < 20) {
      const answer = await upload(url, key, freshResult());
      statuses.push(answer.status);
      if (answer.status === 429) refusal = answer;
    }
    assert.deepEqual(statuses.slice(0, 3), [202, 202, 202], 'the burst is served, from the first request on');
    assert.ok(refusal !== undefined, `no 429 in ${statuses.join(',')}`);
    const retryAfter = Number(refusal.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${retryAfter}`);
    assert.equal(refusal.body.error, 'rate_limited');
    assert.equal(refusal.body.retry_after_seconds, retryAfter);
    assert.equal((await upload(url, undefined, freshResult())).status, 401, 'no key: 401, never 429');

    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    assert.equal((await upload(url, key, freshResult())).status, 202, 'served again after Retry-After');
  });

  /**
   * A gateway of the test's own with the default rate limits (stack.ts lifts them for other tests),
   * but for the keys of `rateLimit` given.
   */
  const defaultLimitsGateway = async (
    rateLimit: Record<string, number> = {},
  ): Promise<{ url: string; gateway: RunningProcess }> => {
    const port = await freePort();
    const setup = await testConfig(noDatabase, {
      gateway: { listen: `127.0.0.1:${port}`, rate_limit: rateLimit },
    });
    const url = `http://127.0.0.1:${port}`;
    const gateway = await startReady(['gateway', '--config.file', setup.configFile], url);
    gateways.push(gateway);
    return { url, gateway };
  };

  /** An OTLP/JSON trace export of `spans` spans of one service. */
  const spansBody = (spans: number): string => {
    const startNs = BigInt(Date.now()) * 1_000_000n;
    return JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'rate-limit-it' } }] },
          scopeSpans: [
            {
              scope: { name: 'it' },
              spans: Array.from({ length: spans }, (_, i) => ({
                traceId: randomBytes(16).toString('hex'),
                spanId: randomBytes(8).toString('hex'),
                name: `span ${i}`,
                kind: 2,
                startTimeUnixNano: String(startNs),
                endTimeUnixNano: String(startNs + 1_000_000n),
              })),
            },
          ],
        },
      ],
    });
  };
  const exportSpans = (url: string, key: string, body: string) =>
    fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body,
    });

  test('the rate limit counts records: 8,000 spans a second pass by default; a key created with --rate-limit is held to it', async () => {
    const { url } = await defaultLimitsGateway();
    const collector = await createKey('--scope', 'otlp:write', '--name', 'busy collector');
    // 8,000 spans a second for four seconds: first as four batches of 2,000 (a Collector's), then
    // as 100 requests of 80 (an SDK exporting small batches: over the old 50 requests/s limit).
    const body = spansBody(2000);
    const small = spansBody(80);
    const statuses: number[] = [];
    for (let second = 0; second < 4; second++) {
      const started = Date.now();
      // Ten at a time, as an exporter's few connections send them.
      const [requests, each] = second === 0 ? [1, 4] : [10, 10];
      for (let round = 0; round < requests; round++) {
        const answers = await Promise.all(
          Array.from({ length: each }, () => exportSpans(url, collector.key, second === 0 ? body : small)),
        );
        for (const answer of answers) {
          statuses.push(answer.status);
          assert.deepEqual(await answer.json(), {}, `every span accepted (${answer.status})`);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - started))));
    }
    assert.deepEqual(statuses, Array(304).fill(200), 'never limited at 8,000 spans/s');

    const slow = await createKey('--scope', 'otlp:write', '--name', 'slow collector', '--rate-limit', '100');
    assert.equal((await listRow(slow.id))?.[7], '100/s', 'keys list shows the limit');
    // The CLI reads the first gateway's config, whose default is lifted (stack.ts).
    assert.match((await listRow(collector.id))?.[7] ?? '', /^\d+\/s \(default\)$/);
    // A key's burst is as many seconds of its limit as the gateway's default has. With the default
    // (2 s) a refused request proves itself only if it arrives within 2 s of the one before, so the
    // key is held to its limit on a gateway whose burst is 20 s of its rate: 2,000 spans at 100/s.
    // 1,000 leave half of it; 2,000 more are refused once counted, for the 10 s the bucket needs.
    const twentySeconds = await defaultLimitsGateway({ records_per_second: 100_000, burst: 2_000_000 });
    const first = await exportSpans(twentySeconds.url, slow.key, spansBody(1000));
    assert.equal(first.status, 200);
    const limited = await exportSpans(twentySeconds.url, slow.key, body);
    assert.equal(limited.status, 429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${retryAfter}`);
    assert.match(JSON.stringify(await limited.json()), /rate limit/);
    assert.equal(
      (await exportSpans(twentySeconds.url, collector.key, spansBody(10))).status,
      200,
      'other keys go on',
    );
  });

  test('a source that keeps failing authentication gets 429; each failure is logged at warn without the secret and counted', async () => {
    // The default burst of 20 failures, refilled at one failure a day instead of one every 6 s: the
    // 50 attempts may take as long as a loaded machine makes them without a failure coming back.
    const { url, gateway } = await defaultLimitsGateway({ failed_auth_per_minute: 1 / (24 * 60) });
    const known = await createKey('--scope', 'results:write', '--name', 'guessed');
    const secretMarker = `WRONG${randomUUID().replaceAll('-', '')}`;
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) {
      // Half guess a known key's secret, half are not PrimoART keys at all.
      const guess = i % 2 === 0 ? `pa_${known.id}_${secretMarker}${i}` : `${secretMarker}-${i}`;
      const answer = await upload(url, guess, freshResult());
      statuses.push(answer.status);
      if (answer.status === 429) {
        assert.equal(answer.body.error, 'too_many_failed_authentications');
        assert.ok(Number(answer.headers.get('retry-after')) >= 1);
      }
    }
    assert.deepEqual(statuses.slice(0, 20), Array(20).fill(401), 'the default burst is 20 failures');
    assert.deepEqual(
      statuses.slice(20),
      Array(30).fill(429),
      `every later attempt is throttled: ${statuses.join(',')}`,
    );
    assert.equal(
      (await upload(url, known.key, freshResult())).status,
      202,
      'a right key from the same address still passes',
    );

    const metrics = await (await fetch(`${url}/metrics`)).text();
    const failed = [...metrics.matchAll(/^primoart_gateway_auth_failures_total\{reason="(\w+)"\} (\d+)$/gm)];
    const byReason = Object.fromEntries(failed.map((match) => [match[1], Number(match[2])]));
    assert.equal(
      (byReason.wrong_secret ?? 0) + (byReason.unknown_key ?? 0),
      statuses.filter((s) => s === 401).length,
    );
    assert.ok((byReason.wrong_secret ?? 0) > 0, 'a wrong secret of a known id is told apart');
    assert.match(metrics, /^primoart_gateway_auth_throttled_total [1-9]\d*$/m);
    assert.doesNotMatch(
      metrics,
      /nodejs_version_info|primoart_gateway_api_keys/,
      '/metrics tells no version, no key count',
    );

    await gateway.stop();
    const lines = gateway
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const warnings = lines.filter(
      (line) => line.level === 'warn' && String(line.msg).includes('failed authentication'),
    );
    assert.ok(warnings.length >= 1 && warnings.length <= 5, `${warnings.length} warn lines for one source`);
    assert.equal(warnings[0]?.source, '127.0.0.1');
    assert.ok(['wrong_secret', 'unknown_key'].includes(String(warnings[0]?.reason)));
    assert.ok(!gateway.output().includes(secretMarker), 'no secret in the log');
  });

  test('the key itself appears in no gateway log line and in no record of the key topics', async () => {
    assert.ok(created.length >= 4);
    const records: Buffer[] = [];
    for (const topic of [topics.apiKeys.name, topics.apiKeyUsage.name]) {
      const view = await startCompactedView<Buffer>({
        kafka: kafkaConnection(),
        topic,
        logger: createLogger({ component: 'test', level: 'error' }),
        decode: async (value, message) => {
          records.push(value, message.key ?? Buffer.alloc(0), Buffer.from(JSON.stringify(message.headers)));
          return value;
        },
      });
      await view.caughtUp();
      await view.stop();
    }
    const ids = created.map(({ id }) => id);
    assert.ok(
      ids.every((id) => records.some((record) => record.includes(id))),
      'the test sees its own keys in the topic',
    );
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    const logs = gateways.map((gateway) => gateway.output()).join('\n');
    assert.ok(logs.length > 0);
    for (const { key } of created) {
      const secret = key.slice('pa_'.length + 16 + 1);
      for (const record of records) assert.ok(!record.includes(secret), 'a topic record holds a key');
      assert.ok(!logs.includes(secret), 'a gateway logged a key');
    }
  });
});
