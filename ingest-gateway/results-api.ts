// POST /api/v1/transactions/results/upload — the public contract robots are written against
// (CONTRACT.md "Robot results"): single and batch forms, problems named by path (the first 100,
// and how many), 2xx only after Kafka acknowledged, 503 with Retry-After when it cannot, 413 for a
// result no record can hold (retrying would never help). Bodies are parsed and judged off the
// event loop when large (upload-judging.ts).

import { setImmediate as nextTurn } from 'node:timers/promises';
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { toAvroResult } from '../schemas/index.ts';
import type {
  SynthArtifactRecord,
  TransactionResultRecord,
  ValidTransactionResult,
} from '../schemas/record-types.ts';
import { oversizedResult } from '../schemas/result-record-size.ts';
import type { Validation, ValidationError } from '../schemas/validation-problems.ts';
import { chargeRecords, type KeyStore, requireScope } from './api-keys.ts';
import { jsonBodyErrors, jsonBytesBody } from './body-errors.ts';
import { provenanceOf } from './provenance.ts';
import {
  KafkaUnavailableError,
  type PreparedResult,
  RecordTooLargeError,
  type ResultPublisher,
} from './publisher.ts';
import { JudgesBusyError, type UploadJudge, UploadTooLargeError } from './upload-judging.ts';

export interface ResultsApiOptions {
  /** Judges bodies (large ones on its own threads); the gateway closes it when it stops. */
  judge: UploadJudge;
  keys: KeyStore;
  publisher: ResultPublisher<TransactionResultRecord, SynthArtifactRecord>;
  bodyLimitBytes: number;
  /** Environment of results that name none. */
  defaultEnvironment: string;
  logger: Logger;
  metrics: Registry;
  /** Seconds a robot should wait before retrying when Kafka is away. */
  retryAfterSeconds: number;
}

type Prepared = PreparedResult<TransactionResultRecord, SynthArtifactRecord>;

function prepare(valid: ValidTransactionResult, receivedAt: Date): Prepared {
  const records = toAvroResult(valid, { receivedAt });
  return {
    record: records.result,
    transactionId: valid.transaction_id,
    artifacts: records.artifacts.map((artifact) => ({ objectKey: artifact.object_key, record: artifact })),
  };
}

/** The problems of a refused result as the answer names them: the first ones, and how many in all. */
function problemsOf(validation: Validation<unknown> & { ok: false }) {
  return { errors: validation.errors, error_count: validation.errorCount ?? validation.errors.length };
}

/** A robot key may upload only for its own robot (CONTRACT.md: 403). */
function robotMismatch(
  valid: ValidTransactionResult,
  robotId: string | undefined,
): ValidationError | undefined {
  if (robotId === undefined || valid.robot_id === robotId.toLowerCase()) return undefined;
  return { path: 'robot_id', message: `this API key may only upload results for robot ${robotId}` };
}

