// Entries per second through the logs-store next to a direct bulk NDJSON insert of the same entries
// into VictoriaLogs from the same machine in the same run, and upload→entry latency at a steady
// upload rate. A benchmark, not a test: it prints figures and asserts nothing. See README.md here.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PrimoartConfig } from '../../core/config-schema.ts';
import { fromAvroResult } from '../../schemas/index.ts';
import { topics } from '../../topics/catalog.ts';
import { type LogEntry, robotRunEntries } from '../../workers/logs-store/log-entries.ts';
import { createVictoriaLogsWriter } from '../../workers/logs-store/victoria-logs-writer.ts';
import {
  type BenchOptions,
  type BenchSetup,
  benchResult,
  chunks,
  connectBenchKafka,
  ndjson,
  percentileMs,
  produceResultRecords,
  runBench,
  startGroupAtEnd,
  startReadyProcess,
  synthResultsCodec,
  timedBulkWrite,
  toResultRecord,
  uploadToVisibleLatencies,
  waitUntilCommitted,
  workerBenchConfig,
} from './bench-support.ts';

const usage = `Usage: node scripts/bench/logs-store-throughput.ts [--results N] [--log-lines L] [--rate R] [--seconds S] [--config.file F]

Measures
  (a) entries/s through a logs-store of its own: N results with L log lines each (L+1 entries per
      result) produced to ${topics.synthResults.name} while the worker drains them, timed from the
      first send until the worker's group has committed past the last one (it commits only what
      VictoriaLogs confirmed);
  (b) entries/s of a direct bulk NDJSON insert of the same entries into VictoriaLogs (the same
      /insert/jsonline request shape, batches of the worker's batch size), 1 and 4 requests in flight;
  (c) upload→entry latency: R uploads/s for S seconds through a gateway of its own, each result's
      run entry found by polling VictoriaLogs every 100 ms (p50/p99 include VictoriaLogs' own delay
      before a written entry is searchable, and up to 100 ms of polling).

Options:
  --results N       results for (a) and (b) (default 20000)
  --log-lines L     log lines per result (default 9)
  --rate R          uploads per second for (c) (default 20)
  --seconds S       duration of (c) (default 20)
  --config.file F   the stack's config (default: $PRIMOART_CONFIG_FILE, as set by 'primoart env')
  --help            this text
`;

const defaults = { results: 20000, logLines: 9, rate: 20, seconds: 20, workerBatch: 500 };

type Options = BenchOptions<Pick<typeof defaults, 'results' | 'logLines' | 'rate' | 'seconds'>, never>;

// --- payloads ----------------------------------------------------------------------------------

const robotId = '00000000-0000-4000-8000-00000000be4d';

function logsBenchResult(service: string, logLines: number, i: number): Record<string, unknown> {
  const finished = Date.now() - 60_000;
  const started = finished - 3_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  return benchResult(
    {
      transaction_id: randomUUID(),
      service,
      robot_id: robotId,
      robot_name: 'logs-store-throughput',
      status: i % 10 === 0 ? 'FAIL' : 'OK',
      ...(i % 10 === 0 ? { error_message: 'search box not found' } : {}),
      log: Array.from(
        { length: logLines },
        (_, line) => `${iso(started + line * 100)} INFO step ${line % 3}: robot action ${line} of run ${i}`,
      ).join('\n'),
    },
    finished,
  );
}

