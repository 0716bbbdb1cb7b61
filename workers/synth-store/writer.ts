// Writes robot runs, their steps and the catalogue they carry to PostgreSQL in one transaction
// per batch. Idempotent: rows are upserted on (robot_id, result_id) and a run's steps are replaced
// as a whole, so a re-delivery, a re-upload or a replay of the same result changes nothing. The
// robot is part of the key because robots choose result_id: another robot sending the same
// result_id writes a run of its own and never touches this one's rows (migration 0004).
// The hourly rollups (migration 0005) of every (hour, transaction, robot) the batch touched, before
// and after, are recomputed from the stored rows in the same transaction, then the daily ones of
// those hours' days (0007).
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { SynthResult } from '../../schemas/record-types.ts';
import { upsertCatalogue } from './catalogue.ts';

export interface RunSource {
  topic: string;
  partition: number;
  offset: string;
}

const millis = (from: Date, to: Date): number => to.getTime() - from.getTime();

function runRow(run: SynthResult, source: RunSource) {
  return {
    result_id: run.result_id,
    transaction_id: run.transaction_id,
    transaction_name: run.transaction_name,
    service: run.service,
    project: run.project,
    robot_id: run.robot_id,
    robot_name: run.robot_name,
    location_city: run.location?.city ?? null,
    location_region: run.location?.region ?? null,
    location_country: run.location?.country ?? null,
    location_latitude: run.location?.latitude ?? null,
    location_longitude: run.location?.longitude ?? null,
    environment: run.environment,
    started_at: run.started_at.toISOString(),
    finished_at: run.finished_at.toISOString(),
    duration_ms: millis(run.started_at, run.finished_at),
    status: run.status,
    error_code: run.error_code,
    error_message: run.error_message,
    target_duration_ms: run.target_duration_ms,
    log: run.log,
    attributes: run.attributes,
    screenshots: run.screenshots,
    received_at: run.received_at.toISOString(),
    source_topic: source.topic,
    source_partition: source.partition,
    source_offset: source.offset,
  };
}

// One statement for the whole batch: the rows travel as a single JSON parameter.
const upsertRuns = `
INSERT INTO synth_runs AS r (
  result_id, transaction_id, transaction_name, service, project, robot_id, robot_name,
  location_city, location_region, location_country, location_latitude, location_longitude,
  environment, started_at, finished_at, duration_ms, status, error_code, error_message,
  target_duration_ms, log, attributes, screenshots, received_at, source_topic, source_partition, source_offset)
SELECT
  result_id, transaction_id, transaction_name, service, project, robot_id, robot_name,
  location_city, location_region, location_country, location_latitude, location_longitude,
  environment, started_at, finished_at, duration_ms, status, error_code, error_message,
  target_duration_ms, log, attributes, screenshots, received_at, source_topic, source_partition, source_offset
FROM jsonb_to_recordset($1::jsonb) AS x(
  result_id uuid, transaction_id uuid, transaction_name text, service text, project text, robot_id uuid,
  robot_name text, location_city text, location_region text, location_country text,
  location_latitude double precision, location_longitude double precision, environment text,
  started_at timestamptz, finished_at timestamptz, duration_ms bigint, status text, error_code bigint,
  error_message text, target_duration_ms bigint, log text, attributes jsonb, screenshots jsonb,
  received_at timestamptz, source_topic text, source_partition integer, source_offset bigint)
ON CONFLICT (robot_id, result_id) DO UPDATE SET
  transaction_id = EXCLUDED.transaction_id, transaction_name = EXCLUDED.transaction_name,
  service = EXCLUDED.service, project = EXCLUDED.project, robot_name = EXCLUDED.robot_name, location_city = EXCLUDED.location_city,
  location_region = EXCLUDED.location_region, location_country = EXCLUDED.location_country,
  location_latitude = EXCLUDED.location_latitude, location_longitude = EXCLUDED.location_longitude,
  environment = EXCLUDED.environment, started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
  duration_ms = EXCLUDED.duration_ms, status = EXCLUDED.status, error_code = EXCLUDED.error_code,
  error_message = EXCLUDED.error_message, target_duration_ms = EXCLUDED.target_duration_ms,
  log = EXCLUDED.log, attributes = EXCLUDED.attributes, screenshots = EXCLUDED.screenshots,
  received_at = EXCLUDED.received_at, source_topic = EXCLUDED.source_topic,
  source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset`;