export function resultsApi(options: ResultsApiOptions): Router {
  const { logger } = options;
  const outcomes = new Counter({
    name: 'primoart_gateway_results_total',
    help: 'Uploaded results by outcome',
    labelNames: ['outcome'],
    registers: [options.metrics],
  });
  const router = express.Router();
  const { judge } = options;

  const unavailable = (response: Response, error: unknown) => {
    logger.warn({ err: (error as Error).message }, 'kafka did not acknowledge; answering 503');
    outcomes.inc({ outcome: 'unavailable' });
    response.status(503).set('Retry-After', String(options.retryAfterSeconds)).json({
      error: 'unavailable',
      message: 'the message bus did not acknowledge the upload; nothing was accepted, retry later',
    });
  };

  /** Publish; false when Kafka did not acknowledge and the 503 (or 413) was sent. */
  const publish = async (prepared: Prepared[], request: Request, response: Response): Promise<boolean> => {
    try {
      await options.publisher.publish(prepared, provenanceOf(request));
      return true;
    } catch (error) {
      if (error instanceof RecordTooLargeError) {
        // The size check before publishing should make this impossible; if Kafka still refuses,
        // telling the robot to retry would loop forever.
        logger.error({ err: error.message }, 'kafka refused a record as too large; answering 413');
        outcomes.inc({ outcome: 'too_large' });
        response.status(413).json({
          error: 'result_too_large',
          message: `the message bus refused the upload as too large: ${error.message}`,
        });
        return false;
      }
      if (!(error instanceof KafkaUnavailableError)) throw error;
      unavailable(response, error);
      return false;
    }
  };

  router.post(
    '/api/v1/transactions/results/upload',
    requireScope(options.keys, 'results:write'),
    ...jsonBytesBody(options.bodyLimitBytes),
    async (request: Request, response: Response) => {
      const receivedAt = new Date();
      const robotId = request.apiKey?.robotId;
      let body: Awaited<ReturnType<typeof judge.judge>>;
      try {
        body = await judge.judge(request.body as Buffer, {
          now: receivedAt,
          defaultEnvironment: options.defaultEnvironment,
        });
      } catch (error) {
        if (error instanceof UploadTooLargeError) {
          outcomes.inc({ outcome: 'too_large' });
          response
            .status(413)
            .json({ error: 'too_large', message: `${error.message}; send smaller batches` });
          return;
        }
        if (!(error instanceof JudgesBusyError)) throw error;
        outcomes.inc({ outcome: 'busy' });
        response.status(503).set('Retry-After', String(options.retryAfterSeconds)).json({
          error: 'busy',
          message:
            'the gateway is judging as many large uploads as it can; nothing was accepted, retry later',
        });
        return;
      }
      if (body.kind === 'malformed') {
        outcomes.inc({ outcome: 'rejected' });
        response.status(400).json({
          error: 'malformed_json',
          details: [{ path: '', message: `the body is not valid JSON: ${body.message}` }],
        });
        return;
      }
      const { upload } = body;
      // The key's rate limit counts results: one, or the items of a batch (a refused body costs one).
      const results = upload.kind === 'batch' ? upload.items.length : 1;
      if (!chargeRecords(request, response, results)) return;

      if (upload.kind === 'invalid_batch') {
        outcomes.inc({ outcome: 'rejected' });
        response.status(400).json({ error: 'invalid_batch', details: upload.errors });
        return;
      }

      if (upload.kind === 'single') {
        const { validation } = upload;
        if (!validation.ok) {
          outcomes.inc({ outcome: 'rejected' });
          const { errors, error_count } = problemsOf(validation);
          response.status(400).json({ error: 'invalid_result', details: errors, error_count });
          return;
        }
        const mismatch = robotMismatch(validation.value, robotId);
        if (mismatch !== undefined) {
          outcomes.inc({ outcome: 'forbidden' });
          response.status(403).json({ error: mismatch.message });
          return;
        }
        const prepared = prepare(validation.value, receivedAt);
        const oversized = oversizedResult(prepared.record);
        if (oversized !== undefined) {
          outcomes.inc({ outcome: 'too_large' });
          response.status(413).json({ error: 'result_too_large', details: [oversized], error_count: 1 });
          return;
        }
        if (!(await publish([prepared], request, response))) return;
        outcomes.inc({ outcome: 'accepted' });
        response.status(202).json({ result_id: validation.value.result_id, status: 'accepted' });
        return;
      }

      const judged: Array<{
        claimedResultId: string | null;
        checked: Validation<ValidTransactionResult>;
        prepared?: Prepared;
      }> = [];
      for (const { claimedResultId, validation } of upload.items) {
        const mismatch = validation.ok ? robotMismatch(validation.value, robotId) : undefined;
        if (!validation.ok || mismatch !== undefined) {
          judged.push({
            claimedResultId,
            checked: mismatch ? { ok: false, errors: [mismatch] } : validation,
          });
          continue;
        }
        // Encoding to measure a result takes about as long as judging it: one item per turn here too.
        await nextTurn();
        const prepared = prepare(validation.value, receivedAt);
        const oversized = oversizedResult(prepared.record);
        judged.push(
          oversized === undefined
            ? { claimedResultId, checked: validation, prepared }
            : { claimedResultId, checked: { ok: false, errors: [oversized] } },
        );
      }
      const accepted = judged.flatMap((item) => (item.prepared === undefined ? [] : [item.prepared]));
      if (!(await publish(accepted, request, response))) return;
      outcomes.inc({ outcome: 'accepted' }, accepted.length);
      outcomes.inc({ outcome: 'rejected' }, judged.length - accepted.length);
      response.status(200).json({
        results: judged.map(({ claimedResultId, checked }) =>
          checked.ok
            ? { result_id: checked.value.result_id, status: 'accepted' }
            : { result_id: claimedResultId, status: 'rejected', ...problemsOf(checked) },
        ),
      });
    },
  );

  router.use(jsonBodyErrors(options.bodyLimitBytes));
  return router;
}
