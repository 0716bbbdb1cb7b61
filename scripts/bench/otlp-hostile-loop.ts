// The gateway's event loop while it serves OTLP requests, alone and with hostile ones interleaved
// (issue 9: 10^6 empty spans held the loop 12.7 s; /-/ready and scrapes timed out meanwhile).
// A benchmark, not a test: it prints figures and asserts nothing. See README.md here.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256Hex } from '../../core/sha256.ts';
import { otlpTypes } from '../../ingest-gateway/otlp/protobuf-types.ts';
import {
  benchConfigBase,
  freePort,
  localUrl,
  percentileMs,
  runBench,
  startReadyProcess,
  writeBenchConfig,
} from './bench-support.ts';

const usage = `Usage: node scripts/bench/otlp-hostile-loop.ts [--seconds S] [--loops L] [--hostile-loops H] [--config.file F]

Starts a gateway of its own (the Kafka and schema registry sections are taken from F), then runs
two phases of S seconds each:
  baseline   L loops send normal OTLP/HTTP protobuf trace requests (50 spans, a few attributes),
  hostile    the same L loops, and H loops sending hostile requests in turn: 10^6 empty spans
             (2 MB), attribute values nested 100,000 levels, 19,999 OTLP/JSON spans with bad ids,
             2 MB of protobuf with wrong wire types, and a valid 5,000-span trace of 5 MB.
For each phase: the gateway's event-loop delay (p99 and max, from its own /metrics, which
perf_hooks.monitorEventLoopDelay feeds), the latency of the normal requests (p50, p99), how many
were answered, and /-/ready's latency polled every 100 ms. Then the ratios hostile / baseline.
The normal and the 5,000-span requests are published to the stack's span topic.

Options:
  --seconds S        length of each phase (default 20)
  --loops L          loops sending normal requests (default 2)
  --hostile-loops H  loops sending hostile requests in the hostile phase (default 1)
  --config.file F    the stack's config (default: $PRIMOART_CONFIG_FILE, as set by 'primoart env')
  --help             this text
`;

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.push((rest & 0x7f) | (rest > 0x7f ? 0x80 : 0));
    rest = Math.floor(rest / 128);
  } while (rest > 0);
  return Buffer.from(bytes);
}

const field = (tag: number, inner: Buffer) =>
  Buffer.concat([Buffer.from([tag]), varint(inner.length), inner]);

function traceRequest(spanCount: number, padBytes: number): Buffer {
  const traceId = randomBytes(16);
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: spanCount }, (_, i) => ({
    traceId,
    spanId: randomBytes(8),
    name: `GET /items/${i}`,
    kind: 2,
    startTimeUnixNano: String(now - 2_000_000n),
    endTimeUnixNano: String(now),
    attributes: [
      { key: 'http.request.method', value: { stringValue: 'GET' } },
      { key: 'http.response.status_code', value: { intValue: 200 } },
      ...(padBytes > 0 ? [{ key: 'pad', value: { stringValue: 'p'.repeat(padBytes) } }] : []),
    ],
  }));
  const request = otlpTypes.traceRequest.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench-otlp-hostile' } }] },
        scopeSpans: [{ scope: { name: 'bench' }, spans }],
      },
    ],
  });
  return Buffer.from(otlpTypes.traceRequest.encode(request).finish());
}

/** The hostile requests, made once: each is sent as it is, in turn. */
function hostileRequests(): Array<{ name: string; contentType: string; body: Buffer }> {
  const emptySpans = Buffer.alloc(2_000_000);
  for (let i = 0; i < emptySpans.length; i += 2) emptySpans[i] = 0x12;
  const millionEmptySpans = field(0x0a, field(0x12, emptySpans));
  // AnyValue{array_value: ArrayValue{values: [...]}} 100,000 deep, prefixes written outside in.
  let deep = Buffer.from([0x10, 0x01]);
  const prefixes: Buffer[] = [];
  let length = deep.length;
  for (let level = 0; level < 100_000; level++) {
    for (const tag of [0x0a, 0x2a]) {
      const prefix = Buffer.concat([Buffer.from([tag]), varint(length)]);
      prefixes.push(prefix);
      length += prefix.length;
    }
  }
  deep = Buffer.concat([...prefixes.reverse(), deep]);
  const keyValue = Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b]), field(0x12, deep)]);
  const deepNesting = field(0x0a, field(0x0a, field(0x0a, keyValue)));
  const badIds = Buffer.from(
    JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: Array.from({ length: 19_999 }, (_, i) => ({ traceId: 'zz', spanId: `${i}`, name: 'x' })),
            },
          ],
        },
      ],
    }),
  );
  // A varint where resource_spans (a message) belongs, repeated for 2 MB: the first one is refused.
  const wrongWireTypes = Buffer.alloc(2_000_000, 0x08);
  return [
    { name: '10^6 empty spans', contentType: 'application/x-protobuf', body: millionEmptySpans },
    { name: 'nesting 100,000', contentType: 'application/x-protobuf', body: deepNesting },
    { name: '19,999 JSON spans, bad ids', contentType: 'application/json', body: badIds },
    { name: 'wrong wire types', contentType: 'application/x-protobuf', body: wrongWireTypes },
    { name: '5,000-span trace', contentType: 'application/x-protobuf', body: traceRequest(5000, 1000) },
  ];
}

