// Accepted results per second through the ingest gateway, next to a raw Kafka producer writing the
// same Avro records with the same codec, topic, acks=all and batching, on the same machine in the
// same run. A benchmark, not a test: it prints figures and asserts nothing. See README.md here.
import { randomUUID } from 'node:crypto';
import type { PrimoartConfig } from '../../core/config-schema.ts';
import type { TransactionResultRecord } from '../../schemas/record-types.ts';
import { topics } from '../../topics/catalog.ts';
import type { ValueCodec } from '../../topics/codec.ts';
import type { Producer } from '../../topics/port.ts';
import {
  benchConfigBase,
  benchGatewaySection,
  benchResult,
  chunks,
  connectBenchKafka,
  drainInParallel,
  freePort,
  localUrl,
  newBenchKey,
  postUpload,
  runBench,
  startReadyProcess,
  synthResultsCodec,
  toResultRecord,
  writeBenchConfig,
} from './bench-support.ts';

const usage = `Usage: node scripts/bench/gateway-throughput.ts [--results N] [--concurrency C] [--config.file F]

Measures accepted results/s for
  (a) single uploads to the gateway from C concurrent HTTP clients,
  (b) batch uploads of 100 results to the gateway, C in flight,
  (c) a raw producer (the project's Kafka port, kafkajs) sending the same Avro records to the same
      topic with acks=all: one record per send (baseline for a) and 100 per send (baseline for b),
      C sends in flight,
and prints each rate and the ratios gateway/raw. It starts a gateway of its own with a config of
its own (the Kafka and schema registry sections are taken from F).

Every measured result is really published to ${topics.synthResults.name} (and then stored by the
stack's synth-store): run it against a local stack, not a shared one.

Options:
  --results N       results per measurement (default 5000)
  --concurrency C   concurrent HTTP clients, or concurrent sends for the raw producer (default 16)
  --config.file F   the stack's config (default: $PRIMOART_CONFIG_FILE, as set by 'primoart env')
  --help            this text
`;

const defaults = { results: 5000, concurrency: 16, batchSize: 100, transactions: 64 };

// --- payloads ----------------------------------------------------------------------------------

/** A valid result, like a robot's: a few steps, a location, attributes; no screenshots. */
function gatewayBenchResult(transactions: readonly string[], i: number): Record<string, unknown> {
  return benchResult({
    transaction_id: transactions[i % transactions.length],
    service: 'bench',
    robot_id: '00000000-0000-4000-8000-00000000be4c',
    robot_name: 'gateway-throughput',
    location: { city: 'Frankfurt am Main', country: 'DE', latitude: 50.11, longitude: 8.68 },
    attributes: { browser: 'chromium', run: String(i) },
  });
}

function freshResults(count: number): Array<Record<string, unknown>> {
  const transactions = Array.from({ length: defaults.transactions }, () => randomUUID());
  return Array.from({ length: count }, (_, i) => gatewayBenchResult(transactions, i));
}

// --- measuring ---------------------------------------------------------------------------------

interface Measurement {
  label: string;
  accepted: number;
  seconds: number;
}

const perSecond = (m: Measurement) => m.accepted / m.seconds;

/**
 * Runs `work` over every unit with `concurrency` in flight; `work` returns how many results it got
 * accepted. Prints progress once a second.
 */
async function measure<T>(
  label: string,
  units: readonly T[],
  resultsPerUnit: (unit: T) => number,
  concurrency: number,
  work: (unit: T) => Promise<number>,
): Promise<Measurement> {
  const total = units.reduce((sum, unit) => sum + resultsPerUnit(unit), 0);
  let accepted = 0;
  let refused = 0;
  const started = performance.now();
  const progress = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `  ${label}: ${accepted}/${total} accepted, ${refused} refused, ${(accepted / seconds).toFixed(0)}/s\n`,
    );
  }, 1000);
  try {
    await drainInParallel(units, concurrency, async (unit) => {
      const got = await work(unit);
      accepted += got;
      refused += resultsPerUnit(unit) - got;
    });
  } finally {
    clearInterval(progress);
  }
  const seconds = (performance.now() - started) / 1000;
  if (refused > 0) process.stdout.write(`  ${label}: ${refused} results were not accepted\n`);
  process.stdout.write(`  ${label}: done, ${accepted} accepted in ${seconds.toFixed(2)} s\n`);
  return { label, accepted, seconds };
}

// --- the gateway under test --------------------------------------------------------------------

interface BenchGateway {
  url: string;
  key: string;
  stop(): Promise<void>;
}

async function startGateway(stack: PrimoartConfig): Promise<BenchGateway> {
  const port = await freePort();
  const key = newBenchKey();
  const config = writeBenchConfig({ ...benchConfigBase(stack), gateway: benchGatewaySection(port, key) });
  const gateway = await startReadyProcess(['gateway'], config.configFile, localUrl(port), {
    pollMs: 200,
    label: 'the gateway',
  });
  return {
    url: gateway.url,
    key,
    async stop() {
      await gateway.stop();
      config.remove();
    },
  };
}

