// Records per second through the metrics-store next to a direct bulk import of the same samples
// into VictoriaMetrics from the same machine in the same run, and upload→sample latency at a steady
// upload rate. A benchmark, not a test: it prints figures and asserts nothing. See README.md here.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PrimoartConfig } from '../../core/config-schema.ts';
import { fromAvroResult } from '../../schemas/index.ts';
import { topics } from '../../topics/catalog.ts';
import type { Sample } from '../../workers/metrics-store/sample.ts';
import { synthSamples } from '../../workers/metrics-store/synth-samples.ts';
import { victoriaMetricsWriter } from '../../workers/metrics-store/writer.ts';
import {
  type BenchOptions,
  type BenchSetup,
  benchResult,
  chunks,
  connectBenchKafka,
  ndjson,
  oncePerSecond,
  percentileMs,
  produceResultRecords,
  runBench,
  startGroupAtEnd,
  startReadyProcess,
  synthResultsCodec,
  timedBulkWrite,
  toResultRecord,
  uploadToVisibleLatencies,
  workerBenchConfig,
} from './bench-support.ts';

const usage = `Usage: node scripts/bench/metrics-store-throughput.ts [--results N] [--rate R] [--seconds S] [--force-flush] [--config.file F]

Measures
  (a) records/s through a metrics-store of its own: N robot results (3 steps each, so 12 samples
      per result) produced to ${topics.synthResults.name} first, then drained by the worker;
  (b) records/s of a direct bulk import of the same samples into VictoriaMetrics (the same
      /api/v1/import/prometheus request, batches of the worker's batch size), 1 and 4 in flight;
  (c) upload→sample latency: R uploads/s for S seconds through a gateway of its own, each result's
      run duration sample found by polling VictoriaMetrics' /api/v1/export every 100 ms. Without
      --force-flush this includes VictoriaMetrics' own delay (about a second) before an accepted
      sample is searchable; with it, each poll first calls /internal/force_flush.

Options:
  --results N       results for (a) and (b) (default 5000)
  --rate R          uploads per second for (c) (default 20)
  --seconds S       duration of (c) (default 20)
  --force-flush     force VictoriaMetrics to flush before each latency poll
  --config.file F   the stack's config (default: $PRIMOART_CONFIG_FILE, as set by 'primoart env')
  --help            this text
`;

const defaults = { results: 5000, rate: 20, seconds: 20, workerBatch: 500 };

type Options = BenchOptions<Pick<typeof defaults, 'results' | 'rate' | 'seconds'>, 'forceFlush'>;

// --- payloads ----------------------------------------------------------------------------------

const robotId = '00000000-0000-4000-8000-00000000be4e';
const samplesPerResult = 12;

/** A result whose run ends `i` ms after `baseMs`: every result's samples land on their own timestamps. */
function metricsBenchResult(service: string, baseMs: number, i: number): Record<string, unknown> {
  return benchResult(
    {
      transaction_id: `00000000-0000-4000-8000-${String(i % 50).padStart(12, '0')}`,
      service,
      robot_id: robotId,
      robot_name: 'metrics-store-throughput',
      status: i % 10 === 0 ? 'FAIL' : 'OK',
    },
    baseMs + i,
  );
}

