import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { fleetPlanFor, parseGenerateArguments } from '../../../scripts/fleet/generate.ts';
import { generateFleetResults } from '../../../scripts/fleet/generator.ts';
import { parseUploadArguments } from '../../../scripts/fleet/upload.ts';
import {
  ndjsonFileSource,
  planSource,
  retryDelayMs,
  UploadError,
  uploadFleet,
} from '../../../scripts/fleet/uploader.ts';

const end = new Date('2026-11-23T04:00:00.000Z');

/** 2 hours of 1 transaction from 3 locations every 5 minutes: 72 results. */
function smallPlan() {
  const options = parseGenerateArguments(['--weeks', '1', '--transactions', '1', '--seed', '3'], end);
  assert.ok(options);
  const plan = fleetPlanFor(options);
  return { ...plan, from: new Date(end.getTime() - 2 * 60 * 60 * 1000) };
}

type Reply = (body: any, response: ServerResponse) => void;

const acceptAll: Reply = (body, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      results: body.results.map((r: { result_id: string }) => ({
        result_id: r.result_id,
        status: 'accepted',
      })),
    }),
  );
};

describe('uploadFleet against a fake gateway', () => {
  const received: Array<{ path: string; authorization: string | undefined; results: any[] }> = [];
  let replies: Reply[] = [];
  let gatewayUrl = '';
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    request.on('end', () => {
      const body = JSON.parse(text);
      received.push({
        path: request.url ?? '',
        authorization: request.headers.authorization,
        results: body.results,
      });
      (replies.shift() ?? acceptAll)(body, response);
    });
  });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
    replies = [];
  });

  test('sends every result once, in batches of the asked size, with the key', async () => {
    const plan = smallPlan();
    const counts = await uploadFleet(planSource(plan), {
      gatewayUrl,
      apiKey: 'pa_test',
      batchSize: 20,
      concurrency: 3,
    });
    assert.deepEqual(counts, { sent: 72, accepted: 72, batches: 4, retries: 0 });
    assert.deepEqual(
      received.map((r) => r.results.length).sort((a, b) => a - b),
      [12, 20, 20, 20],
    );
    assert.ok(received.every((r) => r.path === '/api/v1/transactions/results/upload'));
    assert.ok(received.every((r) => r.authorization === 'Bearer pa_test'));
    const ids = received.flatMap((r) => r.results.map((result) => result.result_id));
    assert.equal(new Set(ids).size, 72);
  });

  test('a 503 is retried after its Retry-After, and the batch is then accepted', async () => {
    replies = [
      (_body, response) => {
        response.writeHead(503, { 'retry-after': '2', 'content-type': 'application/json' });
        response.end('{"error":"unavailable"}');
      },
      (_body, response) => {
        response.writeHead(429, { 'retry-after': '1' });
        response.end('{"error":"rate_limited"}');
      },
    ];
    const waits: number[] = [];
    const counts = await uploadFleet(planSource(smallPlan()), {
      gatewayUrl,
      apiKey: 'k',
      concurrency: 1,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    assert.deepEqual(counts, { sent: 72, accepted: 72, batches: 1, retries: 2 });
    assert.deepEqual(waits, [2000, 1000]);
    assert.equal(received.length, 3);
    assert.deepEqual(received[2]?.results, received[0]?.results);
  });

  test('retries are bounded: a gateway that stays unavailable ends the upload', async () => {
    const unavailable: Reply = (_body, response) => {
      response.writeHead(503, { 'retry-after': '3600' });
      response.end('{"error":"unavailable"}');
    };
    replies = [unavailable, unavailable, unavailable];
    const waits: number[] = [];
    await assert.rejects(
      uploadFleet(planSource(smallPlan()), {
        gatewayUrl,
        apiKey: 'k',
        concurrency: 1,
        maxAttempts: 3,
        maxRetryWaitMs: 5000,
        sleep: async (ms) => {
          waits.push(ms);
        },
      }),
      /gave up on a batch after 3 attempts; last answer: 503/,
    );
    assert.deepEqual(waits, [5000, 5000]);
  });

  test('a 400 fails the upload with the problems the gateway named', async () => {
    replies = [
      (_body, response) => {
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            error: 'invalid_batch',
            details: [{ path: 'results', message: 'must have 1 to 100 items' }],
          }),
        );
      },
    ];
    await assert.rejects(
      uploadFleet(planSource(smallPlan()), { gatewayUrl, apiKey: 'k', concurrency: 1 }),
      (error: Error) => {
        assert.ok(error instanceof UploadError);
        assert.match(error.message, /gateway answered 400 invalid_batch: results: must have 1 to 100 items/);
        return true;
      },
    );
  });

  test('items rejected inside a 200 batch fail the upload, naming each result and field', async () => {
    replies = [
      (body, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            results: body.results.map((r: { result_id: string }, i: number) =>
              i === 1
                ? {
                    result_id: r.result_id,
                    status: 'rejected',
                    errors: [
                      { path: 'finished_at', message: 'must not be more than 5 minutes in the future' },
                    ],
                  }
                : { result_id: r.result_id, status: 'accepted' },
            ),
          }),
        );
      },
    ];
    const plan = smallPlan();
    const second = [...generateFleetResults(plan)][1] as { result_id: string };
    await assert.rejects(
      uploadFleet(planSource(plan), { gatewayUrl, apiKey: 'k', concurrency: 1 }),
      new RegExp(
        `rejected 1 of 72 results.*\\n  ${second.result_id}: finished_at: must not be more than 5 minutes in the future`,
        's',
      ),
    );
  });

  test('--from-file uploads an NDJSON file line by line and knows its total', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-upload-'));
    try {
      const file = join(dir, 'fleet.ndjson');
      const results = [...generateFleetResults(smallPlan())].slice(0, 5);
      writeFileSync(file, `${results.map((r) => JSON.stringify(r)).join('\n')}\n\n`);
      const source = await ndjsonFileSource(file);
      assert.equal(source.total, 6);
      const counts = await uploadFleet(source, { gatewayUrl, apiKey: 'k', batchSize: 2 });
      assert.deepEqual(counts, { sent: 5, accepted: 5, batches: 3, retries: 0 });
      assert.deepEqual(
        received
          .flatMap((r) => r.results)
          .map((r) => r.result_id)
          .sort(),
        results.map((r: any) => r.result_id).sort(),
      );
      writeFileSync(file, '{"result_id": "a"}\nnot json\n');
      await assert.rejects(
        uploadFleet(await ndjsonFileSource(file), { gatewayUrl, apiKey: 'k' }),
        /fleet\.ndjson:2: not JSON/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('Retry-After is read as seconds or a date, capped, with doubling when absent', () => {
  assert.equal(retryDelayMs('3', 1, 60_000), 3000);
  assert.equal(retryDelayMs('600', 1, 60_000), 60_000);
  assert.equal(retryDelayMs(null, 1, 60_000), 500);
  assert.equal(retryDelayMs(null, 4, 60_000), 4000);
  assert.equal(retryDelayMs(new Date(Date.now() - 1000).toUTCString(), 1, 60_000), 0);
});

test('upload arguments: own options, generator options passed through, env defaults', () => {
  const env = { PRIMOART_GATEWAY_URL: 'http://gw:1', PRIMOART_ADMIN_KEY: 'admin' };
  assert.deepEqual(parseUploadArguments(['--seed', '7', '--batch=50', '--weeks', '1'], env), {
    gatewayUrl: 'http://gw:1',
    apiKey: 'admin',
    batchSize: 50,
    concurrency: 4,
    fromFile: undefined,
    generatorArguments: ['--seed', '7', '--weeks', '1'],
  });
  assert.equal(
    parseUploadArguments(['--api-key', 'mine'], { ...env, PRIMOART_API_KEY: 'env' })?.apiKey,
    'mine',
  );
  assert.equal(parseUploadArguments(['--help'], env), undefined);
  assert.throws(
    () => parseUploadArguments(['--batch', '101'], env),
    /--batch must be an integer from 1 to 100/,
  );
  assert.throws(() => parseUploadArguments([], {}), /--gateway is needed/);
  assert.throws(
    () => parseUploadArguments(['--from-file', 'f.ndjson', '--seed', '1'], env),
    /these do not apply: --seed 1/,
  );
  assert.throws(() => parseUploadArguments(['--out', 'x'], env), /--out is for generate\.ts/);
});