/** The part of an upload answer the bench reads (a batch's per-item outcomes). */
interface BatchAnswer {
  results?: Array<{ status: string }>;
}

async function post(gateway: BenchGateway, body: unknown): Promise<{ status: number; body: BatchAnswer }> {
  const response = await postUpload(gateway, body);
  return { status: response.status, body: (await response.json()) as BatchAnswer };
}

const gatewaySingle = (gateway: BenchGateway) => async (result: Record<string, unknown>) =>
  (await post(gateway, result)).status === 202 ? 1 : 0;

const gatewayBatch = (gateway: BenchGateway) => async (batch: Array<Record<string, unknown>>) => {
  const answer = await post(gateway, { results: batch });
  if (answer.status !== 200) return 0;
  return (answer.body.results ?? []).filter((item) => item.status === 'accepted').length;
};

// --- the raw producer --------------------------------------------------------------------------

/** What the gateway publishes for a result, prepared up front: the raw producer skips HTTP and validation. */
function toRecord(result: Record<string, unknown>): { key: string; record: TransactionResultRecord } {
  const record = toResultRecord(result);
  return { key: record.transaction_id, record };
}

/** One send of already-mapped records; encoding is timed, as the gateway's is. */
const rawSend =
  (producer: Producer, codec: ValueCodec<TransactionResultRecord>) =>
  async (records: Array<{ key: string; record: TransactionResultRecord }>) => {
    const messages = await Promise.all(
      records.map(async (r) => ({ key: r.key, value: await codec.encode(r.record) })),
    );
    await producer.send([{ topic: topics.synthResults.name, messages }]);
    return records.length;
  };

// --- main --------------------------------------------------------------------------------------

runBench(
  {
    name: 'gateway-throughput',
    usage,
    counts: { results: defaults.results, concurrency: defaults.concurrency },
  },
  async (options) => {
    const { results, concurrency, stack } = options;
    process.stdout.write(
      `gateway throughput: ${results} results per measurement, concurrency ${concurrency}, ` +
        `Kafka ${stack.kafka.brokers.join(',')}, topic ${topics.synthResults.name}\n`,
    );

    const codec = await synthResultsCodec(stack);
    const kafka = connectBenchKafka(stack);
    const producer = await kafka.producer();
    process.stdout.write('starting a gateway of its own…\n');
    const gateway = await startGateway(stack);
    const warmUp = Math.min(200, results);
    const measurements: Record<'gatewaySingle' | 'gatewayBatch' | 'rawSingle' | 'rawBatch', Measurement> =
      {} as never;
    try {
      process.stdout.write(`warming up (${warmUp} results each way, not counted)…\n`);
      await measure('warm-up gateway', freshResults(warmUp), () => 1, concurrency, gatewaySingle(gateway));
      await measure(
        'warm-up raw',
        freshResults(warmUp).map((r) => [toRecord(r)]),
        (u) => u.length,
        concurrency,
        rawSend(producer, codec),
      );

      process.stdout.write('(a) single uploads through the gateway\n');
      measurements.gatewaySingle = await measure(
        '(a) gateway, single',
        freshResults(results),
        () => 1,
        concurrency,
        gatewaySingle(gateway),
      );
      process.stdout.write('(c) raw producer, one record per send\n');
      measurements.rawSingle = await measure(
        '(c) raw, 1 per send',
        freshResults(results).map((r) => [toRecord(r)]),
        (u) => u.length,
        concurrency,
        rawSend(producer, codec),
      );
      process.stdout.write(`(b) batch uploads of ${defaults.batchSize} through the gateway\n`);
      measurements.gatewayBatch = await measure(
        `(b) gateway, batch ${defaults.batchSize}`,
        chunks(freshResults(results), defaults.batchSize),
        (u) => u.length,
        concurrency,
        gatewayBatch(gateway),
      );
      process.stdout.write(`(c) raw producer, ${defaults.batchSize} records per send\n`);
      measurements.rawBatch = await measure(
        `(c) raw, ${defaults.batchSize} per send`,
        chunks(freshResults(results).map(toRecord), defaults.batchSize),
        (u) => u.length,
        concurrency,
        rawSend(producer, codec),
      );
    } finally {
      await gateway.stop();
      await producer.disconnect();
    }

    const row = (m: Measurement) =>
      `  ${m.label.padEnd(26)} ${perSecond(m).toFixed(0).padStart(8)} results/s  (${m.accepted} in ${m.seconds.toFixed(2)} s)\n`;
    process.stdout.write(
      `\nresults (concurrency ${concurrency}, ${results} results each)\n` +
        row(measurements.gatewaySingle) +
        row(measurements.rawSingle) +
        row(measurements.gatewayBatch) +
        row(measurements.rawBatch) +
        `  gateway/raw, single:  ${(perSecond(measurements.gatewaySingle) / perSecond(measurements.rawSingle)).toFixed(2)}\n` +
        `  gateway/raw, batch:   ${(perSecond(measurements.gatewayBatch) / perSecond(measurements.rawBatch)).toFixed(2)}\n`,
    );
  },
);
