// GET /api/v1/runs/{robot_id}/{result_id} — one run, every field, its steps as a waterfall, its log
// and its screenshots; GET …/screenshots/{step_index}/{ordinal} — a screenshot's bytes, streamed
// from MinIO after the key check (console/queries/run-detail.ts).
//
// Only objects the run references are served: the object key is read from the run's row, never
// taken from the request. No public bucket, no presigned URL: the console reads the object with its
// own credentials and passes the bytes on. Object keys are deterministic, not content-addressed
// (schemas/object-key.ts: the robot, result, step and ordinal), so a run re-sent with another image
// writes other bytes under the same key: the URL the run detail gives carries the image's SHA-256,
// and only a request whose `sha256` is the object's is cacheable for ever (`immutable`); otherwise
// the client revalidates (`no-cache`) with the ETag (the object's SHA-256) and gets a 304.
import type { IncomingMessage } from 'node:http';
import { S3Error } from 'minio';
import { z } from 'zod';
import { screenshotContentTypes } from '../../schemas/record-types.ts';
import { type AnyEndpoint, defineEndpoint, NotFoundError } from '../endpoint.ts';
import { readRun, type StoredScreenshot, screenshotReference } from '../queries/run-detail.ts';
import type { ConsoleStores } from '../stores.ts';

const uuidParameter = z.guid().transform((id) => id.toLowerCase());
const runParams = z.strictObject({
  robot_id: uuidParameter.describe('the robot that uploaded the run'),
  result_id: uuidParameter.describe('the result_id that robot gave the run'),
});

const instant = z.iso.datetime();

const screenshotSchema = z.strictObject({
  step_index: z.number().int(),
  ordinal: z.number().int().min(0).describe('position among the same step’s screenshots, from 0'),
  content_type: z.string(),
  size_bytes: z.number().int().min(0),
  sha256: z.string().describe('SHA-256 of the image, lowercase hex'),
  url: z.string().describe('where the console serves the bytes (relative to the console)'),
});

const stepSchema = z.strictObject({
  index: z.number().int(),
  name: z.string(),
  started_at: instant,
  finished_at: instant,
  duration_ms: z.number().int(),
  start_offset_ms: z.number().int().describe('started_at − the run’s started_at'),
  end_offset_ms: z.number().int().describe('finished_at − the run’s started_at'),
  status: z.enum(['OK', 'WARNING', 'FAIL']),
  error_message: z.string().nullable(),
});

const runSchema = z.strictObject({
  robot_id: z.string(),
  result_id: z.string(),
  transaction_id: z.string(),
  transaction_name: z.string(),
  service: z.string(),
  project: z.string().nullable(),
  robot_name: z.string().nullable(),
  location: z
    .strictObject({
      key: z.string().nullable().describe('country/region/city, the known parts'),
      country: z.string().nullable(),
      region: z.string().nullable(),
      city: z.string().nullable(),
      latitude: z.number().nullable(),
      longitude: z.number().nullable(),
    })
    .describe('where the robot ran'),
  environment: z.string(),
  started_at: instant,
  finished_at: instant,
  duration_ms: z.number().int(),
  status: z.enum(['OK', 'WARNING', 'FAIL']),
  error_code: z.number().int().nullable(),
  error_message: z.string().nullable(),
  target_duration_ms: z.number().int().nullable(),
  attributes: z.record(z.string(), z.string()),
  received_at: instant.describe('when the gateway accepted the upload'),
  stored_at: instant.describe('when synth-store stored this version of the run'),
  source: z
    .strictObject({ topic: z.string(), partition: z.number().int(), offset: z.string() })
    .describe('the Kafka record the row came from'),
  steps: z.array(stepSchema).describe('by index, with offsets from the run’s start (a waterfall)'),
  log: z.string().nullable().describe('the robot’s log as uploaded'),
  screenshots: z.array(screenshotSchema),
});

const runPath = (robotId: string, resultId: string) =>
  `/api/v1/runs/${encodeURIComponent(robotId)}/${encodeURIComponent(resultId)}`;

