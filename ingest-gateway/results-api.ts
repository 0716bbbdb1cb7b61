// POST /api/v1/transactions/results/upload — the public contract robots are written against
// (CONTRACT.md "Robot results"): single and batch forms, every problem named by path, 2xx only
// after Kafka acknowledged, 503 with Retry-After when it cannot.

import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { toAvroResult, validateUpload } from '../schemas/index.ts';
import type {
  SynthArtifactRecord,
  TransactionResultRecord,
  ValidTransactionResult,
} from '../schemas/record-types.ts';
import type { Validation, ValidationError } from '../schemas/validation-problems.ts';
import { type KeyStore, requireScope } from './api-keys.ts';
import { jsonBody, jsonBodyErrors } from './body-errors.ts';
import { KafkaUnavailableError, type PreparedResult, type ResultPublisher } from './publisher.ts';

export interface ResultsApiOptions {
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

  const unavailable = (response: Response, error: unknown) => {
    logger.warn({ err: (error as Error).message }, 'kafka did not acknowledge; answering 503');
    outcomes.inc({ outcome: 'unavailable' });
    response.status(503).set('Retry-After', String(options.retryAfterSeconds)).json({
      error: 'unavailable',
      message: 'the message bus did not acknowledge the upload; nothing was accepted, retry later',
    });
  };

  /** Publish; false when Kafka did not acknowledge and the 503 was sent. */
  const publish = async (prepared: Prepared[], response: Response): Promise<boolean> => {
    try {
      await options.publisher.publish(prepared);
      return true;
    } catch (error) {
      if (!(error instanceof KafkaUnavailableError)) throw error;
      unavailable(response, error);
      return false;
    }
  };

  router.post(
    '/api/v1/transactions/results/upload',
    requireScope(options.keys, 'results:write'),
    ...jsonBody(options.bodyLimitBytes),
    async (request: Request, response: Response) => {
      const receivedAt = new Date();
      const robotId = request.apiKey?.robotId;
      const upload = validateUpload(request.body, {
        now: receivedAt,
        defaultEnvironment: options.defaultEnvironment,
      });

      if (upload.kind === 'invalid_batch') {
        outcomes.inc({ outcome: 'rejected' });
        response.status(400).json({ error: 'invalid_batch', details: upload.errors });
        return;
      }

      if (upload.kind === 'single') {
        const { validation } = upload;
        if (!validation.ok) {
          outcomes.inc({ outcome: 'rejected' });
          response.status(400).json({ error: 'invalid_result', details: validation.errors });
          return;
        }
        const mismatch = robotMismatch(validation.value, robotId);
        if (mismatch !== undefined) {
          outcomes.inc({ outcome: 'forbidden' });
          response.status(403).json({ error: mismatch.message });
          return;
        }
        if (!(await publish([prepare(validation.value, receivedAt)], response))) return;
        outcomes.inc({ outcome: 'accepted' });
        response.status(202).json({ result_id: validation.value.result_id, status: 'accepted' });
        return;
      }

      const judged = upload.items.map(({ claimedResultId, validation }) => {
        const checked: Validation<ValidTransactionResult> = validation.ok
          ? (() => {
              const mismatch = robotMismatch(validation.value, robotId);
              return mismatch ? { ok: false as const, errors: [mismatch] } : validation;
            })()
          : validation;
        return { claimedResultId, checked };
      });
      const accepted = judged.flatMap(({ checked }) =>
        checked.ok ? [prepare(checked.value, receivedAt)] : [],
      );
      if (!(await publish(accepted, response))) return;
      outcomes.inc({ outcome: 'accepted' }, accepted.length);
      outcomes.inc({ outcome: 'rejected' }, judged.length - accepted.length);
      response.status(200).json({
        results: judged.map(({ claimedResultId, checked }) =>
          checked.ok
            ? { result_id: checked.value.result_id, status: 'accepted' }
            : { result_id: claimedResultId, status: 'rejected', errors: checked.errors },
        ),
      });
    },
  );

  router.use(jsonBodyErrors(options.bodyLimitBytes));
  return router;
}