async function logsql(victoriaLogsUrl: string, query: string): Promise<Array<Record<string, string>>> {
  const response = await fetch(`${victoriaLogsUrl}/select/logsql/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`VictoriaLogs query answered ${response.status}: ${text}`);
  return ndjson<Record<string, string>>(text);
}

async function uniqueCount(victoriaLogsUrl: string, service: string): Promise<number> {
  const [row] = await logsql(
    victoriaLogsUrl,
    `service:=${JSON.stringify(service)} | stats count_uniq(entry_id) n`,
  );
  return Number(row?.n ?? 0);
}

// --- measurements ------------------------------------------------------------------------------

interface Rate {
  label: string;
  entries: number;
  seconds: number;
}

async function throughWorker(
  stack: PrimoartConfig,
  setup: BenchSetup,
  victoriaLogsUrl: string,
  options: Options,
): Promise<Rate> {
  const service = `bench-logs-worker-${randomUUID().slice(0, 8)}`;
  const kafka = connectBenchKafka(stack);
  await startGroupAtEnd(kafka, setup.groupId, [
    topics.synthResults.name,
    topics.otelLogs.name,
    topics.otelSpans.name,
  ]);

  const codec = await synthResultsCodec(stack);
  const records = Array.from({ length: options.results }, (_, i) =>
    toResultRecord(logsBenchResult(service, options.logLines, i)),
  );
  const producer = await kafka.producer();
  const admin = await kafka.admin();
  process.stdout.write('(a) starting a logs-store of its own…\n');
  const worker = await startReadyProcess(['worker', 'logs-store'], setup.configFile, setup.workerUrl);
  try {
    // Timed from the first send to the group's commit passing the last record: the worker commits
    // only what VictoriaLogs confirmed. Other traffic on the topic meanwhile is drained too.
    process.stdout.write(`(a) producing ${options.results} results while the worker drains them…\n`);
    const startedAt = performance.now();
    await produceResultRecords(producer, codec, records, 200);
    const producedSeconds = (performance.now() - startedAt) / 1000;
    const ends = await admin.topicOffsets(topics.synthResults.name);
    await waitUntilCommitted(admin, setup.groupId, ends, 'confirmed and committed');
    const seconds = (performance.now() - startedAt) / 1000;
    process.stdout.write(
      `  (a) producing took ${producedSeconds.toFixed(2)} s of the ${seconds.toFixed(2)} s\n`,
    );
    const expected = options.results * (options.logLines + 1);
    let stored = 0;
    for (let attempt = 0; attempt < 50 && stored < expected; attempt++) {
      stored = await uniqueCount(victoriaLogsUrl, service);
      if (stored < expected) await sleep(200);
    }
    process.stdout.write(`  (a) worker: ${stored}/${expected} entries searchable in VictoriaLogs\n`);
    return { label: '(a) through the logs-store', entries: expected, seconds };
  } finally {
    await worker.stop();
    await producer.disconnect();
    await admin.disconnect();
  }
}

async function directInsert(victoriaLogsUrl: string, options: Options, concurrency: number): Promise<Rate> {
  const service = `bench-logs-direct-${randomUUID().slice(0, 8)}`;
  // The same entries the worker writes for the same results, prepared up front (mapping not timed).
  const batches: LogEntry[][] = chunks(
    Array.from({ length: options.results }, (_, i) =>
      robotRunEntries(fromAvroResult(toResultRecord(logsBenchResult(service, options.logLines, i)))),
    ),
    defaults.workerBatch,
  ).map((batch) => batch.flat());
  const writer = createVictoriaLogsWriter({ url: victoriaLogsUrl });
  const entries = batches.reduce((sum, batch) => sum + batch.length, 0);
  const seconds = await timedBulkWrite(writer, batches, concurrency);
  return {
    label: `(b) direct insert, ${concurrency} in flight`,
    entries,
    seconds,
  };
}

async function latency(setup: BenchSetup, victoriaLogsUrl: string, options: Options) {
  const service = `bench-logs-latency-${randomUUID().slice(0, 8)}`;
  const worker = await startReadyProcess(['worker', 'logs-store'], setup.configFile, setup.workerUrl);
  const gateway = await startReadyProcess(['gateway'], setup.configFile, setup.gatewayUrl);
  process.stdout.write(
    `(c) ${options.rate} uploads/s for ${options.seconds} s through a gateway of its own…\n`,
  );
  try {
    return await uploadToVisibleLatencies({
      gateway: { url: setup.gatewayUrl, key: setup.key },
      rate: options.rate,
      seconds: options.seconds,
      upload: (i) => {
        const result = logsBenchResult(service, 3, i);
        return { result, key: result.result_id as string };
      },
      visibleKeys: async () =>
        (
          await logsql(
            victoriaLogsUrl,
            `service:=${JSON.stringify(service)} kind:="robot.run" | uniq by (result_id)`,
          )
        ).flatMap((row) => (row.result_id === undefined ? [] : [row.result_id])),
    });
  } finally {
    await gateway.stop();
    await worker.stop();
  }
}

runBench(
  {
    name: 'logs-store-throughput',
    usage,
    counts: {
      results: defaults.results,
      logLines: defaults.logLines,
      rate: defaults.rate,
      seconds: defaults.seconds,
    },
  },
  async (options) => {
    const { stack } = options;
    const victoriaLogsUrl = stack.victoria_logs?.url ?? process.env.PRIMOART_VL_URL;
    if (victoriaLogsUrl === undefined)
      throw new Error('no VictoriaLogs: the config has no victoria_logs section');
    process.stdout.write(
      `logs-store throughput: ${options.results} results × ${options.logLines + 1} entries, VictoriaLogs ${victoriaLogsUrl}\n`,
    );
    const setup = await workerBenchConfig(stack, 'logs-store', {
      sections: { victoria_logs: { url: victoriaLogsUrl } },
      workerSection: { batch: { max_records: defaults.workerBatch } },
    });
    try {
      const worker = await throughWorker(stack, setup, victoriaLogsUrl, options);
      process.stdout.write('(b) direct bulk inserts of the same entries\n');
      const direct1 = await directInsert(victoriaLogsUrl, options, 1);
      const direct4 = await directInsert(victoriaLogsUrl, options, 4);
      const timing = await latency(setup, victoriaLogsUrl, options);

      const rate = (r: Rate) => r.entries / r.seconds;
      const row = (r: Rate) =>
        `  ${r.label.padEnd(34)} ${rate(r).toFixed(0).padStart(8)} entries/s  (${r.entries} in ${r.seconds.toFixed(2)} s)\n`;
      const ms = (q: number) =>
        timing.latencies.length === 0 ? 'n/a' : `${percentileMs(timing.latencies, q).toFixed(0)} ms`;
      process.stdout.write(
        `\nresults (${options.results} results, ${options.logLines + 1} entries each, worker batch ${defaults.workerBatch} results)\n` +
          row(worker) +
          row(direct1) +
          row(direct4) +
          `  worker/direct (1 in flight): ${(rate(worker) / rate(direct1)).toFixed(2)}\n` +
          `  upload→entry searchable at ${options.rate}/s: p50 ${ms(0.5)}, p99 ${ms(0.99)} ` +
          `(${timing.seen}/${timing.sent} uploads found)\n`,
      );
    } finally {
      setup.remove();
    }
  },
);
