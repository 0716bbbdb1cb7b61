// The gateway's memory and event loop under a storm of hostile requests, and whether its memory
// comes back afterwards (issue 9: ~1 GB resident after probes, and it stayed there). A benchmark,
// not a test: it prints figures and asserts nothing. See README.md here.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256Hex } from '../../core/sha256.ts';
import { gatewayLaunchEnv } from '../../ingest-gateway/launch-settings.ts';
import {
  buildRequest,
  corpusBodyLimitBytes,
  loadHostileCases,
  processFigures,
  residentBytesOf,
  type StormItem,
  sendStormItem,
  stormItemId,
  stormPlan,
  stormRequests,
  wrongScopeKeyConfig,
} from '../../test/integration/hostile-requests.ts';
import {
  benchConfigBase,
  benchGatewaySection,
  freePort,
  localUrl,
  runBench,
  startReadyProcess,
  writeBenchConfig,
} from './bench-support.ts';

const usage = `Usage: node scripts/bench/gateway-memory.ts [--storm-seconds S] [--loops L] [--settle-seconds W] [--untuned] [--config.file F]

Starts a gateway of its own (the Kafka and schema registry sections are taken from F) with the
launch settings of ingest-gateway/launch-settings.ts (malloc environment, Node options), then:
  idle      its resident memory once ready,
  storm     L parallel loops for S seconds, each sending the hostile corpus (test/corpus/hostile/)
            with the large hostile bodies made in code spread between its cases (10^5 and 5·10^5
            empty steps, a batch of oversized logs, 10^6 empty OTLP spans and points, 50,000
            OTLP/JSON spans): peak resident memory (/proc, every 250 ms) and the event-loop delay
            over the whole storm (p99 and max, from the gateway's own /metrics),
  settle    its resident memory, V8 heap and external memory 5, 10, 20 and W seconds after.
Every answer is judged as the corpus (or the storm request) says; wrong answers are counted.
Nothing is published: every request is refused.

Options:
  --storm-seconds S   how long the storm lasts (default 30)
  --loops L           parallel sending loops (default 3)
  --settle-seconds W  the last memory reading after the storm (default 60)
  --untuned           launch the gateway without the launch settings (the "before")
  --config.file F     the stack's config (default: $PRIMOART_CONFIG_FILE, as set by 'primoart env')
  --help              this text
`;

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const ms = (seconds: number) => (seconds * 1000).toFixed(1);

