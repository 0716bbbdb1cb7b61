// The limits of an accepted result add up to what one Kafka record and PostgreSQL hold, on the real
// stack: large results and batches that fit are accepted and stored, what cannot fit is 413 (never
// a 503 to retry forever), attribute keys are stored as sent, and refusals stay small and quick.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { RecordTooLargeError, sendWithin } from '../../ingest-gateway/publisher.ts';
import { resultRecordMaxBytes } from '../../schemas/result-record-size.ts';
import { topics } from '../../topics/catalog.ts';
import { freshResult, kafkaConnection, type Pipeline, startPipeline, upload } from './stack.ts';

/** A fresh result with `count` steps inside its run, each with an error message of `errorBytes`. */
function resultWithSteps(count: number, errorBytes: number, overrides: Record<string, unknown> = {}) {
  const result = freshResult(overrides);
  const started = Date.parse(result.started_at);
  const iso = (ms: number) => new Date(ms).toISOString();
  result.steps = Array.from({ length: count }, (_, index) => ({
    index,
    name: `step ${index}`,
    started_at: iso(started + 1),
    finished_at: iso(started + 2),
    status: 'FAIL',
    error_message: 'e'.repeat(errorBytes),
  }));
  return result;
}

/** The gateway's event-loop delay since its previous scrape (prom-client resets it at each one). */
async function eventLoopDelay(gatewayUrl: string): Promise<{ p99: number; max: number }> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const seconds = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    p99: seconds('nodejs_eventloop_lag_p99_seconds'),
    max: seconds('nodejs_eventloop_lag_max_seconds'),
  };
}

