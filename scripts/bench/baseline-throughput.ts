// Runs per second through the baseline worker next to the model itself doing the same work (ingest
// into SQLite, then the touched series' baselines and transactions' forecasts encoded) in the same run, and produce→baseline
// latency at a steady rate. A benchmark, not a test: it prints figures and asserts nothing.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PrimoartConfig } from '../../core/config-schema.ts';
import { fromAvroResult, toAvroResult } from '../../schemas/index.ts';
import type {
  SeriesBaselineRecord,
  TransactionForecastRecord,
  TransactionResultRecord,
} from '../../schemas/record-types.ts';
import { validateTransactionResult } from '../../schemas/transaction-result.ts';
import { topics } from '../../topics/catalog.ts';
import { createTopicCodec, type ValueCodec } from '../../topics/codec.ts';
import { toBaselineRecord } from '../../workers/baseline/baseline-record.ts';
import { BaselineStore } from '../../workers/baseline/baseline-store.ts';
import { forecastTransaction } from '../../workers/baseline/forecast.ts';
import { toForecastRecord } from '../../workers/baseline/forecast-record.ts';
import { observationsOf } from '../../workers/baseline/series.ts';
import { defaultSeasonality, fleetTransactions } from '../fleet/fleet-plan.ts';
import { generateFleetResults } from '../fleet/generator.ts';
import {
  atSteadyRate,
  type BenchOptions,
  chunks,
  connectBenchKafka,
  percentileMs,
  produceResultRecords,
  runBench,
  startGroupAtEnd,
  startReadyProcess,
  synthResultsCodec,
  waitUntilCommitted,
  workerBenchConfig,
} from './bench-support.ts';

const usage = `Usage: node scripts/bench/baseline-throughput.ts [--days D] [--rate R] [--seconds S] [--config.file F]

Measures
  (a) runs/s through a baseline worker of its own (own group at the topic end, own state file):
      D days of one simulated transaction every 5 minutes from each fleet location produced to
      ${topics.synthResults.name}, timed from the first send until the group committed past the
      last one (it commits only after the baselines were acknowledged by Kafka);
  (b) runs/s of the model doing the same work in this process: ingest into a new SQLite file in
      batches of the worker's size, then the touched series' baselines and the touched
      transactions' forecasts encoded (no Kafka);
  (c) produce→baseline latency: R runs/s for S s, each of a new transaction, until its first
      baseline record is read back from ${topics.baselines.name}.

Options:
  --days D          days of history for (a) and (b) (default 7: 2016 runs per location)
  --rate R          runs per second for (c) (default 20)
  --seconds S       duration of (c) (default 15)
  --config.file F   the stack's config (default: $PRIMOART_CONFIG_FILE, as set by 'primoart env')
  --help            this text
`;

const defaults = { days: 7, rate: 20, seconds: 15, workerBatch: 500 };
const hourMs = 60 * 60 * 1000;

type Options = BenchOptions<Pick<typeof defaults, 'days' | 'rate' | 'seconds'>, never>;

/** `days` of one transaction from every fleet location, ending an hour ago, with fresh ids. */
function simulatedRecords(days: number): TransactionResultRecord[] {
  const to = new Date(Math.floor(Date.now() / hourMs) * hourMs - hourMs);
  const transactionId = randomUUID();
  const now = new Date();
  const plan = {
    seed: 5,
    from: new Date(to.getTime() - days * 24 * hourMs),
    to,
    transactions: fleetTransactions(1, 5),
    seasonality: defaultSeasonality,
    scenarios: [],
    environment: 'bench',
  };
  return [...generateFleetResults(plan)].map((payload) => {
    const validation = validateTransactionResult(
      { ...payload, transaction_id: transactionId, result_id: randomUUID() },
      { now, defaultEnvironment: 'bench' },
    );
    if (!validation.ok) throw new Error(`generated an invalid payload: ${JSON.stringify(validation.errors)}`);
    return toAvroResult(validation.value, { receivedAt: now }).result;
  });
}

interface Rate {
  label: string;
  runs: number;
  seconds: number;
  /** Series the runs fed. */
  series?: number;
}

async function throughWorker(stack: PrimoartConfig, records: TransactionResultRecord[], stateDir: string) {
  const setup = await workerBenchConfig(stack, 'baseline', {
    sections: {},
    workerSection: {
      batch: { max_records: defaults.workerBatch },
      state_file: join(stateDir, 'worker.sqlite'),
    },
  });
  const kafka = connectBenchKafka(stack);
  await startGroupAtEnd(kafka, setup.groupId, [topics.synthResults.name]);
  const codec = await synthResultsCodec(stack);
  const producer = await kafka.producer();
  const admin = await kafka.admin();
  process.stdout.write('(a) starting a baseline worker of its own…\n');
  const worker = await startReadyProcess(['worker', 'baseline'], setup.configFile, setup.workerUrl);
  try {
    process.stdout.write(`(a) producing ${records.length} runs while the worker drains them…\n`);
    const startedAt = performance.now();
    await produceResultRecords(producer, codec, records, 500);
    const ends = await admin.topicOffsets(topics.synthResults.name);
    await waitUntilCommitted(admin, setup.groupId, ends, 'published and committed');
    return {
      rate: {
        label: '(a) through the worker',
        runs: records.length,
        seconds: (performance.now() - startedAt) / 1000,
      },
      setup,
    };
  } finally {
    await worker.stop();
    await producer.disconnect();
    await admin.disconnect();
  }
}