/** The pid of this process's child whose command line mentions `word` (the gateway it started). */
function childPid(word: string): number {
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(word)) {
        return Number(entry);
      }
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no child process running ${word}`);
}

runBench(
  {
    name: 'gateway-memory',
    usage,
    counts: { stormSeconds: 30, loops: 3, settleSeconds: 60 },
    flags: ['untuned'],
  },
  async (options) => {
    // The gateway inherits this process's environment (startReadyProcess): the launch settings
    // go there, as NODE_OPTIONS for the Node options.
    if (!options.untuned) Object.assign(process.env, gatewayLaunchEnv(process.env.NODE_OPTIONS));
    const port = await freePort();
    const keys = {
      admin: `bench-admin-${randomUUID()}`,
      robot: `bench-robot-${randomUUID()}`,
      wrongScope: `bench-wrong-scope-${randomUUID()}`,
    };
    const written = writeBenchConfig({
      ...benchConfigBase(options.stack),
      gateway: {
        listen: `127.0.0.1:${port}`,
        body_limit_bytes: corpusBodyLimitBytes,
        rate_limit: benchGatewaySection(port, keys.admin).rate_limit,
        api_keys: [
          { name: 'admin', sha256: sha256Hex(keys.admin), scopes: ['admin'] },
          {
            name: 'robot',
            sha256: sha256Hex(keys.robot),
            scopes: ['results:write'],
            robot_id: randomUUID(),
          },
          wrongScopeKeyConfig(keys.wrongScope),
        ],
      },
    });
    const url = localUrl(port);
    const gateway = await startReadyProcess(['gateway'], written.configFile, url, { label: 'gateway' });
    const pid = childPid('gateway');
    try {
      // The revoked-key cases need a managed key made with the CLI: not what this measures.
      const corpus = loadHostileCases()
        .filter((hostileCase) => hostileCase.key !== 'revoked')
        .map((hostileCase) => buildRequest(hostileCase, { keys, bodyLimitBytes: corpusBodyLimitBytes }));
      const plan = stormPlan(corpus, stormRequests(keys));

      await sleep(2_000);
      const idle = await processFigures(url);
      process.stdout.write(
        `idle: resident ${mib(idle.residentBytes)} MiB, heap used ${mib(idle.heapUsedBytes)} MiB\n`,
      );

      const statuses = new Map<number, number>();
      const wrong: string[] = [];
      let largestAnswer = { bytes: 0, id: '' };
      let slowest = { ms: 0, id: '' };
      let sent = 0;
      const deadline = performance.now() + options.stormSeconds * 1000;
      const loop = async (offset: number) => {
        for (let i = offset; performance.now() < deadline; i++) {
          const item = plan[i % plan.length] as StormItem;
          const began = performance.now();
          const { failures, answer } = await sendStormItem(url, item);
          wrong.push(...failures);
          if (answer === undefined) continue;
          const id = stormItemId(item);
          const took = performance.now() - began;
          if (took > slowest.ms) slowest = { ms: took, id };
          if (answer.bytes.length > largestAnswer.bytes) largestAnswer = { bytes: answer.bytes.length, id };
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          sent++;
        }
      };
      let peak = 0;
      let storming = true;
      const sampler = (async () => {
        while (storming) {
          peak = Math.max(peak, residentBytesOf(pid));
          await sleep(250);
        }
      })();
      // A scrape resets the gateway's event-loop histogram: the next one covers exactly the storm.
      await processFigures(url);
      const stormStarted = performance.now();
      await Promise.all(
        Array.from({ length: options.loops }, (_, i) => loop(Math.floor((i * plan.length) / options.loops))),
      );
      const during = await processFigures(url);
      const stormSeconds = (performance.now() - stormStarted) / 1000;
      storming = false;
      await sampler;

      const settleAt = [5, 10, 20, options.settleSeconds].filter(
        (at, i, all) => at <= options.settleSeconds && all.indexOf(at) === i,
      );
      const settled: Array<{ at: number; figures: Awaited<ReturnType<typeof processFigures>> }> = [];
      const stormEnded = performance.now();
      for (const at of settleAt) {
        await sleep(Math.max(0, stormEnded + at * 1000 - performance.now()));
        settled.push({ at, figures: await processFigures(url) });
      }

      const lines = [
        '',
        `gateway memory under a storm (${options.untuned ? 'untuned launch' : 'launch settings of ingest-gateway/launch-settings.ts'}, ${options.loops} loops, ${stormSeconds.toFixed(1)} s, ${sent} requests: ` +
          `${[...statuses].map(([status, n]) => `${n}×${status}`).join(', ')})`,
        `  idle                        resident ${mib(idle.residentBytes)} MiB`,
        `  storm peak                  resident ${mib(peak)} MiB`,
        `  storm event-loop delay      p99 ${ms(during.loopP99Seconds)} ms, max ${ms(during.loopMaxSeconds)} ms`,
        ...settled.map(
          ({ at, figures }) =>
            `  ${`${at} s after`.padEnd(28)}resident ${mib(figures.residentBytes)} MiB, heap used ` +
            `${mib(figures.heapUsedBytes)} MiB of ${mib(figures.heapTotalBytes)} MiB, external ${mib(figures.externalBytes)} MiB`,
        ),
        `  largest answer              ${(largestAnswer.bytes / 1024).toFixed(0)} KiB (${largestAnswer.id})`,
        `  slowest answer              ${(slowest.ms / 1000).toFixed(2)} s (${slowest.id})`,
        `  wrong answers               ${wrong.length}${wrong.length > 0 ? `, first: ${wrong[0]?.slice(0, 400)}` : ''}`,
        '',
      ];
      process.stdout.write(lines.join('\n'));
    } finally {
      await gateway.stop();
      written.remove();
    }
  },
);
