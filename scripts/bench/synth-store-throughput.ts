// Results per second through the synth-store, next to a direct bulk insert of the same rows with
// the same SQL and batch size straight to PostgreSQL, and the upload→row latency at a steady
// rate, in the same run. A benchmark, not a test: it prints figures and asserts nothing.
// See README.md here.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromAvroResult } from '../../schemas/index.ts';
import { topics } from '../../topics/catalog.ts';
import { synthStoreTopics } from '../../workers/synth-store/definition.ts';
import { migrate } from '../../workers/synth-store/migrate.ts';
import { writeRuns } from '../../workers/synth-store/writer.ts';
import {
  atSteadyRate,
  type BenchProcess,
  connectBenchKafka,
  oncePerSecond,
  percentileMs,
  postUpload,
  produceResultRecords,
  runBench,
  secondsSince,
  startGroupAtEnd,
  startReadyProcess,
  synthResultsCodec,
  workerBenchConfig,
} from './bench-support.ts';
import { freshRecords, scratchDatabase, synthBenchResult } from './synth-bench-records.ts';

const usage = `Usage: node scripts/bench/synth-store-throughput.ts [--results N] [--rate R] [--seconds S] [--config.file F]

Measures
  (a) direct bulk insert: N results written with the synth-store's own SQL (runs, steps, catalogue,
      one transaction per batch of ${500}) straight to PostgreSQL, batch after batch — the baseline,
  (b) through the worker: the same kind of N results produced to ${topics.synthResults.name} as a
      backlog first; a synth-store of its own (own group, own database) drains it, counted from
      the worker being ready to the last row being in PostgreSQL,
  (c) upload→row: results uploaded to a gateway of its own at R/s for S seconds; per result, from
      sending the upload to its row being visible (polled every 25 ms): p50/p99/max,
and prints each rate and the ratio worker/direct. Each measurement has a database of its own on
the stack's PostgreSQL, dropped at the end.

Options:
  --results N       results for (a) and (b) (default 20000)
  --rate R          uploads per second for (c) (default 50)
  --seconds S       duration of (c) (default 20)
  --config.file F   the stack's config (default: $PRIMOART_CONFIG_FILE, as set by 'primoart env')
  --help            this text
`;

const defaults = { results: 20_000, rate: 50, seconds: 20, batchSize: 500, transactions: 64 };

// --- main --------------------------------------------------------------------------------------