// The runs' keys travel as two parallel arrays: robot_ids[i] with result_ids[i].
const deleteSteps = `
DELETE FROM synth_step_runs
WHERE (robot_id, result_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))`;

const insertSteps = `
INSERT INTO synth_step_runs (robot_id, result_id, step_index, name, started_at, finished_at, duration_ms, status, error_message)
SELECT robot_id, result_id, step_index, name, started_at, finished_at, duration_ms, status, error_message
FROM jsonb_to_recordset($1::jsonb) AS x(
  robot_id uuid, result_id uuid, step_index integer, name text, started_at timestamptz, finished_at timestamptz,
  duration_ms bigint, status text, error_message text)`;

// The keys a run had before this batch: a run re-sent with another start or transaction leaves its
// old hour's rollup too.
const storedRollupKeys = `
SELECT date_trunc('hour', started_at, 'UTC') AS hour_start, synth_quarter_start(started_at) AS quarter_start,
       transaction_id, robot_id
FROM synth_runs
WHERE (robot_id, result_id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))`;

const refreshRollups = 'SELECT synth_refresh_rollups($1::timestamptz[], $2::uuid[], $3::uuid[])';
// Then the UTC days of those hours, from the hourly rows (migration 0007).
const refreshDayRollups = 'SELECT synth_refresh_day_rollups($1::timestamptz[], $2::uuid[], $3::uuid[])';
// And the quarter hours of the heatmap, per transaction and per service (migration 0009).
const refreshQuarterRollups = 'SELECT synth_refresh_quarter_rollups($1::timestamptz[], $2::uuid[])';
// Then those quarters per project, from the service rows (migration 0010).
const refreshProjectQuarters = 'SELECT synth_refresh_project_quarters($1::timestamptz[])';
// And the days of those quarters per service, from the service rows (migration 0012).
const refreshServiceDays = 'SELECT synth_refresh_service_days($1::timestamptz[])';
// And the hours' and days' step counts per transaction, from the per-robot rows (migrations 0013, 0011).
const refreshTransactionStepHours =
  'SELECT synth_refresh_transaction_step_hours($1::timestamptz[], $2::uuid[])';
const refreshTransactionStepDays =
  'SELECT synth_refresh_transaction_step_days($1::timestamptz[], $2::uuid[])';

// Two writers (two synth-store instances, a rebalance) recomputing the same rollup key at once
// would each count only its own uncommitted runs: a batch first takes a transaction-scoped lock per
// robot (a run never changes robot, so its old and new keys share it). Locks are taken in
// ascending order, so two batches never wait for each other in a circle.
const lockRobots = 'SELECT pg_advisory_xact_lock($1::integer, key) FROM unnest($2::integer[]) AS key';
/** The advisory-lock class of rollup writers (any fixed number, apart from other users' locks). */
const rollupLockClass = 5005;
/**
 * A robot's lock key: 32 bits of a hash of its whole uuid. Two robots sharing one only wait for each
 * other, but the uuid's own first 32 bits are no key: UUIDv7s made close together share them (a
 * timestamp), and so did the simulated fleet's three robots, whose writers then took turns.
 */
export const robotLockKey = (robotId: string): number =>
  createHash('sha256').update(robotId.toLowerCase()).digest().readInt32BE(0);
// A quarter's service row sums the runs of every robot of every transaction of the service (and a
// transaction's step day those of its robots), so these refreshes are one writer at a time: one
// lock, taken after the robots' (the same order in every batch), held for the refreshes and the
// commit only. A class of its own, so that it never is one of the robot keys. (The catalogue's
// upserts lock a batch's service and project rows too, which serialises writers of one service
// today; the rollups do not count on that.)
const lockQuarters = 'SELECT pg_advisory_xact_lock($1::integer, 0)';
const quarterLockClass = 5006;

const quarterMs = 900_000;
const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
/** The UTC day an hour is in, as the daily rollups key it. */
const dayOf = (hour: Date): string => new Date(Math.floor(hour.getTime() / dayMs) * dayMs).toISOString();

