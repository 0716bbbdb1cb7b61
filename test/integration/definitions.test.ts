// Transaction definitions on the real stack: two gateway instances of the test's own, sharing the
// compacted definitions topic. Upserts and deletes show on the instance that took them at once and
// on the other within seconds; GET has a strong ETag (304 on a match, the same on both instances);
// invalid bodies publish nothing (no record names the test's keys: published-by.ts; other tests
// write the same topic meanwhile); scopes are enforced; a restarted gateway rebuilds the same view.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { topics } from '../../topics/catalog.ts';
import { describeRecord, ownKey, positions, recordsStampedBy, type StampedRecord } from './published-by.ts';
import {
  freePort,
  type RunningProcess,
  repoDir,
  stack,
  startCli,
  startReady,
  testConfig,
  waitFor,
  withAdmin,
} from './stack.ts';

const examples = join(repoDir, 'schemas', 'examples', 'transaction-definition');
const readJson = (file: string): any => JSON.parse(readFileSync(file, 'utf8'));

// Keys of the test's own (unique names, so their ids are on no other test's records), on both instances.
const ownKeys = {
  admin: ownKey('definitions-admin', ['admin']),
  reader: ownKey('robot-reader', ['definitions:read']),
  uploader: ownKey('uploader', ['results:write']),
};
const keys = {
  admin: ownKeys.admin.secret,
  reader: ownKeys.reader.secret,
  uploader: ownKeys.uploader.secret,
};

/** Run `requests`; the records either instance published for the test's keys meanwhile. */
async function publishedDuring(requests: () => Promise<void>): Promise<StampedRecord[]> {
  const from = await withAdmin(positions);
  await requests();
  const to = await withAdmin(positions);
  return recordsStampedBy(
    Object.values(ownKeys).map((key) => key.id),
    from,
    to,
  );
}

interface Instance {
  url: string;
  configFile: string;
  process: RunningProcess;
}