runBench(
  {
    name: 'synth-store-throughput',
    usage,
    counts: { results: defaults.results, rate: defaults.rate, seconds: defaults.seconds },
  },
  async (options) => {
    const { results, rate, stack } = options;
    const log = (line: string) => process.stdout.write(`${line}\n`);
    log(
      `synth-store throughput: ${results} results, batches of ${defaults.batchSize}; latency at ${rate}/s for ${options.seconds} s`,
    );

    const direct = await scratchDatabase(stack, 'direct');
    const viaWorker = await scratchDatabase(stack, 'worker');
    const kafka = connectBenchKafka(stack);
    const producer = await kafka.producer();
    const setup = await workerBenchConfig(stack, 'synth-store', {
      sections: { postgres: { url: viaWorker.url } },
      workerSection: { batch: { max_records: defaults.batchSize } },
    });
    const running: BenchProcess[] = [];
    try {
      // (a) direct: the worker's own write function, batch after batch, on a migrated empty database.
      await migrate(direct.pool);
      const directSet = freshRecords(results);
      const rows = directSet.records.map((record, i) => ({
        run: fromAvroResult(record),
        source: { topic: topics.synthResults.name, partition: 0, offset: String(i) },
      }));
      log('(a) direct bulk insert…');
      const directStarted = performance.now();
      for (let i = 0; i < rows.length; i += defaults.batchSize) {
        await writeRuns(direct.pool, rows.slice(i, i + defaults.batchSize));
      }
      const directSeconds = secondsSince(directStarted);

      // (b) through the worker: a backlog on the topic first, then a worker of its own drains it.
      await startGroupAtEnd(kafka, setup.groupId, [...synthStoreTopics]);
      const codec = await synthResultsCodec(stack);
      const workerSet = freshRecords(results);
      log(`(b) producing a backlog of ${results}…`);
      await produceResultRecords(producer, codec, workerSet.records, defaults.batchSize);
      const countOf = async (transactions: string[]) =>
        Number(
          (
            await viaWorker.pool.query(
              'SELECT count(*) AS n FROM synth_runs WHERE transaction_id = ANY($1::uuid[])',
              [transactions],
            )
          ).rows[0].n,
        );
      log('(b) starting a synth-store of its own and draining…');
      // Polled often: the worker starts draining as soon as it is ready, and (b) is timed from then.
      const worker = await startReadyProcess(['worker', 'synth-store'], setup.configFile, setup.workerUrl, {
        pollMs: 20,
      });
      running.push(worker);
      const workerStarted = performance.now();
      const progress = oncePerSecond();
      for (;;) {
        const stored = await countOf(workerSet.transactions);
        if (stored >= results) break;
        progress(() => `  (b) ${stored}/${results} stored`);
        if (secondsSince(workerStarted) > 120)
          throw new Error(`(b) only ${stored}/${results} stored after 120 s`);
        await sleep(20);
      }
      const workerSeconds = secondsSince(workerStarted);

      // (c) upload→row at a steady rate through a gateway of its own and the same worker.
      const gateway = await startReadyProcess(['gateway'], setup.configFile, setup.gatewayUrl, {
        pollMs: 20,
      });
      running.push(gateway);
      log(`(c) uploading at ${rate}/s for ${options.seconds} s…`);
      const latencyTransactions = Array.from({ length: defaults.transactions }, () => randomUUID());
      const pending = new Map<string, number>();
      const latencies: number[] = [];
      let polling = true;
      const poller = (async () => {
        while (polling || pending.size > 0) {
          if (pending.size > 0) {
            const { rows: seen } = await viaWorker.pool.query<{ result_id: string }>(
              'SELECT result_id FROM synth_runs WHERE result_id = ANY($1::uuid[])',
              [[...pending.keys()]],
            );
            const now = performance.now();
            for (const { result_id } of seen) {
              latencies.push(now - (pending.get(result_id) as number));
              pending.delete(result_id);
            }
          }
          await sleep(25);
        }
      })();
      const uploads: Array<Promise<void>> = [];
      // Not waiting for answers: a slow answer does not lower the offered rate.
      await atSteadyRate(rate, rate * options.seconds, async (i) => {
        const result = synthBenchResult(latencyTransactions, i);
        const sentAt = performance.now();
        uploads.push(
          postUpload({ url: gateway.url, key: setup.key }, result).then(async (response) => {
            await response.arrayBuffer();
            if (response.status === 202) pending.set(result.result_id as string, sentAt);
            else log(`  (c) upload answered ${response.status}`);
          }),
        );
      });
      await Promise.all(uploads);
      polling = false;
      const drainDeadline = performance.now() + 60_000;
      while (pending.size > 0 && performance.now() < drainDeadline) await sleep(100);
      const lost = pending.size;
      pending.clear();
      await poller;

      const ms = (q: number) => percentileMs(latencies, q).toFixed(0);
      const directRate = results / directSeconds;
      const workerRate = results / workerSeconds;
      log(
        `\nresults (${results} results, batches of ${defaults.batchSize})\n` +
          `  (a) direct bulk insert   ${directRate.toFixed(0).padStart(8)} results/s  (${directSeconds.toFixed(2)} s)\n` +
          `  (b) through the worker   ${workerRate.toFixed(0).padStart(8)} results/s  (${workerSeconds.toFixed(2)} s)\n` +
          `  worker/direct:           ${(workerRate / directRate).toFixed(2)}\n` +
          `  (c) upload→row at ${rate}/s: ${latencies.length} rows, p50 ${ms(0.5)} ms, p99 ${ms(0.99)} ms, ` +
          `max ${ms(1)} ms${lost > 0 ? `, ${lost} not seen within 60 s` : ''}`,
      );
    } finally {
      for (const process of running.reverse()) await process.stop();
      setup.remove();
      await producer.disconnect();
      await direct.drop();
      await viaWorker.drop();
    }
  },
);
