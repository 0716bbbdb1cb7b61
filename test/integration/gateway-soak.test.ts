// The hostile-input corpus in parallel loops while a stream of valid uploads (singles and batches)
// flows through the same gateway into a synth-store of its own. The gateway must keep answering
// every hostile case as the corpus says, never crash, keep its resident memory bounded, and every
// result it accepted must reach PostgreSQL exactly once (and nothing else must).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  type BuiltRequest,
  buildRequest,
  corpusBodyLimitBytes,
  corpusConfigOverrides,
  judge,
  loadBaseResult,
  loadHostileCases,
  revokedManagedKey,
  send,
} from './hostile-requests.ts';
import { freshResult, type Pipeline, startPipeline, upload, waitFor } from './stack.ts';

const soak = {
  hostileLoops: 3,
  validSenders: 2,
  singles: 250,
  batches: 25,
  batchSize: 10,
  /** The valid stream is spread over this long, so the hostile loops run alongside all of it. */
  streamMs: 20_000,
  memorySampleMs: 500,
  /**
   * Generous: a bound that only a leak or unbounded buffering would break. Measured peaks are
   * 400–500 MiB: three loops of 7–8 MiB bodies keep V8 heap and buffers large between GCs.
   */
  maxResidentBytes: 1024 * 1024 * 1024,
};

let pipeline: Pipeline;
let wrongScope: string;
let revoked: string;

before(async () => {
  wrongScope = `test-wrong-scope-${randomUUID()}`;
  pipeline = await startPipeline({ configOverrides: corpusConfigOverrides(wrongScope) });
  revoked = await revokedManagedKey(pipeline.setup.configFile, pipeline.setup.gatewayUrl);
});

after(async () => {
  await pipeline?.close();
});

/** The gateway's own memory figures from its /metrics: resident set, V8 heap used, external buffers. */
async function memoryOf(gatewayUrl: string): Promise<MemorySample | undefined> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const gauge = (name: string) => {
    const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  };
  const resident = gauge('process_resident_memory_bytes');
  if (resident === undefined) return undefined;
  return {
    resident,
    heapUsed: gauge('nodejs_heap_size_used_bytes') ?? 0,
    external: gauge('nodejs_external_memory_bytes') ?? 0,
  };
}