async function direct(
  records: TransactionResultRecord[],
  stateDir: string,
  codecs: { baseline: ValueCodec<SeriesBaselineRecord>; forecast: ValueCodec<TransactionForecastRecord> },
): Promise<Rate> {
  const runs = records.map(fromAvroResult);
  const store = new BaselineStore(join(stateDir, 'direct.sqlite'));
  const startedAt = performance.now();
  for (const batch of chunks(runs, defaults.workerBatch)) {
    store.ingest(batch);
    const touched = new Set(batch.flatMap((run) => observationsOf(run).map((o) => o.series.key)));
    const updatedAt = new Date();
    const baselines = store.listBaselines(touched);
    await Promise.all(baselines.map((series) => codecs.baseline.encode(toBaselineRecord(series, updatedAt))));
    // As the worker does: one forecast per transaction the batch touched.
    for (const { series } of baselines) {
      if (series.stepIndex !== null || series.location !== null) continue;
      const history = store.dailyHistory(series.transactionId);
      const transaction = { id: series.transactionId, name: series.transactionName };
      const record = toForecastRecord(transaction, history.length, forecastTransaction(history), updatedAt);
      if (record !== undefined) await codecs.forecast.encode(record);
    }
  }
  const seconds = (performance.now() - startedAt) / 1000;
  const series = store.listSeries().length;
  store.close();
  return { label: '(b) the model alone (SQLite, forecast, encode)', runs: runs.length, seconds, series };
}

async function latency(
  stack: PrimoartConfig,
  setup: { configFile: string; workerUrl: string },
  options: Options,
) {
  const kafka = connectBenchKafka(stack);
  const readerGroup = `primoart.bench.baseline-reader.${randomUUID().slice(0, 8)}`;
  await startGroupAtEnd(kafka, readerGroup, [topics.baselines.name]);
  const seenAt = new Map<string, number>();
  const reader = await kafka.consumer({
    groupId: readerGroup,
    topics: [topics.baselines.name],
    fromBeginning: false,
  });
  await reader.run(async (batch, control) => {
    const now = performance.now();
    for (const message of batch.messages) {
      const key = message.key?.toString('utf8');
      if (key !== undefined && !seenAt.has(key)) seenAt.set(key, now);
    }
    const last = batch.messages.at(-1);
    if (last) control.markProcessed(last.offset);
  });
  const codec = await synthResultsCodec(stack);
  const producer = await kafka.producer();
  const worker = await startReadyProcess(['worker', 'baseline'], setup.configFile, setup.workerUrl);
  const template = simulatedRecords(1)[0];
  if (template === undefined) throw new Error('the fleet generated no run');
  const sentAt = new Map<string, number>();
  process.stdout.write(`(c) ${options.rate} runs/s for ${options.seconds} s, each of a new transaction…\n`);
  try {
    await atSteadyRate(options.rate, options.rate * options.seconds, async () => {
      const record = { ...template, transaction_id: randomUUID(), result_id: randomUUID() };
      const at = performance.now();
      await producer.send([
        {
          topic: topics.synthResults.name,
          messages: [{ key: record.transaction_id, value: await codec.encode(record) }],
        },
      ]);
      sentAt.set(`${record.transaction_id}|run|*`, at);
    });
    const deadline = Date.now() + 30_000;
    while ([...sentAt.keys()].some((key) => !seenAt.has(key)) && Date.now() < deadline) await sleep(100);
  } finally {
    await worker.stop();
    await reader.stop();
    await producer.disconnect();
  }
  return [...sentAt].flatMap(([key, at]) => {
    const seen = seenAt.get(key);
    return seen === undefined ? [] : [seen - at];
  });
}

runBench(
  {
    name: 'baseline-throughput',
    usage,
    counts: { days: defaults.days, rate: defaults.rate, seconds: defaults.seconds },
  },
  async (options) => {
    const { stack } = options;
    const stateDir = mkdtempSync(join(tmpdir(), 'primoart-bench-baseline-'));
    try {
      const records = simulatedRecords(options.days);
      const baselineCodec = await createTopicCodec(stack.schema_registry.url, topics.baselines);
      const forecastCodec = await createTopicCodec(stack.schema_registry.url, topics.forecasts);
      const { rate: worker, setup } = await throughWorker(stack, records, stateDir);
      try {
        process.stdout.write('(b) the model alone on the same runs\n');
        const model = await direct(records, stateDir, { baseline: baselineCodec, forecast: forecastCodec });
        const latencies = await latency(stack, setup, options);
        const rate = (r: Rate) => r.runs / r.seconds;
        const row = (r: Rate) =>
          `  ${r.label.padEnd(40)} ${rate(r).toFixed(0).padStart(8)} runs/s  (${r.runs} in ${r.seconds.toFixed(2)} s)\n`;
        const ms = (q: number) =>
          latencies.length === 0 ? 'n/a' : `${percentileMs(latencies, q).toFixed(0)} ms`;
        process.stdout.write(
          `\nresults (${records.length} runs feeding ${model.series} series, worker batch ${defaults.workerBatch})\n` +
            row(worker) +
            row(model) +
            `  worker/model: ${(rate(worker) / rate(model)).toFixed(2)}\n` +
            `  produce→first baseline at ${options.rate}/s: p50 ${ms(0.5)}, p99 ${ms(0.99)} ` +
            `(${latencies.length}/${options.rate * options.seconds} seen)\n`,
        );
      } finally {
        setup.remove();
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
);
