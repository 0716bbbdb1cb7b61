// A simulated fleet stored straight through synth-store's writer into a database of the test's own
// (no gateway, no Kafka: the reports read PostgreSQL only), and the generator's own runs beside it,
// so a test can compute every figure itself and compare.
import { fromAvroResult, toAvroResult, validateTransactionResult } from '../../schemas/index.ts';
import type { SynthResult } from '../../schemas/record-types.ts';
import type { FleetPlan } from '../../scripts/fleet/fleet-plan.ts';
import { generateFleetResults } from '../../scripts/fleet/generator.ts';
import { migrate } from '../../workers/synth-store/migrate.ts';
import { writeRuns } from '../../workers/synth-store/writer.ts';
import { scratchDatabase } from './stack.ts';

/** The plan's runs as synth-store receives them from the results topic. */
export function fleetRuns(plan: FleetPlan): SynthResult[] {
  const runs: SynthResult[] = [];
  for (const payload of generateFleetResults(plan)) {
    const validation = validateTransactionResult(payload, { now: plan.to, defaultEnvironment: 'production' });
    if (!validation.ok) throw new Error(`generated an invalid payload: ${JSON.stringify(validation.errors)}`);
    runs.push(fromAvroResult(toAvroResult(validation.value, { receivedAt: plan.to }).result));
  }
  return runs;
}

let offset = 0;

/** Writes runs in batches as synth-store does, each with a source offset of its own. */
export async function storeRuns(
  pool: Parameters<typeof writeRuns>[0],
  runs: readonly SynthResult[],
  batchSize = 500,
): Promise<void> {
  for (let start = 0; start < runs.length; start += batchSize) {
    await writeRuns(
      pool,
      runs.slice(start, start + batchSize).map((run) => ({
        run,
        source: { topic: 'primoart.synth.results.v1', partition: 0, offset: String(offset++) },
      })),
    );
  }
}

/** A migrated database of the test's own holding the plan's runs. */
export async function storedFleet(plan: FleetPlan) {
  const database = await scratchDatabase();
  await migrate(database.pool);
  const runs = fleetRuns(plan);
  await storeRuns(database.pool, runs);
  return { database, runs };
}

/** PostgreSQL's percentile_cont (type 7): what a test computes from the generator's runs. */
export function exactPercentile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const below = Math.floor(rank);
  const lower = sorted[below] as number;
  const upper = sorted[Math.ceil(rank)] as number;
  return lower + (rank - below) * (upper - lower);
}