describe('result limits', () => {
  let pipeline: Pipeline;
  let gatewayUrl: string;
  let key: string;

  before(async () => {
    pipeline = await startPipeline();
    gatewayUrl = pipeline.setup.gatewayUrl;
    key = pipeline.setup.apiKey;
  });

  after(async () => {
    await pipeline?.close();
  });

  const storedRun = (resultId: string) =>
    pipeline.waitStored(`${resultId} in synth_runs`, async () => {
      const { rows } = await pipeline.database.pool.query(
        `SELECT length(log) AS log_length, attributes,
                (SELECT count(*) FROM synth_step_runs s WHERE s.result_id = r.result_id) AS step_count
         FROM synth_runs r WHERE result_id = $1`,
        [resultId],
      );
      return rows[0];
    });

  test('a batch of six 900 KB results of one transaction is accepted and every one is stored', async () => {
    // One transaction: one partition, so one produce request would make one record batch of 5.4 MB.
    const transactionId = randomUUID();
    const results = Array.from({ length: 6 }, () =>
      freshResult({ transaction_id: transactionId, log: 'x'.repeat(900_000) }),
    );
    const answer = await upload(gatewayUrl, key, { results });
    assert.equal(answer.status, 200, JSON.stringify(answer.body).slice(0, 500));
    assert.deepEqual(
      answer.body.results.map((item: { status: string }) => item.status),
      Array(6).fill('accepted'),
    );
    for (const result of results) {
      const row = await storedRun(result.result_id);
      assert.equal(Number(row.log_length), 900_000);
    }
  });

  test("Kafka's own refusal of a record as too large is told apart from Kafka being away", async () => {
    // The dead-letter topic (8 MiB messages, no consumer that could choke) and one byte more than
    // it takes: the size check should keep results from ever getting here; this is the last line.
    const producer = await kafkaConnection().producer();
    try {
      const topic = topics.deadLetters;
      const message = {
        key: `result-limits-${randomUUID()}`,
        value: Buffer.alloc(topic.maxMessageBytes + 1),
      };
      await assert.rejects(
        sendWithin(producer, [{ topic: topic.name, messages: [message] }], 30_000),
        (error) => {
          assert.ok(error instanceof RecordTooLargeError, String(error));
          return true;
        },
      );
    } finally {
      await producer.disconnect();
    }
  });

  test('a result just under the record limit is stored; one over it is 413, alone or in a batch, and never stored', async () => {
    const fits = resultWithSteps(300, 8 * 1024, { log: 'l'.repeat(1024 * 1024) });
    const accepted = await upload(gatewayUrl, key, fits);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body).slice(0, 500));
    const row = await storedRun(fits.result_id);
    assert.equal(Number(row.step_count), 300);
    assert.equal(Number(row.log_length), 1024 * 1024);

    // Every field within its own limit (500 steps, 8 KiB errors, a 1 MiB log), ~5.2 MB together.
    const tooLarge = resultWithSteps(500, 8 * 1024, { log: 'l'.repeat(1024 * 1024) });
    const refused = await upload(gatewayUrl, key, tooLarge);
    assert.equal(refused.status, 413, JSON.stringify(refused.body).slice(0, 500));
    assert.equal(refused.body.error, 'result_too_large');
    assert.equal(refused.body.details[0].path, '');
    assert.match(refused.body.details[0].message, new RegExp(`over the ${resultRecordMaxBytes} bytes`));
    assert.match(refused.body.details[0].message, /steps\[\]\.error_message/);
    // In a batch, the item that cannot fit is rejected and its neighbour accepted.
    // Same transaction, so same partition: the neighbour stored means the item before it was not.
    const neighbour = freshResult({ transaction_id: tooLarge.transaction_id });
    const batch = await upload(gatewayUrl, key, { results: [tooLarge, neighbour] });
    assert.equal(batch.status, 200);
    assert.deepEqual(
      batch.body.results.map((item: { status: string }) => item.status),
      ['rejected', 'accepted'],
    );
    await storedRun(neighbour.result_id);
    assert.equal(await pipeline.storedCount(tooLarge.result_id), 0);
  });

  test('attribute keys named like Object.prototype members are stored as sent; __proto__ is refused', async () => {
    const attributes = { constructor: 'a', toString: 'b', hasOwnProperty: 'c', valueOf: 'd', '': undefined };
    delete attributes[''];
    const kept = freshResult({ attributes });
    assert.equal((await upload(gatewayUrl, key, kept)).status, 202);
    const row = await storedRun(kept.result_id);
    assert.deepEqual(row.attributes, attributes);

    const proto = freshResult({ attributes: { browser: 'chromium' } });
    const text = JSON.stringify(proto).replace('"browser"', '"__proto__"');
    const refused = await upload(gatewayUrl, key, text);
    assert.equal(refused.status, 400);
    assert.deepEqual(
      refused.body.details.map((detail: { path: string }) => detail.path),
      ['attributes.__proto__'],
    );
  });

  test('refusals of requests with huge numbers of problems stay small, and the gateway stays responsive', async (t) => {
    const emptySteps = (count: number) => Array.from({ length: count }, () => ({}));
    const delays: string[] = [];
    /** Sends and notes the gateway's event-loop delay over the request (no timing asserted). */
    const measured = async (name: string, body: string) => {
      await eventLoopDelay(gatewayUrl); // a scrape resets the gateway's histogram
      const [answer, ready] = await Promise.all([
        upload(gatewayUrl, key, body),
        fetch(`${gatewayUrl}/-/ready`).then((response) => response.status),
      ]);
      const delay = await eventLoopDelay(gatewayUrl);
      delays.push(
        `${name} (${body.length} bytes): p99 ${(delay.p99 * 1000).toFixed(1)} ms, max ${(delay.max * 1000).toFixed(1)} ms`,
      );
      assert.equal(ready, 200);
      return answer;
    };
    const single = await measured(
      '100,000 empty steps',
      JSON.stringify({ ...freshResult(), steps: emptySteps(100_000) }),
    );
    assert.equal(single.status, 400);
    assert.deepEqual(
      single.body.details.map((detail: { path: string }) => detail.path),
      ['steps'],
    );
    assert.ok(JSON.stringify(single.body).length < 1000);
    const batch = await measured(
      'a batch of 100 results of 500 empty steps',
      JSON.stringify({
        results: Array.from({ length: 100 }, () => ({ ...freshResult(), steps: emptySteps(500) })),
      }),
    );
    assert.equal(batch.status, 200);
    const named = batch.body.results.map((item: { errors: unknown[] }) => item.errors.length);
    assert.ok(
      named.every((count: number) => count >= 1 && count <= 100),
      JSON.stringify(named),
    );
    assert.ok(named.reduce((sum: number, count: number) => sum + count, 0) <= 1100);
    assert.ok(batch.body.results.every((item: { error_count: number }) => item.error_count >= 1));
    const valid = await measured(
      'a batch of 100 valid results of 500 steps',
      JSON.stringify({ results: Array.from({ length: 100 }, () => resultWithSteps(500, 0)) }),
    );
    assert.equal(valid.status, 200);
    for (const line of delays) t.diagnostic(`gateway event-loop delay over ${line}`);
  });
});