/** What identifies a run: its robot and the result_id that robot chose (as PostgreSQL compares uuids). */
export const runKey = (run: Pick<SynthResult, 'robot_id' | 'result_id'>): string =>
  JSON.stringify([run.robot_id.toLowerCase(), run.result_id.toLowerCase()]);

/**
 * One entry per run of the batch. The same run twice (a re-upload close behind the first): the
 * later one wins, as it would have across batches. One statement may not touch a row twice.
 */
export function latestRuns<T extends { run: SynthResult }>(runs: Iterable<T>): T[] {
  const latest = new Map<string, T>();
  for (const entry of runs) latest.set(runKey(entry.run), entry);
  return [...latest.values()];
}

export async function writeRuns(
  pool: Pool,
  runs: Array<{ run: SynthResult; source: RunSource }>,
): Promise<void> {
  const unique = latestRuns(runs);
  if (unique.length === 0) return;

  const steps = unique.flatMap(({ run }) =>
    run.steps.map((step) => ({
      robot_id: run.robot_id,
      result_id: run.result_id,
      step_index: step.index,
      name: step.name,
      started_at: step.started_at.toISOString(),
      finished_at: step.finished_at.toISOString(),
      duration_ms: millis(step.started_at, step.finished_at),
      status: step.status,
      error_message: step.error_message,
    })),
  );

  const client = await pool.connect();
  let failure: Error | undefined;
  // PostgreSQL going away while this client is checked out is emitted on the client itself; without
  // a listener that would crash the process. The next query fails and the harness retries the batch.
  const connectionLost = (error: Error) => {
    failure = error;
  };
  client.on('error', connectionLost);
  try {
    await client.query('BEGIN');
    const robotKeys = [...new Set(unique.map(({ run }) => robotLockKey(run.robot_id)))].sort((a, b) => a - b);
    await client.query(lockRobots, [rollupLockClass, robotKeys]);
    const runKeys = [unique.map(({ run }) => run.robot_id), unique.map(({ run }) => run.result_id)];
    const before = await client.query<{
      hour_start: Date;
      quarter_start: Date;
      transaction_id: string;
      robot_id: string;
    }>(storedRollupKeys, runKeys);
    await client.query(upsertRuns, [JSON.stringify(unique.map(({ run, source }) => runRow(run, source)))]);
    await client.query(deleteSteps, runKeys);
    if (steps.length > 0) await client.query(insertSteps, [JSON.stringify(steps)]);
    const touched = [
      ...before.rows,
      ...unique.map(({ run }) => ({
        hour_start: new Date(Math.floor(run.started_at.getTime() / hourMs) * hourMs),
        quarter_start: new Date(Math.floor(run.started_at.getTime() / quarterMs) * quarterMs),
        transaction_id: run.transaction_id,
        robot_id: run.robot_id,
      })),
    ];
    await client.query(refreshRollups, [
      touched.map((key) => key.hour_start.toISOString()),
      touched.map((key) => key.transaction_id),
      touched.map((key) => key.robot_id),
    ]);
    await client.query(refreshDayRollups, [
      touched.map((key) => dayOf(key.hour_start)),
      touched.map((key) => key.transaction_id),
      touched.map((key) => key.robot_id),
    ]);
    await upsertCatalogue(
      client,
      unique.map(({ run }) => run),
    );
    await client.query(lockQuarters, [quarterLockClass]);
    await client.query(refreshQuarterRollups, [
      touched.map((key) => key.quarter_start.toISOString()),
      touched.map((key) => key.transaction_id),
    ]);
    await client.query(refreshProjectQuarters, [
      [...new Set(touched.map((key) => key.quarter_start.toISOString()))],
    ]);
    await client.query(refreshServiceDays, [[...new Set(touched.map((key) => dayOf(key.hour_start)))]]);
    await client.query(refreshTransactionStepHours, [
      touched.map((key) => key.hour_start.toISOString()),
      touched.map((key) => key.transaction_id),
    ]);
    await client.query(refreshTransactionStepDays, [
      touched.map((key) => dayOf(key.hour_start)),
      touched.map((key) => key.transaction_id),
    ]);
    await client.query('COMMIT');
  } catch (error) {
    failure = error as Error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    // A client that failed mid-transaction may have a broken connection: discard it.
    client.off('error', connectionLost);
    client.release(failure);
  }
}