function describeScreenshot(robotId: string, resultId: string, screenshot: StoredScreenshot) {
  return {
    step_index: screenshot.step_index,
    ordinal: screenshot.ordinal,
    content_type: screenshot.content_type,
    size_bytes: screenshot.size_bytes,
    sha256: screenshot.sha256,
    url: `${runPath(robotId, resultId)}/screenshots/${screenshot.step_index}/${screenshot.ordinal}?sha256=${screenshot.sha256}`,
  };
}

export const runDetailEndpoint: AnyEndpoint = defineEndpoint({
  operationId: 'getRun',
  method: 'get',
  path: '/api/v1/runs/{robot_id}/{result_id}',
  summary: 'One run: every field, its steps with start offsets, its log and its screenshots',
  description: [
    'A run is identified by the robot that uploaded it and the result_id it gave it. Steps carry',
    'start and end offsets in ms from the run’s start, for a waterfall. `log` is the robot’s log as',
    'uploaded (it is also searchable line by line in VictoriaLogs, kind robot.log). Each screenshot has',
    'the console URL of its bytes.',
  ].join(' '),
  scope: 'read',
  stores: ['postgres'],
  params: runParams,
  query: z.strictObject({}),
  response: runSchema,
  async handle({ params }, stores) {
    const { robot_id: robotId, result_id: resultId } = params;
    const run = await readRun(stores.postgres, robotId, resultId);
    if (run === undefined) throw new NotFoundError(`robot ${robotId} has no run ${resultId}`);
    const start = run.started_at.getTime();
    return {
      robot_id: run.robot_id,
      result_id: run.result_id,
      transaction_id: run.transaction_id,
      transaction_name: run.transaction_name,
      service: run.service,
      project: run.project,
      robot_name: run.robot_name,
      location: {
        key: run.location,
        country: run.location_country,
        region: run.location_region,
        city: run.location_city,
        latitude: run.location_latitude,
        longitude: run.location_longitude,
      },
      environment: run.environment,
      started_at: run.started_at.toISOString(),
      finished_at: run.finished_at.toISOString(),
      duration_ms: run.duration_ms,
      status: run.status,
      error_code: run.error_code,
      error_message: run.error_message,
      target_duration_ms: run.target_duration_ms,
      attributes: run.attributes,
      received_at: run.received_at.toISOString(),
      stored_at: run.stored_at.toISOString(),
      source: { topic: run.source_topic, partition: run.source_partition, offset: run.source_offset },
      steps: run.steps.map((step) => ({
        index: step.index,
        name: step.name,
        started_at: step.started_at.toISOString(),
        finished_at: step.finished_at.toISOString(),
        duration_ms: step.duration_ms,
        start_offset_ms: step.started_at.getTime() - start,
        end_offset_ms: step.finished_at.getTime() - start,
        status: step.status,
        error_message: step.error_message,
      })),
      log: run.log,
      screenshots: run.screenshots.map((screenshot) => describeScreenshot(robotId, resultId, screenshot)),
    };
  },
});

const screenshotParams = runParams.extend({
  step_index: z.coerce.number().int().describe('the step the screenshot belongs to'),
  ordinal: z.coerce.number().int().min(0).describe('which of the step’s screenshots, from 0'),
});

/** The object a reference names, as MinIO has it now; NotFoundError while it is not (yet) stored. */
/** A missing object: the run is stored before its screenshot when the artifact-store is behind. */
function notStoredYet(error: unknown): never {
  if (error instanceof S3Error && (error.code === 'NotFound' || error.code === 'NoSuchKey'))
    throw new NotFoundError('the screenshot is not stored (yet)');
  throw error;
}

/** What is told of an object, from the headers of one answer of MinIO (its HEAD or its GET). */
interface ObjectFacts {
  sha256: string;
  contentType: string;
  size: number;
}

const servedTypes = new Set<string>(screenshotContentTypes);

function factsOf(
  screenshot: StoredScreenshot,
  headers: Record<string, string | string[] | undefined>,
  size: number,
): ObjectFacts {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const contentType = header('content-type') ?? screenshot.content_type;
  // The artifact-store checks a screenshot's type against its bytes; anything else in the bucket
  // under a run's key was not written by it: never served (nosniff or not), a 500 that is logged.
  if (!servedTypes.has(contentType))
    throw new Error(`object ${screenshot.object_key} has content type ${contentType}, not a screenshot's`);
  return { sha256: header('x-amz-meta-sha256') ?? screenshot.sha256, contentType, size };
}