async function writtenByWorker(workerUrl: string): Promise<number> {
  const text = await (await fetch(`${workerUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('primoart_worker_written_total{') &&
        line.includes('worker="metrics-store"') &&
        line.includes(topics.synthResults.name),
    )
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Raw samples of every series matching `selector`. */
async function exported(
  victoriaMetricsUrl: string,
  selector: string,
  forceFlush: boolean,
): Promise<Array<{ metric: Record<string, string>; timestamps: number[] }>> {
  if (forceFlush) await fetch(new URL('/internal/force_flush', victoriaMetricsUrl));
  const response = await fetch(new URL('/api/v1/export', victoriaMetricsUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ 'match[]': selector }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`VictoriaMetrics export answered ${response.status}: ${text}`);
  return ndjson<{ metric: Record<string, string>; timestamps: number[] }>(text);
}

async function sampleCount(victoriaMetricsUrl: string, service: string): Promise<number> {
  const series = await exported(victoriaMetricsUrl, `{service="${service}",robot_id="${robotId}"}`, true);
  return series.reduce((sum, one) => sum + one.timestamps.length, 0);
}

// --- measurements ------------------------------------------------------------------------------

interface Rate {
  label: string;
  records: number;
  seconds: number;
}

async function throughWorker(
  stack: PrimoartConfig,
  setup: BenchSetup,
  victoriaMetricsUrl: string,
  options: Options,
): Promise<Rate> {
  const service = `bench-metrics-worker-${randomUUID().slice(0, 8)}`;
  const kafka = connectBenchKafka(stack);
  await startGroupAtEnd(kafka, setup.groupId, [
    topics.synthResults.name,
    topics.otelMetrics.name,
    topics.otelSpans.name,
    topics.baselines.name,
  ]);

  const codec = await synthResultsCodec(stack);
  const producer = await kafka.producer();
  process.stdout.write(`(a) producing ${options.results} results (not timed)…\n`);
  const baseMs = Date.now() - 3_600_000;
  try {
    const records = Array.from({ length: options.results }, (_, i) =>
      toResultRecord(metricsBenchResult(service, baseMs, i)),
    );
    await produceResultRecords(producer, codec, records, 200);
  } finally {
    await producer.disconnect();
  }

  process.stdout.write('(a) starting a metrics-store of its own to drain them…\n');
  const worker = await startReadyProcess(['worker', 'metrics-store'], setup.configFile, setup.workerUrl);
  try {
    // Counted from ready (the group joined); what was written before then is left out of both sides.
    const startedAt = performance.now();
    const writtenAtStart = await writtenByWorker(setup.workerUrl);
    let written = writtenAtStart;
    const progress = oncePerSecond();
    while (written < options.results) {
      await sleep(50);
      written = await writtenByWorker(setup.workerUrl);
      progress(() => `  (a) worker: ${written}/${options.results} results confirmed by VictoriaMetrics`);
    }
    const seconds = (performance.now() - startedAt) / 1000;
    // A new series becomes searchable a little after its samples were accepted: poll, bounded.
    const expected = options.results * samplesPerResult;
    let stored = 0;
    for (let attempt = 0; attempt < 50 && stored < expected; attempt++) {
      stored = await sampleCount(victoriaMetricsUrl, service);
      if (stored < expected) await sleep(200);
    }
    process.stdout.write(`  (a) worker: ${stored}/${expected} samples in VictoriaMetrics\n`);
    return { label: '(a) through the metrics-store', records: written - writtenAtStart, seconds };
  } finally {
    await worker.stop();
  }
}

async function directImport(
  victoriaMetricsUrl: string,
  options: Options,
  concurrency: number,
): Promise<Rate> {
  const service = `bench-metrics-direct-${randomUUID().slice(0, 8)}`;
  const baseMs = Date.now() - 3_600_000;
  // The same samples the worker writes for the same results, prepared up front (mapping not timed).
  const batches: Sample[][] = chunks(
    Array.from({ length: options.results }, (_, i) =>
      synthSamples(fromAvroResult(toResultRecord(metricsBenchResult(service, baseMs, i)))),
    ),
    defaults.workerBatch,
  ).map((batch) => batch.flat());
  const writer = victoriaMetricsWriter({ url: victoriaMetricsUrl });
  const seconds = await timedBulkWrite(writer, batches, concurrency);
  return {
    label: `(b) direct import, ${concurrency} in flight`,
    records: options.results,
    seconds,
  };
}

async function latency(setup: BenchSetup, victoriaMetricsUrl: string, options: Options) {
  const service = `bench-metrics-latency-${randomUUID().slice(0, 8)}`;
  const worker = await startReadyProcess(['worker', 'metrics-store'], setup.configFile, setup.workerUrl);
  const gateway = await startReadyProcess(['gateway'], setup.configFile, setup.gatewayUrl);
  /** finished_at (ms, unique per upload) → when the upload was sent. */
  process.stdout.write(
    `(c) ${options.rate} uploads/s for ${options.seconds} s through a gateway of its own` +
      `${options.forceFlush ? ' (force_flush before each poll)' : ''}…\n`,
  );
  const selector = `primoart_synth_run_duration_seconds{service="${service}"}`;
  const baseMs = Date.now() - 60_000;
  try {
    // An upload is known by its finished_at (ms, unique per upload): the sample's timestamp.
    return await uploadToVisibleLatencies({
      gateway: { url: setup.gatewayUrl, key: setup.key },
      rate: options.rate,
      seconds: options.seconds,
      upload: (i) => {
        const result = metricsBenchResult(service, baseMs, i);
        return { result, key: Date.parse(result.finished_at as string) };
      },
      visibleKeys: async () =>
        (await exported(victoriaMetricsUrl, selector, options.forceFlush)).flatMap((one) => one.timestamps),
    });
  } finally {
    await gateway.stop();
    await worker.stop();
  }
}

runBench(
  {
    name: 'metrics-store-throughput',
    usage,
    counts: { results: defaults.results, rate: defaults.rate, seconds: defaults.seconds },
    flags: ['forceFlush'],
  },
  async (options) => {
    const { stack } = options;
    const victoriaMetricsUrl = stack.victoria_metrics?.url ?? process.env.PRIMOART_VM_URL;
    if (victoriaMetricsUrl === undefined)
      throw new Error('no VictoriaMetrics: the config has no victoria_metrics section');
    process.stdout.write(
      `metrics-store throughput: ${options.results} results × ${samplesPerResult} samples, VictoriaMetrics ${victoriaMetricsUrl}\n`,
    );
    const setup = await workerBenchConfig(stack, 'metrics-store', {
      sections: { victoria_metrics: { url: victoriaMetricsUrl } },
      workerSection: { batch: { max_records: defaults.workerBatch } },
    });
    try {
      const worker = await throughWorker(stack, setup, victoriaMetricsUrl, options);
      process.stdout.write('(b) direct bulk imports of the same samples\n');
      const direct1 = await directImport(victoriaMetricsUrl, options, 1);
      const direct4 = await directImport(victoriaMetricsUrl, options, 4);
      const timing = await latency(setup, victoriaMetricsUrl, options);

      const rate = (r: Rate) => r.records / r.seconds;
      const row = (r: Rate) =>
        `  ${r.label.padEnd(34)} ${rate(r).toFixed(0).padStart(8)} records/s ` +
        `${(rate(r) * samplesPerResult).toFixed(0).padStart(8)} samples/s  (${r.records} in ${r.seconds.toFixed(2)} s)\n`;
      const ms = (q: number) =>
        timing.latencies.length === 0 ? 'n/a' : `${percentileMs(timing.latencies, q).toFixed(0)} ms`;
      process.stdout.write(
        `\nresults (${options.results} results, ${samplesPerResult} samples each, worker batch ${defaults.workerBatch} records)\n` +
          row(worker) +
          row(direct1) +
          row(direct4) +
          `  worker/direct (1 in flight): ${(rate(worker) / rate(direct1)).toFixed(2)}\n` +
          `  upload→sample ${options.forceFlush ? 'in VictoriaMetrics (force_flush)' : 'searchable'} at ${options.rate}/s: ` +
          `p50 ${ms(0.5)}, p99 ${ms(0.99)} (${timing.seen}/${timing.sent} uploads found)\n`,
      );
    } finally {
      setup.remove();
    }
  },
);
