// The run detail and its screenshots end to end on the real stack: a gateway, synth-store and
// artifact-store of the test's own (bucket and database of its own) take the contract's full example
// (real PNG, JPEG and WebP screenshots) and a console of the test's own answers it: every field as
// uploaded, the steps' offsets from the run's start, the log; each screenshot's bytes byte-identical
// to the uploaded image, with its content type, nosniff, caching headers and a 304 for its ETag.
// Only what the run references is served (another step, another robot's run: 404), and only as a
// screenshot type (an object overwritten as text/html: 500, no bytes). A results:write
// key is 403, no key and a revoked managed key 401, on both endpoints. Every JSON answer is valid
// against the OpenAPI document the console serves.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { screenshotReference } from '../../console/queries/run-detail.ts';
import { sha256Hex } from '../../core/sha256.ts';
import {
  type ArtifactStoreTest,
  resultWithScreenshots,
  startArtifactStoreTest,
} from './artifact-store-pipeline.ts';
import { openApiChecker, startConsole, type TestConsole } from './console.ts';
import { runCli, waitFor } from './stack.ts';

const readKey = `test-read-${randomUUID()}`;
const writeOnlyKey = `test-write-${randomUUID()}`;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('console: a run, its steps, log and screenshots', () => {
  let artifacts: ArtifactStoreTest;
  let consoleProcess: TestConsole;
  let checker: Awaited<ReturnType<typeof openApiChecker>>;
  // The contract's example as JSON: its fields are read back below as the robot sent them.
  const result: Record<string, any> = resultWithScreenshots();
  const robotId = String(result.robot_id).toLowerCase();
  const resultId = String(result.result_id);
  const runPath = `/api/v1/runs/${robotId}/${resultId}`;
  const managedKeys: string[] = [];

  const get = (path: string, key: string | null, headers: Record<string, string> = {}) =>
    fetch(`${consoleProcess.url}${path}`, {
      headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...headers },
    });
  const getJson = async (operationId: string, path: string, status = 200, headers = {}) => {
    const response = await get(path, readKey, headers);
    const body = await response.json();
    assert.equal(response.status, status, `${path}: ${JSON.stringify(body)}`);
    checker.assertDocumented(operationId, status, body);
    return body as any;
  };

  before(async () => {
    artifacts = await startArtifactStoreTest();
    const { setup } = artifacts.pipeline;
    // The console starts while the run and its screenshots are stored (each takes seconds here).
    const [started] = await Promise.all([
      startConsole(setup, {
        api_keys: [
          { name: 'reader', sha256: sha256Hex(readKey), scopes: ['read'] },
          { name: 'writer', sha256: sha256Hex(writeOnlyKey), scopes: ['results:write'] },
        ],
        failed_auth_burst: 1_000_000,
      }),
      (async () => {
        await artifacts.uploadAccepted(result);
        await artifacts.waitUntilStored([resultId], 60_000);
      })(),
    ]);
    consoleProcess = started;
    checker = await openApiChecker(consoleProcess.url);
  });

  after(async () => {
    await consoleProcess?.stop();
    await Promise.all(
      managedKeys.map((id) =>
        runCli(['keys', 'revoke', id, '--config.file', artifacts.pipeline.setup.configFile]),
      ),
    );
    await artifacts?.close();
  });

  test('every field of the run as uploaded, steps with offsets from its start, the log', async () => {
    const run = await getJson('getRun', runPath);
    const ms = (text: unknown) => new Date(String(text)).getTime();
    const iso = (text: unknown) => new Date(String(text)).toISOString();
    const start = ms(result.started_at);
    assert.deepEqual(
      {
        robot_id: run.robot_id,
        result_id: run.result_id,
        transaction_id: run.transaction_id,
        transaction_name: run.transaction_name,
        service: run.service,
        project: run.project,
        robot_name: run.robot_name,
        location: run.location,
        environment: run.environment,
        started_at: run.started_at,
        finished_at: run.finished_at,
        duration_ms: run.duration_ms,
        status: run.status,
        error_code: run.error_code,
        error_message: run.error_message,
        target_duration_ms: run.target_duration_ms,
        attributes: run.attributes,
        log: run.log,
      },
      {
        robot_id: robotId,
        result_id: resultId,
        transaction_id: result.transaction_id,
        transaction_name: result.transaction_name,
        service: result.service,
        project: result.project,
        robot_name: result.robot_name,
        location: {
          key: `${result.location.country}/${result.location.region}/${result.location.city}`,
          ...result.location,
        },
        environment: result.environment,
        started_at: iso(result.started_at),
        finished_at: iso(result.finished_at),
        duration_ms: ms(result.finished_at) - start,
        status: result.status,
        error_code: null,
        error_message: null,
        target_duration_ms: result.target_duration_ms,
        attributes: result.attributes,
        log: result.log,
      },
    );
    assert.equal(run.source.topic, 'primoart.synth.results.v1');
    assert.ok(ms(run.received_at) <= ms(run.stored_at));
    assert.deepEqual(
      run.steps,
      (result.steps as Array<Record<string, unknown>>).map((step) => ({
        index: step.index,
        name: step.name,
        started_at: iso(step.started_at),
        finished_at: iso(step.finished_at),
        duration_ms: ms(step.finished_at) - ms(step.started_at),
        start_offset_ms: ms(step.started_at) - start,
        end_offset_ms: ms(step.finished_at) - start,
        status: step.status,
        error_message: step.error_message ?? null,
      })),
    );
  });

  test('screenshots: the uploaded bytes, their content type, nosniff, caching and a 304', async () => {
    const run = await getJson('getRun', runPath);
    const uploaded = result.screenshots as Array<{ step_index: number; content_type: string; data: string }>;
    assert.equal(run.screenshots.length, uploaded.length);
    const ordinals = new Map<number, number>();
    for (const [index, image] of uploaded.entries()) {
      const bytes = Buffer.from(image.data, 'base64');
      const ordinal = ordinals.get(image.step_index) ?? 0;
      ordinals.set(image.step_index, ordinal + 1);
      const listed = run.screenshots[index];
      assert.deepEqual(
        { ...listed, url: undefined },
        {
          step_index: image.step_index,
          ordinal,
          content_type: image.content_type,
          size_bytes: bytes.length,
          sha256: sha256(bytes),
          url: undefined,
        },
      );

      const answer = await get(listed.url, readKey);
      assert.equal(answer.status, 200, listed.url);
      assert.ok(Buffer.from(await answer.arrayBuffer()).equals(bytes), `${listed.url}: the uploaded bytes`);
      assert.equal(answer.headers.get('content-type'), image.content_type);
      assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(answer.headers.get('cache-control'), 'private, max-age=31536000, immutable');
      const etag = answer.headers.get('etag');
      assert.equal(etag, `"${sha256(bytes)}"`);

      // Without the image's hash in the URL the same bytes are not cacheable for ever.
      const plainPath = listed.url.split('?')[0];
      const plain = await get(plainPath, readKey);
      assert.ok(Buffer.from(await plain.arrayBuffer()).equals(bytes));
      assert.equal(plain.headers.get('cache-control'), 'private, no-cache');
      const revalidated = await get(plainPath, readKey, { 'if-none-match': String(etag) });
      assert.equal(revalidated.status, 304);
      assert.equal((await revalidated.arrayBuffer()).byteLength, 0);

      // Asked for JSON: what the bytes are.
      const described = await getJson('getScreenshot', plainPath, 200, { accept: 'application/json' });
      assert.deepEqual(described, listed);
    }
  });

  test('only what the run references: another step, ordinal or robot is a 404', async () => {
    const steps = new Set((result.screenshots as Array<{ step_index: number }>).map((s) => s.step_index));
    const missingStep = Math.max(...steps) + 1;
    for (const path of [
      `${runPath}/screenshots/${missingStep}/0`,
      `${runPath}/screenshots/0/9`,
      `/api/v1/runs/${randomUUID()}/${resultId}/screenshots/0/0`,
      `/api/v1/runs/${randomUUID()}/${resultId}`,
    ]) {
      const response = await get(path, readKey, { accept: 'application/json' });
      const body = await response.json();
      assert.equal(response.status, 404, path);
      checker.assertDocumented(path.includes('screenshots') ? 'getScreenshot' : 'getRun', 404, body);
    }
    const bad = await getJson('getRun', '/api/v1/runs/not-a-uuid/also-not', 400);
    assert.deepEqual(bad.error.fields.map((field: { path: string }) => field.path).sort(), [
      'result_id',
      'robot_id',
    ]);
  });

  test('a results:write key is 403, no key and a revoked managed key 401', async () => {
    const run = await getJson('getRun', runPath);
    const paths = [runPath, run.screenshots[0].url];
    for (const path of paths) {
      assert.equal((await get(path, writeOnlyKey)).status, 403, path);
      assert.equal((await get(path, null)).status, 401, path);
    }
    const configFile = artifacts.pipeline.setup.configFile;
    const created = await runCli([
      'keys',
      'create',
      '--scope',
      'read',
      '--name',
      'run-detail-it',
      '--config.file',
      configFile,
    ]);
    assert.equal(created.code, 0, created.output);
    const id = /^id: ([0-9a-f]{16})$/m.exec(created.output)?.[1];
    const managed = /^key: (pa_\S+)$/m.exec(created.output)?.[1];
    assert.ok(id !== undefined && managed !== undefined, created.output);
    managedKeys.push(id);
    await waitFor(
      'the console to know the new key',
      async () => (await get(runPath, managed)).status === 200,
      10_000,
    );
    const revoked = await runCli(['keys', 'revoke', id, '--config.file', configFile]);
    assert.equal(revoked.code, 0, revoked.output);
    await waitFor(
      'the console to refuse the revoked key',
      async () => (await get(runPath, managed)).status === 401,
      10_000,
    );
    for (const path of paths) assert.equal((await get(path, managed)).status, 401, path);
  });

  // Last: it overwrites the run's first screenshot in the test's own bucket.
  test('an object of a type that is not a screenshot type is never served: a 500, no bytes', async () => {
    const run = await getJson('getRun', runPath);
    const plainPath = String(String(run.screenshots[0].url).split('?')[0]);
    const reference = await screenshotReference(
      artifacts.pipeline.database.pool,
      robotId,
      resultId,
      run.screenshots[0].step_index,
      run.screenshots[0].ordinal,
    );
    assert.ok(reference !== undefined);
    const html = Buffer.from('<script>alert(1)</script>');
    await artifacts.minio.putObject(artifacts.bucket, reference.object_key, html, html.length, {
      'Content-Type': 'text/html',
      sha256: sha256(html),
    });
    const answer = await get(plainPath, readKey);
    const body = (await answer.json()) as { error: { code: string } };
    assert.equal(answer.status, 500, JSON.stringify(body));
    assert.equal(body.error.code, 'internal');
    assert.equal(answer.headers.get('content-type')?.startsWith('application/json'), true);
  });
});