async function startInstance(): Promise<Instance> {
  const port = await freePort();
  const setup = await testConfig(stack.pgUrl(), {
    gateway: {
      listen: `127.0.0.1:${port}`,
      api_keys: Object.values(ownKeys).map((key) => key.config),
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const running = await startReady(['gateway', '--config.file', setup.configFile], url);
  return { url, configFile: setup.configFile, process: running };
}

interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

async function call(
  url: string,
  method: string,
  path: string,
  key: string | undefined,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, text, headers: response.headers };
}

const list = (url: string, key = keys.reader, headers: Record<string, string> = {}) =>
  call(url, 'GET', '/api/v1/transactions/', key, { headers });
const upsert = (url: string, body: unknown, key = keys.admin) =>
  call(url, 'POST', '/api/v1/transactions/', key, { body });
const remove = (url: string, uuid: string, key = keys.admin) =>
  call(url, 'DELETE', `/api/v1/transactions/${uuid}`, key);

function definition(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    uuid: randomUUID(),
    name: 'Login and search',
    cron: '*/5 * * * *',
    code: "await page.goto('https://shop.example.com');",
    target_duration: 12.5,
    metadata: { location: 'location01' },
    description: 'integration test definition',
    ...overrides,
  };
}

const uuidsOf = (answer: Answer): string[] => (answer.body as Array<{ uuid: string }>).map((d) => d.uuid);

describe('transaction definitions', () => {
  let first: Instance;
  let second: Instance;

  before(async () => {
    [first, second] = await Promise.all([startInstance(), startInstance()]);
  });

  after(async () => {
    await Promise.all([first?.process.stop(), second?.process.stop()]);
  });

  /** Wait until `instance` lists the definitions that `predicate` accepts; returns how long it took. */
  async function converges(instance: Instance, what: string, predicate: (answer: Answer) => boolean) {
    const started = Date.now();
    await waitFor(what, async () => predicate(await list(instance.url)), 15_000, 50);
    return Date.now() - started;
  }

  test('an upsert is listed by the instance that took it as soon as it answers, exactly as sent', async () => {
    const sent = definition({ uuid: randomUUID().toUpperCase() });
    const minimal = definition();
    delete minimal.metadata;
    delete minimal.description;
    const answer = await upsert(first.url, [sent, minimal]);
    assert.equal(answer.status, 200, answer.text);
    const uuids = [sent.uuid.toLowerCase(), minimal.uuid];
    assert.deepEqual(answer.body.upserted, uuids);
    assert.ok(!Number.isNaN(Date.parse(answer.body.updated_at)));

    const listed = await list(first.url);
    assert.equal(listed.status, 200);
    assert.match(listed.headers.get('content-type') ?? '', /application\/json/);
    const shown = (listed.body as Array<Record<string, unknown>>).filter((d) =>
      uuids.includes(String(d.uuid)),
    );
    const expected: Array<Record<string, unknown>> = [
      { ...sent, uuid: uuids[0], updated_at: answer.body.updated_at },
      { ...minimal, metadata: {}, description: null, updated_at: answer.body.updated_at },
    ];
    const byUuid = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      String(a.uuid) < String(b.uuid) ? -1 : 1;
    assert.deepEqual(shown, expected.toSorted(byUuid));
    const all = uuidsOf(listed);
    assert.deepEqual(all, all.toSorted(), 'listed in a stable order (by uuid)');
  });

  test('a second instance converges within seconds of an upsert, of a change and of a delete', async () => {
    const sent = definition();
    assert.equal((await upsert(first.url, [sent])).status, 200);
    const afterUpsert = await converges(second, 'the upsert on the second instance', (a) =>
      uuidsOf(a).includes(sent.uuid),
    );

    assert.equal((await upsert(second.url, [{ ...sent, cron: '0 * * * *' }])).status, 200);
    const afterChange = await converges(first, 'the change on the first instance', (a) =>
      (a.body as Array<{ uuid: string; cron: string }>).some(
        (d) => d.uuid === sent.uuid && d.cron === '0 * * * *',
      ),
    );

    assert.equal((await remove(first.url, sent.uuid)).status, 204);
    assert.ok(!uuidsOf(await list(first.url)).includes(sent.uuid), 'gone at once where it was deleted');
    const afterDelete = await converges(
      second,
      'the delete on the second instance',
      (a) => !uuidsOf(a).includes(sent.uuid),
    );
    process.stdout.write(
      `# convergence on the other instance: upsert ${afterUpsert} ms, change ${afterChange} ms, delete ${afterDelete} ms\n`,
    );
  });

  test('GET has a strong ETag: 304 without a body on a match, the same on both instances, new after a change', async () => {
    const sent = definition();
    assert.equal((await upsert(first.url, [sent])).status, 200);
    await converges(second, 'the upsert on the second instance', (a) => uuidsOf(a).includes(sent.uuid));

    const listed = await list(first.url);
    const etag = listed.headers.get('etag') ?? '';
    assert.match(etag, /^"[^"]+"$/, 'a strong ETag');
    await waitFor(
      'both instances to answer the same ETag',
      async () => (await list(second.url)).headers.get('etag') === etag,
      15_000,
      50,
    );

    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const notModified = await list(first.url, keys.reader, { 'if-none-match': ifNoneMatch });
      assert.equal(notModified.status, 304, ifNoneMatch);
      assert.equal(notModified.text, '');
      assert.equal(notModified.headers.get('etag'), etag);
    }
    const stale = await list(second.url, keys.reader, { 'if-none-match': '"something-else"' });
    assert.equal(stale.status, 200);
    assert.equal(stale.text, listed.text);

    assert.equal((await upsert(first.url, [{ ...sent, name: 'Renamed' }])).status, 200);
    const changed = await list(first.url, keys.reader, { 'if-none-match': etag });
    assert.equal(changed.status, 200, 'the old ETag no longer matches');
    assert.notEqual(changed.headers.get('etag'), etag);
    assert.ok((changed.body as Array<{ name: string }>).some((d) => d.name === 'Renamed'));
  });

  test('each invalid example is refused with 400 naming every path, and nothing is published', async () => {
    const expected: Record<string, string[]> = readJson(join(examples, 'invalid', 'expected.json'));
    const valid = definition();
    const published = await publishedDuring(async () => {
      for (const [file, paths] of Object.entries(expected)) {
        const answer = await upsert(first.url, readJson(join(examples, 'invalid', file)));
        assert.equal(answer.status, 400, `${file}: ${answer.text}`);
        assert.equal(answer.body.error, 'invalid_definitions', file);
        assert.deepEqual(
          answer.body.details.map((d: { path: string }) => d.path).toSorted(),
          paths.toSorted(),
          file,
        );
      }
      // One valid and one invalid item: all or nothing.
      const mixed = await upsert(first.url, [valid, definition({ cron: '* * *' })]);
      assert.equal(mixed.status, 400);
      assert.deepEqual(
        mixed.body.details.map((d: { path: string }) => d.path),
        ['[1].cron'],
      );
      const malformed = await fetch(`${first.url}/api/v1/transactions/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.admin}`, 'content-type': 'application/json' },
        body: '[{"uuid": ',
      });
      assert.equal(malformed.status, 400);
      assert.equal(((await malformed.json()) as { error: string }).error, 'malformed_json');
    });
    assert.deepEqual(published.map(describeRecord), [], 'an invalid definition reached Kafka');
    assert.ok(!uuidsOf(await list(first.url)).includes(valid.uuid));
  });

  test('DELETE: 204 for a listed definition, 404 for an unknown or already deleted one, 400 for a malformed uuid', async () => {
    const sent = definition();
    assert.equal((await upsert(first.url, [sent])).status, 200);
    const refused = await publishedDuring(async () => {
      assert.equal((await remove(first.url, randomUUID())).status, 404);
      const malformed = await remove(first.url, 'not-a-uuid');
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.details[0].path, 'uuid');
    });
    assert.deepEqual(refused.map(describeRecord), [], 'refused deletes publish nothing');

    const tombstones = await publishedDuring(async () => {
      const deleted = await remove(first.url, sent.uuid.toUpperCase());
      assert.equal(deleted.status, 204);
      assert.equal(deleted.text, '');
    });
    assert.deepEqual(
      tombstones.map((record) => [record.topic, record.key, record.tombstone, record.keyId]),
      [[topics.synthDefinitions.name, sent.uuid, true, ownKeys.admin.id]],
      'one tombstone',
    );
    assert.equal((await remove(first.url, sent.uuid)).status, 404);
  });

  test('401 without a known key, 403 without the scope; a definitions:read key reads but cannot write', async () => {
    const sent = definition();
    for (const key of [undefined, 'not-a-key']) {
      // Called directly: the helpers would fill in a default key for `undefined`.
      assert.equal((await call(first.url, 'GET', '/api/v1/transactions/', key)).status, 401);
      const body = [sent];
      assert.equal((await call(first.url, 'POST', '/api/v1/transactions/', key, { body })).status, 401);
      assert.equal((await call(first.url, 'DELETE', `/api/v1/transactions/${sent.uuid}`, key)).status, 401);
    }
    assert.equal((await list(first.url, keys.uploader)).status, 403);
    assert.equal((await upsert(first.url, [sent], keys.uploader)).status, 403);
    assert.equal((await upsert(first.url, [sent], keys.reader)).status, 403);
    assert.equal((await remove(first.url, sent.uuid, keys.reader)).status, 403);
    assert.equal((await list(first.url, keys.reader)).status, 200);
    assert.equal((await list(first.url, keys.admin)).status, 200, 'admin may do everything');
    assert.ok(!uuidsOf(await list(first.url)).includes(sent.uuid));
  });

  test('a restarted gateway reports ready only with the whole view rebuilt: the same body and ETag', async () => {
    const sent = definition();
    assert.equal((await upsert(first.url, [sent])).status, 200);
    const deleted = definition();
    assert.equal((await upsert(first.url, [deleted])).status, 200);
    assert.equal((await remove(first.url, deleted.uuid)).status, 204);
    const before = await list(first.url);

    assert.equal(await first.process.stop(), 0);
    first = { ...first, process: startCli(['gateway', '--config.file', first.configFile]) };
    // Ask as early and as often as possible: the first answer that is not "not ready yet" (503)
    // must already be the whole view.
    const rebuilt = await waitFor(
      'the restarted gateway to answer GET',
      async () => {
        if (first.process.child.exitCode !== null) throw new Error(`exited:\n${first.process.output()}`);
        const answer = await list(first.url).catch(() => undefined);
        return answer !== undefined && answer.status !== 503 && answer;
      },
      60_000,
      2,
    );
    assert.equal(rebuilt.status, 200);
    assert.equal(rebuilt.headers.get('etag'), before.headers.get('etag'));
    assert.equal(rebuilt.text, before.text);
    assert.ok(uuidsOf(rebuilt).includes(sent.uuid));
    assert.ok(!uuidsOf(rebuilt).includes(deleted.uuid), 'the tombstone is honoured on rebuild');
  });
});
