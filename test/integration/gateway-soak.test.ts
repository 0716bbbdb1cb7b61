// The hostile-input corpus and large hostile bodies made in code (a storm) in parallel loops while
// a stream of valid uploads (singles and batches) flows through the same gateway into a synth-store
// of its own. The gateway must keep answering every hostile request as expected, never crash, keep
// its event loop responsive while the storm runs and its resident memory bounded, give that memory
// back after the storm, and every result it accepted must reach PostgreSQL exactly once (and
// nothing else must).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  buildRequest,
  corpusBodyLimitBytes,
  corpusConfigOverrides,
  loadBaseResult,
  loadHostileCases,
  type ProcessFigures,
  processFigures,
  residentBytesOf,
  revokedManagedKey,
  type StormItem,
  sendStormItem,
  stormPlan,
  stormRequests,
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
  /** Issue 9's goal: at most 250 MB resident once a storm is over… */
  settledResidentBytes: 250 * 1000 * 1000,
  /** …within this long after it (the gateway frees memory at its next GCs, not at once). */
  settleMs: 60_000,
  /** Issue 9's goal: the event-loop delay's p99 while hostile requests run… */
  loopP99Seconds: 0.05,
  /**
   * …asserted when the machine itself is quiet: an idle Node process's p99 over the same time stays
   * under this. On a busy machine (other suites on 2 cores) every process's timers run late.
   */
  quietMachineP99Seconds: 0.02,
  /** Always: a loop blocked this long is a request handled on the main thread (seconds before issue 9). */
  blockedLoopSeconds: 1,
};

/**
 * An idle Node process measuring its own event-loop delay until its standard input closes: what
 * the machine does to any process's timers meanwhile. Resolves with its p99 in seconds.
 */
function idleLoopDelay(): { stop(): Promise<number> } {
  const source = `
    const histogram = require('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    process.stdin.on('end', () => process.stdout.write(String(histogram.percentile(99) / 1e9)));
    process.stdin.resume();
  `;
  const child = spawn(process.execPath, ['-e', source], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      child.stdin.end();
      await exited;
      return Number(output);
    },
  };
}

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

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

test('hostile traffic alongside a valid stream: no crash, bounded memory, every accepted result stored once', async (t) => {
  const { setup, gateway } = pipeline;
  const keys = { admin: setup.apiKey, robot: setup.robotKey, wrongScope, revoked };
  const corpus = loadHostileCases().map((hostileCase) =>
    buildRequest(hostileCase, { keys, bodyLimitBytes: corpusBodyLimitBytes }),
  );
  const storm = stormRequests(keys);
  const plan: StormItem[] = stormPlan(corpus, storm);
  const gatewayPid = gateway.child.pid ?? -1;

  let streaming = true;
  const hostileFailures: string[] = [];
  let hostileSent = 0;
  let stormSent = 0;
  const hostileLoop = async (offset: number) => {
    for (let i = offset; streaming; i++) {
      const item = plan[i % plan.length] as StormItem;
      hostileFailures.push(...(await sendStormItem(setup.gatewayUrl, item)).failures);
      hostileSent++;
      if (item.kind === 'storm') stormSent++;
    }
  };

  // Resident memory from /proc while the storm runs: the gateway's /metrics would also reset its
  // event-loop histogram, which is read once, over the whole storm.
  const residentSamples: number[] = [];
  const sampleMemory = async () => {
    while (streaming) {
      residentSamples.push(residentBytesOf(gatewayPid));
      await new Promise((resolve) => setTimeout(resolve, soak.memorySampleMs));
    }
  };
  const before = await processFigures(setup.gatewayUrl);
  const machine = idleLoopDelay();

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
    hostileLoop(Math.floor((i * plan.length) / soak.hostileLoops)),
  );
  const sampler = sampleMemory();
  await Promise.all(Array.from({ length: soak.validSenders }, validSender));
  streaming = false;
  await Promise.all([...hostile, sampler]);
  // prom-client's event-loop histogram covers the time since the previous scrape: the storm.
  const during = await processFigures(setup.gatewayUrl);
  const machineP99 = await machine.stop();

  // The settle: the storm is over; resident memory must come back under the goal.
  const settling: ProcessFigures[] = [];
  const settleStarted = Date.now();
  for (;;) {
    const figures = await processFigures(setup.gatewayUrl);
    settling.push(figures);
    if (figures.residentBytes <= soak.settledResidentBytes || Date.now() - settleStarted > soak.settleMs)
      break;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  const settled = settling.at(-1) as ProcessFigures;
  const peak = Math.max(...residentSamples);
  t.diagnostic(
    `soak: gateway resident ${mib(before.residentBytes)} MiB before the storm, peak ${mib(peak)} MiB during it ` +
      `(${hostileSent} hostile requests, ${stormSent} of them large bodies), ${mib(settled.residentBytes)} MiB ` +
      `${((Date.now() - settleStarted) / 1000).toFixed(0)} s after it (heap used ${mib(settled.heapUsedBytes)} MiB, ` +
      `external ${mib(settled.externalBytes)} MiB); event-loop delay during the storm: p99 ` +
      `${(during.loopP99Seconds * 1000).toFixed(1)} ms, max ${(during.loopMaxSeconds * 1000).toFixed(1)} ms ` +
      `(an idle process meanwhile: p99 ${(machineP99 * 1000).toFixed(1)} ms); ` +
      `settling (MiB resident): ${settling.map((figures) => mib(figures.residentBytes)).join(' ')}`,
  );

  const expected = units.flat().length;
  assert.equal(expected, soak.singles + soak.batches * soak.batchSize);
  assert.ok(
    hostileSent >= plan.length,
    `the whole corpus and every large body went through at least once (${hostileSent} sent)`,
  );
  assert.deepEqual(hostileFailures.slice(0, 20), [], `${hostileFailures.length} hostile answers were wrong`);
  assert.deepEqual(validProblems, []);
  assert.equal(accepted.length, expected);

  assert.equal(gateway.child.exitCode, null, `the gateway exited:\n${gateway.output()}`);
  assert.equal((await fetch(`${setup.gatewayUrl}/-/healthy`)).status, 200);
  assert.ok(residentSamples.length >= 10, `only ${residentSamples.length} memory samples`);
  assert.ok(peak < soak.maxResidentBytes, `resident memory reached ${mib(peak)} MiB`);
  assert.ok(
    settled.residentBytes <= soak.settledResidentBytes,
    `resident memory still ${mib(settled.residentBytes)} MiB ${soak.settleMs / 1000} s after the storm`,
  );
  const loopP99 = `event-loop delay p99 ${(during.loopP99Seconds * 1000).toFixed(1)} ms while hostile requests ran`;
  assert.ok(during.loopP99Seconds < soak.blockedLoopSeconds, loopP99);
  if (machineP99 < soak.quietMachineP99Seconds) {
    assert.ok(during.loopP99Seconds < soak.loopP99Seconds, loopP99);
  } else {
    t.diagnostic(
      `soak: the machine is busy (an idle process's event-loop p99 was ${(machineP99 * 1000).toFixed(1)} ms), ` +
        `so the ${soak.loopP99Seconds * 1000} ms goal is reported, not asserted: ${loopP99}`,
    );
  }

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
    `soak: ${accepted.length} valid results accepted; gateway resident memory (MiB) during the storm, ` +
      `every ${soak.memorySampleMs} ms: ${residentSamples.map(mib).join(' ')}`,
  );
});
