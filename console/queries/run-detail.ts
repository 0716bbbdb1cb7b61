// One run as synth-store stored it (synth_runs, synth_step_runs): every field, its steps with their
// offsets from the run's start (what a waterfall draws), the log (the robot's text, as uploaded;
// the logs-store also writes it line by line to VictoriaLogs for searching), and the screenshot
// references (the bytes are objects in MinIO, read by screenshot()).
import type { Pool } from 'pg';

export interface StoredScreenshot {
  step_index: number;
  /** Position among the screenshots of the same step, from 0 (the object key's `-<ordinal>`). */
  ordinal: number;
  content_type: string;
  object_key: string;
  size_bytes: number;
  sha256: string;
}

export interface StoredStep {
  index: number;
  name: string;
  started_at: Date;
  finished_at: Date;
  duration_ms: number;
  status: string;
  error_message: string | null;
}

export interface StoredRun {
  robot_id: string;
  result_id: string;
  transaction_id: string;
  transaction_name: string;
  service: string;
  project: string | null;
  robot_name: string | null;
  location_country: string | null;
  location_region: string | null;
  location_city: string | null;
  location_latitude: number | null;
  location_longitude: number | null;
  location: string | null;
  environment: string;
  started_at: Date;
  finished_at: Date;
  duration_ms: number;
  status: string;
  error_code: number | null;
  error_message: string | null;
  target_duration_ms: number | null;
  log: string | null;
  attributes: Record<string, string>;
  screenshots: StoredScreenshot[];
  received_at: Date;
  stored_at: Date;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  steps: StoredStep[];
}

interface ScreenshotReference {
  step_index: number;
  content_type: string;
  object_key: string;
  size_bytes: number;
  sha256: string;
}

/** The references as stored, each with its ordinal: its position among the same step's, in order. */
export function numberScreenshots(references: readonly ScreenshotReference[]): StoredScreenshot[] {
  const seen = new Map<number, number>();
  return references.map((reference) => {
    const ordinal = seen.get(reference.step_index) ?? 0;
    seen.set(reference.step_index, ordinal + 1);
    return {
      ...reference,
      step_index: Number(reference.step_index),
      ordinal,
      size_bytes: Number(reference.size_bytes),
    };
  });
}

/** The run `robot_id` uploaded as `result_id` (migration 0004: the pair is the key), or undefined. */
export async function readRun(pool: Pool, robotId: string, resultId: string): Promise<StoredRun | undefined> {
  const { rows } = await pool.query<
    Omit<StoredRun, 'steps' | 'screenshots'> & {
      screenshots: ScreenshotReference[];
      steps: StoredStep[] | null;
    }
  >(
    `SELECT r.robot_id, r.result_id, r.transaction_id, r.transaction_name, r.service, r.project, r.robot_name,
       r.location_country, r.location_region, r.location_city, r.location_latitude, r.location_longitude,
       nullif(synth_location_key(r.location_country, r.location_region, r.location_city), '') AS location,
       r.environment, r.started_at, r.finished_at, r.duration_ms::float8 AS duration_ms, r.status,
       r.error_code::float8 AS error_code, r.error_message, r.target_duration_ms::float8 AS target_duration_ms,
       r.log, r.attributes, r.screenshots, r.received_at, r.stored_at, r.source_topic, r.source_partition,
       r.source_offset::text AS source_offset,
       (SELECT json_agg(json_build_object(
                 'index', s.step_index, 'name', s.name, 'started_at', s.started_at, 'finished_at', s.finished_at,
                 'duration_ms', s.duration_ms, 'status', s.status, 'error_message', s.error_message)
               ORDER BY s.step_index)
        FROM synth_step_runs s WHERE s.robot_id = r.robot_id AND s.result_id = r.result_id) AS steps
     FROM synth_runs r
     WHERE r.robot_id = $1::uuid AND r.result_id = $2::uuid`,
    [robotId, resultId],
  );
  const [row] = rows;
  if (row === undefined) return undefined;
  return {
    ...row,
    screenshots: numberScreenshots(row.screenshots),
    // json_agg gives the steps' times as text: the same instants, as Dates like the run's.
    steps: (row.steps ?? []).map((step) => ({
      ...step,
      started_at: new Date(step.started_at),
      finished_at: new Date(step.finished_at),
      duration_ms: Number(step.duration_ms),
    })),
  };
}

/** The reference of one screenshot of the run, if the run has it: only these are ever served. */
export async function screenshotReference(
  pool: Pool,
  robotId: string,
  resultId: string,
  stepIndex: number,
  ordinal: number,
): Promise<StoredScreenshot | undefined> {
  const { rows } = await pool.query<{ screenshots: ScreenshotReference[] }>(
    'SELECT screenshots FROM synth_runs WHERE robot_id = $1::uuid AND result_id = $2::uuid',
    [robotId, resultId],
  );
  const [row] = rows;
  if (row === undefined) return undefined;
  return numberScreenshots(row.screenshots).find(
    (screenshot) => screenshot.step_index === stepIndex && screenshot.ordinal === ordinal,
  );
}