interface MemorySample {
  resident: number;
  heapUsed: number;
  external: number;
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

test('hostile traffic alongside a valid stream: no crash, bounded memory, every accepted result stored once', async (t) => {
  const { setup, gateway } = pipeline;
  const keys = { admin: setup.apiKey, robot: setup.robotKey, wrongScope, revoked };
  const corpus: BuiltRequest[] = loadHostileCases().map((hostileCase) =>
    buildRequest(hostileCase, { keys, bodyLimitBytes: corpusBodyLimitBytes }),
  );

  let streaming = true;
  const hostileFailures: string[] = [];
  let hostileSent = 0;
  const hostileLoop = async (offset: number) => {
    for (let i = offset; streaming; i++) {
      const request = corpus[i % corpus.length] as BuiltRequest;
      try {
        hostileFailures.push(...judge(request.hostileCase, await send(setup.gatewayUrl, request)));
      } catch (error) {
        hostileFailures.push(`${request.hostileCase.id}: the request failed: ${(error as Error).message}`);
      }
      hostileSent++;
    }
  };

  const memorySamples: MemorySample[] = [];
  const sampleMemory = async () => {
    while (streaming) {
      const sample = await memoryOf(setup.gatewayUrl).catch(() => undefined);
      if (sample !== undefined) memorySamples.push(sample);
      await new Promise((resolve) => setTimeout(resolve, soak.memorySampleMs));
    }
  };

  // The valid stream: singles and batches interleaved, each sent at its planned moment.
  const transactions = Array.from({ length: 12 }, () => randomUUID());
  const units: Array<Array<Record<string, unknown>>> = [];
  // One batch after every run of singles: 250 singles and 25 batches → a batch every 11th unit.
  const period = soak.singles / soak.batches + 1;
  for (let i = 0; i < soak.singles + soak.batches; i++) {
    const size = i % period === period - 1 ? soak.batchSize : 1;
    units.push(
      Array.from({ length: size }, (_, j) =>
        freshResult({ transaction_id: transactions[(i + j) % transactions.length] }),
      ),
    );
  }
  const accepted: string[] = [];
  const validProblems: string[] = [];
  const started = Date.now();
  let next = 0;
  const validSender = async () => {
    while (next < units.length) {
      const position = next++;
      const unit = units[position] as Array<Record<string, unknown>>;
      const due = started + (position * soak.streamMs) / units.length;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
      const body = unit.length === 1 ? unit[0] : { results: unit };
      const answer = await upload(setup.gatewayUrl, setup.apiKey, body);
      if (unit.length === 1 && answer.status === 202) {
        accepted.push(answer.body.result_id);
      } else if (unit.length > 1 && answer.status === 200) {
        for (const item of answer.body.results) {
          if (item.status === 'accepted') accepted.push(item.result_id);
          else validProblems.push(`batch item refused: ${JSON.stringify(item)}`);
        }
      } else {
        validProblems.push(`valid upload answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
    }
  };

  const hostile = Array.from({ length: soak.hostileLoops }, (_, i) =>
    hostileLoop(Math.floor((i * corpus.length) / soak.hostileLoops)),
  );
  const sampler = sampleMemory();
  await Promise.all(Array.from({ length: soak.validSenders }, validSender));
  streaming = false;
  await Promise.all([...hostile, sampler]);

  const expected = units.flat().length;
  assert.equal(expected, soak.singles + soak.batches * soak.batchSize);
  assert.ok(
    hostileSent >= corpus.length,
    `the whole corpus went through at least once (${hostileSent} sent)`,
  );
  assert.deepEqual(hostileFailures.slice(0, 20), [], `${hostileFailures.length} hostile answers were wrong`);
  assert.deepEqual(validProblems, []);
  assert.equal(accepted.length, expected);

  assert.equal(gateway.child.exitCode, null, `the gateway exited:\n${gateway.output()}`);
  assert.equal((await fetch(`${setup.gatewayUrl}/-/healthy`)).status, 200);
  assert.ok(memorySamples.length >= 10, `only ${memorySamples.length} memory samples`);
  const peak = Math.max(...memorySamples.map((sample) => sample.resident));
  assert.ok(peak < soak.maxResidentBytes, `resident memory reached ${mib(peak)} MiB`);

  // The worker reads the shared results topic: rows of other people's uploads made meanwhile are
  // not ours to judge, so only the stream's transactions and the corpus's are looked at.
  await waitFor(
    `all ${accepted.length} accepted results stored`,
    async () => {
      const { rows } = await pipeline.database.pool.query(
        'SELECT count(*) AS n FROM synth_runs WHERE transaction_id = ANY($1::uuid[])',
        [transactions],
      );
      return Number(rows[0].n) >= accepted.length;
    },
    60_000,
  );
  const corpusBase = loadBaseResult();
  const { rows } = await pipeline.database.pool.query<{ result_id: string; steps: string }>(
    `SELECT r.result_id, (SELECT count(*) FROM synth_step_runs s WHERE s.result_id = r.result_id) AS steps
     FROM synth_runs r WHERE r.transaction_id = ANY($1::uuid[])`,
    [transactions],
  );
  assert.deepEqual(
    rows.map((row) => row.result_id).sort(),
    [...accepted].sort(),
    'exactly the accepted results, each once',
  );
  const fromCorpus = await pipeline.database.pool.query(
    'SELECT result_id FROM synth_runs WHERE transaction_id = $1 OR result_id = $2',
    [corpusBase.transaction_id, corpusBase.result_id],
  );
  assert.deepEqual(fromCorpus.rows, [], 'a hostile request was stored');
  for (const row of rows) assert.equal(Number(row.steps), 2, `${row.result_id} has its 2 steps once`);
  t.diagnostic(
    `soak: ${accepted.length} valid results accepted, ${hostileSent} hostile requests; gateway memory ` +
      `(MiB, resident/heap used/external) over ${memorySamples.length} samples: ` +
      memorySamples.map((m) => `${mib(m.resident)}/${mib(m.heapUsed)}/${mib(m.external)}`).join(' '),
  );
});
