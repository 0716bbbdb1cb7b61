// From a validated upload to the Avro records the gateway publishes, and from decoded Avro records
// to the typed objects workers use. Avro values carry times as epoch milliseconds (timestamp-millis
// without avsc logical-type classes); workers get Date.

import { createHash } from 'node:crypto';
import { screenshotObjectKey } from './object-key.ts';
import type {
  Location,
  ScreenshotRef,
  Step,
  SynthArtifact,
  SynthArtifactRecord,
  SynthResult,
  TransactionResultRecord,
  ValidTransactionResult,
} from './record-types.ts';

export interface AvroResultRecords {
  /** For primoart.synth.results.v1. */
  result: TransactionResultRecord;
  /** For primoart.synth.artifacts.v1, one per screenshot, in upload order. */
  artifacts: SynthArtifactRecord[];
}

/** The records one accepted upload becomes. `receivedAt` is when the gateway accepted it. */
export function toAvroResult(
  valid: ValidTransactionResult,
  options: { receivedAt: Date },
): AvroResultRecords {
  const receivedAt = options.receivedAt.getTime();
  const stepFinishedAt = new Map(valid.steps.map((step) => [step.index, step.finished_at.getTime()]));
  const screenshotsPerStep = new Map<number, number>();
  const artifacts: SynthArtifactRecord[] = valid.screenshots.map((screenshot) => {
    const ordinal = screenshotsPerStep.get(screenshot.step_index) ?? 0;
    screenshotsPerStep.set(screenshot.step_index, ordinal + 1);
    const identity = {
      transaction_id: valid.transaction_id,
      result_id: valid.result_id,
      step_index: screenshot.step_index,
      ordinal,
      content_type: screenshot.content_type,
    };
    return {
      ...identity,
      sha256: createHash('sha256').update(screenshot.bytes).digest('hex'),
      // The robot is part of the key, not a field of the artifact record: the key alone keeps two
      // robots' objects apart, so the record needs no new field (schemas/object-key.ts).
      object_key: screenshotObjectKey({ ...identity, robot_id: valid.robot_id }),
      data: screenshot.bytes,
      captured_at: stepFinishedAt.get(screenshot.step_index) ?? valid.finished_at.getTime(),
      received_at: receivedAt,
    };
  });
  const result: TransactionResultRecord = {
    result_id: valid.result_id,
    transaction_id: valid.transaction_id,
    transaction_name: valid.transaction_name,
    service: valid.service,
    project: valid.project,
    robot_id: valid.robot_id,
    robot_name: valid.robot_name,
    location: valid.location === null ? null : { ...valid.location },
    environment: valid.environment,
    started_at: valid.started_at.getTime(),
    finished_at: valid.finished_at.getTime(),
    status: valid.status,
    error_code: valid.error_code,
    error_message: valid.error_message,
    target_duration_ms: valid.target_duration_ms,
    steps: valid.steps.map((step) => ({
      index: step.index,
      name: step.name,
      started_at: step.started_at.getTime(),
      finished_at: step.finished_at.getTime(),
      status: step.status,
      error_message: step.error_message,
    })),
    log: valid.log,
    screenshots: artifacts.map((artifact) => ({
      step_index: artifact.step_index,
      content_type: artifact.content_type,
      object_key: artifact.object_key,
      size_bytes: artifact.data.length,
      sha256: artifact.sha256,
    })),
    attributes: { ...valid.attributes },
    received_at: receivedAt,
  };
  return { result, artifacts };
}

function fromAvroLocation(location: TransactionResultRecord['location']): Location | null {
  if (location === null) return null;
  return {
    city: location.city,
    region: location.region,
    country: location.country,
    latitude: location.latitude,
    longitude: location.longitude,
  };
}

function fromAvroStep(step: TransactionResultRecord['steps'][number]): Step {
  return {
    index: step.index,
    name: step.name,
    started_at: new Date(step.started_at),
    finished_at: new Date(step.finished_at),
    status: step.status,
    error_message: step.error_message,
  };
}

function fromAvroScreenshotRef(screenshot: TransactionResultRecord['screenshots'][number]): ScreenshotRef {
  return {
    step_index: screenshot.step_index,
    content_type: screenshot.content_type,
    object_key: screenshot.object_key,
    size_bytes: screenshot.size_bytes,
    sha256: screenshot.sha256,
  };
}

/** A decoded primoart.synth.results.v1 value (read with the current schema) as workers use it. */
export function fromAvroResult(record: TransactionResultRecord): SynthResult {
  return {
    result_id: record.result_id,
    transaction_id: record.transaction_id,
    transaction_name: record.transaction_name,
    service: record.service,
    project: record.project,
    robot_id: record.robot_id,
    robot_name: record.robot_name,
    location: fromAvroLocation(record.location),
    environment: record.environment,
    started_at: new Date(record.started_at),
    finished_at: new Date(record.finished_at),
    status: record.status,
    error_code: record.error_code,
    error_message: record.error_message,
    target_duration_ms: record.target_duration_ms,
    steps: record.steps.map(fromAvroStep),
    log: record.log,
    screenshots: record.screenshots.map(fromAvroScreenshotRef),
    attributes: { ...record.attributes },
    received_at: new Date(record.received_at),
  };
}

/** A decoded primoart.synth.artifacts.v1 value (read with the current schema) as workers use it. */
export function fromAvroArtifact(record: SynthArtifactRecord): SynthArtifact {
  return {
    result_id: record.result_id,
    transaction_id: record.transaction_id,
    step_index: record.step_index,
    ordinal: record.ordinal,
    content_type: record.content_type,
    sha256: record.sha256,
    object_key: record.object_key,
    data: record.data,
    captured_at: new Date(record.captured_at),
    received_at: new Date(record.received_at),
  };
}
