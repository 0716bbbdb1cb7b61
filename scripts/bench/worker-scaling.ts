// How the synth-store's throughput grows with instances on one consumer group, in the same run:
// for K = 1, 2, 3 instances, a group and a database of their own, every instance ready (the group
// formed) before N results are produced; timed from the first record sent to the last row in
// PostgreSQL. Each K's rate is printed with its ratio to one instance. A benchmark, not a test.
// See README.md here.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { topics } from '../../topics/catalog.ts';
import { synthStoreTopics } from '../../workers/synth-store/definition.ts';
import {
  type BenchProcess,
  connectBenchKafka,
  oncePerSecond,
  produceResultRecords,
  runBench,
  secondsSince,
  startGroupAtEnd,
  startReadyProcess,
  synthResultsCodec,
  workerBenchConfig,
} from './bench-support.ts';
import { freshRecords, scratchDatabase } from './synth-bench-records.ts';

const usage = `Usage: node scripts/bench/worker-scaling.ts [--results N] [--instances K] [--config.file F]

Measures, for 1 to K synth-store instances on one consumer group (own group, own database each
time, every instance ready before anything is produced), the time from producing N results to
${topics.synthResults.name} (${topics.synthResults.partitions} partitions) to the last of them
being a row in PostgreSQL: results/s, per instance, and the ratio to one instance. The results are
of 64 transactions, each run by a robot of its own (a fleet: the rollups lock per robot).

Options:
  --results N       results per measurement (default 20000)
  --instances K     the most instances measured (default 3)
  --config.file F   the stack's config (default: $PRIMOART_CONFIG_FILE, as set by 'primoart env')
  --help            this text
`;

const batchSize = 500;

runBench(
  { name: 'worker-scaling', usage, counts: { results: 20_000, instances: 3 } },
  async ({ results, instances, stack }) => {
    const log = (line: string) => process.stdout.write(`${line}\n`);
    log(`synth-store scaling: ${results} results per measurement, 1 to ${instances} instance(s)`);
    const kafka = connectBenchKafka(stack);
    const producer = await kafka.producer();
    const codec = await synthResultsCodec(stack);
    const rates: number[] = [];
    try {
      for (let k = 1; k <= instances; k++) {
        const database = await scratchDatabase(stack, `scale${k}`);
        const run = randomUUID().slice(0, 8);
        const setups = [];
        for (let i = 0; i < k; i++) {
          setups.push(
            await workerBenchConfig(stack, 'synth-store', {
              sections: { postgres: { url: database.url } },
              workerSection: { batch: { max_records: batchSize } },
              run,
            }),
          );
        }
        const running: BenchProcess[] = [];
        try {
          await startGroupAtEnd(kafka, setups[0]?.groupId as string, [...synthStoreTopics]);
          for (const setup of setups) {
            running.push(
              await startReadyProcess(['worker', 'synth-store'], setup.configFile, setup.workerUrl),
            );
          }
          // Every member joined and the partitions spread before the clock starts.
          await sleep(5_000);
          const set = freshRecords(results, { robots: 64 });
          const began = performance.now();
          await produceResultRecords(producer, codec, set.records, batchSize);
          const progress = oncePerSecond();
          for (;;) {
            const { rows } = await database.pool.query<{ n: string }>(
              'SELECT count(*) AS n FROM synth_runs WHERE transaction_id = ANY($1::uuid[])',
              [set.transactions],
            );
            const stored = Number(rows[0]?.n ?? 0);
            if (stored >= results) break;
            progress(() => `  ${k} instance(s): ${stored}/${results} stored`);
            if (secondsSince(began) > 300)
              throw new Error(`${k} instance(s): only ${stored}/${results} after 300 s`);
            await sleep(50);
          }
          const rate = results / secondsSince(began);
          rates.push(rate);
          log(
            `${k} instance(s): ${rate.toFixed(0)} results/s (${(rate / k).toFixed(0)} per instance, ` +
              `${(rate / topics.synthResults.partitions).toFixed(0)} per partition), ` +
              `× ${(rate / (rates[0] as number)).toFixed(2)} of one instance`,
          );
        } finally {
          await Promise.all(running.map((process) => process.stop()));
          for (const setup of setups) setup.remove();
          await database.drop();
        }
      }
    } finally {
      await producer.disconnect();
    }
  },
);