async function referenced(stores: ConsoleStores, params: z.output<typeof screenshotParams>) {
  const screenshot = await screenshotReference(
    stores.postgres,
    params.robot_id,
    params.result_id,
    params.step_index,
    params.ordinal,
  );
  if (screenshot === undefined)
    throw new NotFoundError(
      `the run has no screenshot ${params.ordinal} of step ${params.step_index} (or there is no such run)`,
    );
  return screenshot;
}

const extensions: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

export const screenshotEndpoint: AnyEndpoint = defineEndpoint({
  operationId: 'getScreenshot',
  method: 'get',
  path: '/api/v1/runs/{robot_id}/{result_id}/screenshots/{step_index}/{ordinal}',
  summary: 'A screenshot of a run: its bytes (or, with Accept: application/json, what it is)',
  description: [
    'The image bytes as uploaded, streamed from the object store after the key check, with the stored',
    'content type, `X-Content-Type-Options: nosniff` and an ETag (the SHA-256 of the bytes; If-None-Match',
    'gets a 304). Caching: `private`; `immutable` for a year when `sha256` is the image’s (the URLs',
    'the run detail gives), else `no-cache` (a re-sent run may have replaced the image under the same',
    'object key). 404 while the run does not reference it or the artifact-store has not stored it yet.',
  ].join(' '),
  scope: 'read',
  stores: ['postgres', 'minio'],
  params: screenshotParams,
  query: z.strictObject({
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'expected the image’s SHA-256, 64 lowercase hex digits')
      .optional()
      .describe('the image’s SHA-256 (as the run detail’s url carries it): the answer is cacheable for ever'),
  }),
  response: screenshotSchema,
  binary: {
    mediaTypes: [...screenshotContentTypes],
    async send({ params, query }, stores, request) {
      const screenshot = await referenced(stores, params);
      const cacheHeaders = (sha256: string): Record<string, string> => ({
        ETag: `"${sha256}"`,
        'Cache-Control':
          query.sha256 === sha256 ? 'private, max-age=31536000, immutable' : 'private, no-cache',
        'X-Content-Type-Options': 'nosniff',
      });
      const matches = (sha256: string) =>
        (request.ifNoneMatch ?? '')
          .split(',')
          .map((tag) => tag.trim().replace(/^W\//, ''))
          .some((tag) => tag === `"${sha256}"` || tag === '*');
      // A revalidation asks MinIO for the headers only; a 304 sends nothing else of the object.
      if (request.ifNoneMatch !== undefined) {
        const stat = await stores.minio.client
          .statObject(stores.minio.bucket, screenshot.object_key)
          .catch(notStoredYet);
        const facts = factsOf(
          screenshot,
          { 'content-type': stat.metaData['content-type'], 'x-amz-meta-sha256': stat.metaData.sha256 },
          stat.size,
        );
        if (matches(facts.sha256)) return { status: 304, headers: cacheHeaders(facts.sha256) };
      }
      // The bytes and everything said of them (ETag, type, length) from the same GET: a re-sent run
      // replacing the object between two requests cannot pair one image's headers with another's bytes.
      const body = (await stores.minio.client
        .getObject(stores.minio.bucket, screenshot.object_key)
        .catch(notStoredYet)) as IncomingMessage;
      let facts: ObjectFacts;
      try {
        facts = factsOf(screenshot, body.headers, Number(body.headers['content-length']));
      } catch (error) {
        body.destroy();
        throw error;
      }
      return {
        status: 200,
        headers: {
          ...cacheHeaders(facts.sha256),
          'Content-Type': facts.contentType,
          'Content-Length': String(facts.size),
          'Content-Disposition': `inline; filename="${screenshot.step_index}-${screenshot.ordinal}.${extensions[facts.contentType] ?? 'bin'}"`,
        },
        body,
      };
    },
  },
  async handle({ params }, stores) {
    const screenshot = await referenced(stores, params);
    return describeScreenshot(params.robot_id, params.result_id, screenshot);
  },
});