interface LoopFigures {
  p99Seconds: number;
  maxSeconds: number;
}

/** The gateway's event-loop delay since the previous scrape (prom-client resets it on every scrape). */
async function eventLoopDelay(url: string): Promise<LoopFigures> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    p99Seconds: value('nodejs_eventloop_lag_p99_seconds'),
    maxSeconds: value('nodejs_eventloop_lag_max_seconds'),
  };
}

interface PhaseFigures {
  loop: LoopFigures;
  normalLatenciesMs: number[];
  normalFailures: number;
  readyLatenciesMs: number[];
  hostile: Map<string, number>;
}

runBench(
  { name: 'otlp-hostile-loop', usage, counts: { seconds: 20, loops: 2, hostileLoops: 1 } },
  async (options) => {
    const port = await freePort();
    const key = `bench-otlp-${randomBytes(8).toString('hex')}`;
    const written = writeBenchConfig({
      ...benchConfigBase(options.stack),
      gateway: {
        listen: `127.0.0.1:${port}`,
        api_keys: [{ name: 'bench', sha256: sha256Hex(key), scopes: ['otlp:write'] }],
        rate_limit: { records_per_second: 10_000_000, burst: 10_000_000, failed_auth_burst: 1_000_000 },
      },
    });
    const url = localUrl(port);
    const gateway = await startReadyProcess(['gateway'], written.configFile, url, { label: 'gateway' });
    const hostile = hostileRequests();
    const post = (contentType: string, body: Buffer) =>
      fetch(`${url}/v1/traces`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
        body,
      }).then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      });

    const phase = async (withHostile: boolean): Promise<PhaseFigures> => {
      const figures: PhaseFigures = {
        loop: { p99Seconds: 0, maxSeconds: 0 },
        normalLatenciesMs: [],
        normalFailures: 0,
        readyLatenciesMs: [],
        hostile: new Map(),
      };
      await eventLoopDelay(url); // resets the gateway's histogram
      const deadline = performance.now() + options.seconds * 1000;
      const normal = async () => {
        while (performance.now() < deadline) {
          const began = performance.now();
          const status = await post('application/x-protobuf', traceRequest(50, 0)).catch(() => 0);
          if (status === 200) figures.normalLatenciesMs.push(performance.now() - began);
          else figures.normalFailures++;
        }
      };
      const hostileLoop = async (offset: number) => {
        for (let i = offset; performance.now() < deadline; i++) {
          const request = hostile[i % hostile.length] as (typeof hostile)[number];
          const status = await post(request.contentType, request.body).catch(() => 0);
          const label = `${request.name} → ${status}`;
          figures.hostile.set(label, (figures.hostile.get(label) ?? 0) + 1);
        }
      };
      const ready = async () => {
        while (performance.now() < deadline) {
          const began = performance.now();
          await fetch(`${url}/-/ready`).then((response) => response.arrayBuffer());
          figures.readyLatenciesMs.push(performance.now() - began);
          await sleep(100);
        }
      };
      await Promise.all([
        ...Array.from({ length: options.loops }, normal),
        ...(withHostile ? Array.from({ length: options.hostileLoops }, (_, i) => hostileLoop(i)) : []),
        ready(),
      ]);
      figures.loop = await eventLoopDelay(url);
      return figures;
    };

    try {
      await sleep(2000);
      const baseline = await phase(false);
      const withHostile = await phase(true);
      const ms = (seconds: number) => (seconds * 1000).toFixed(1);
      const describe = (name: string, figures: PhaseFigures) => [
        `${name}:`,
        `  event-loop delay     p99 ${ms(figures.loop.p99Seconds)} ms, max ${ms(figures.loop.maxSeconds)} ms`,
        `  normal requests      ${figures.normalLatenciesMs.length} answered 200 (${figures.normalFailures} not), ` +
          `p50 ${percentileMs(figures.normalLatenciesMs, 0.5).toFixed(1)} ms, p99 ${percentileMs(figures.normalLatenciesMs, 0.99).toFixed(1)} ms`,
        `  /-/ready             p99 ${percentileMs(figures.readyLatenciesMs, 0.99).toFixed(1)} ms, max ${Math.max(...figures.readyLatenciesMs).toFixed(1)} ms`,
        ...[...figures.hostile].map(([label, count]) => `  hostile              ${count}× ${label}`),
      ];
      const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
      process.stdout.write(
        [
          '',
          `OTLP event loop, ${options.seconds} s per phase, ${options.loops} normal loop(s), ${options.hostileLoops} hostile loop(s)`,
          ...describe('baseline (normal requests only)', baseline),
          ...describe('with hostile requests interleaved', withHostile),
          `ratio hostile / baseline: event-loop p99 ${ratio(withHostile.loop.p99Seconds, baseline.loop.p99Seconds)}, ` +
            `max ${ratio(withHostile.loop.maxSeconds, baseline.loop.maxSeconds)}, normal-request p99 ` +
            `${ratio(percentileMs(withHostile.normalLatenciesMs, 0.99), percentileMs(baseline.normalLatenciesMs, 0.99))}`,
          '',
        ].join('\n'),
      );
    } finally {
      await gateway.stop();
      written.remove();
    }
  },
);
