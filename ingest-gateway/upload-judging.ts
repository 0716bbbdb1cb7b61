// Reading and judging an upload body without holding the event loop. JSON.parse of a body of a few
// hundred thousand tiny values (100,000 empty steps are 0.3 MB) takes tens to hundreds of
// milliseconds in one piece, and judging a batch of large results as long again: so bodies over
// `inlineMaxBytes` are parsed and judged on a worker thread (piscina), smaller ones here, one batch
// item per event-loop turn. Either way the answer is the same.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Piscina } from 'piscina';
import type { TransactionResultValidationOptions } from '../schemas/transaction-result.ts';
import { judgeUpload, type UploadValidation, validateUpload } from '../schemas/upload.ts';

/** Bodies up to this size are judged on the event loop: parsing them takes a few milliseconds. */
export const inlineMaxBytes = 64 * 1024;

export type JudgedBody =
  | { kind: 'judged'; upload: UploadValidation }
  | { kind: 'malformed'; message: string };

export interface JudgeJob {
  body: Uint8Array;
  now: number;
  defaultEnvironment: string;
}

export class JudgesBusyError extends Error {
  override readonly name = 'JudgesBusyError';
}

/** A body whose judging needed more memory than a judging thread has: too large, never a 5xx. */
export class UploadTooLargeError extends Error {
  override readonly name = 'UploadTooLargeError';
}

// As body-parser's JSON reader: a UTF-8 byte-order mark is skipped, an empty body is an empty object.
const utf8 = new TextDecoder('utf-8');

function parsed(body: Uint8Array): { input: unknown } | { malformed: string } {
  const text = utf8.decode(body);
  try {
    return { input: text.length === 0 ? {} : JSON.parse(text) };
  } catch (error) {
    return { malformed: (error as Error).message };
  }
}

/** Parses and judges a body in one go: the worker thread's side. */
export function parseAndJudge(job: JudgeJob): JudgedBody {
  const body = parsed(job.body);
  if ('malformed' in body) return { kind: 'malformed', message: body.malformed };
  const options = { now: new Date(job.now), defaultEnvironment: job.defaultEnvironment };
  return { kind: 'judged', upload: validateUpload(body.input, options) };
}

/** Judges on the event loop, letting other requests run after each batch item. */
async function judgedInTurns(
  input: unknown,
  options: TransactionResultValidationOptions,
): Promise<UploadValidation> {
  const judging = judgeUpload(input, options);
  for (;;) {
    const step = judging.next();
    if (step.done) return step.value;
    await nextTurn();
  }
}

/** Screenshot bytes come back from a worker as Uint8Array: Buffer again, as avsc's `bytes` wants. */
function withBuffers(upload: UploadValidation): UploadValidation {
  const validations =
    upload.kind === 'single'
      ? [upload.validation]
      : upload.kind === 'batch'
        ? upload.items.map((i) => i.validation)
        : [];
  for (const validation of validations) {
    if (!validation.ok) continue;
    for (const screenshot of validation.value.screenshots) {
      const bytes: Uint8Array = screenshot.bytes;
      if (!Buffer.isBuffer(bytes))
        screenshot.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
  }
  return upload;
}

export interface UploadJudge {
  /** Rejects with JudgesBusyError when every thread is busy and the queue is full. */
  judge(body: Buffer, options: TransactionResultValidationOptions): Promise<JudgedBody>;
  close(): Promise<void>;
}

export function createUploadJudge(options: { threads: number; maxQueue: number }): UploadJudge {
  let pool: Piscina<JudgeJob, JudgedBody> | undefined;
  // Made on the first large body; its threads end when idle, and the memory a storm of large
  // bodies took goes with them.
  const poolOf = () => {
    pool ??= new Piscina<JudgeJob, JudgedBody>({
      filename: new URL('./upload-judging-worker.ts', import.meta.url).href,
      minThreads: 0,
      maxThreads: options.threads,
      maxQueue: options.maxQueue,
      idleTimeout: 10_000,
      // A body that would need more is refused by the worker's death, not the process's.
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    return pool;
  };
  return {
    async judge(body, { now, defaultEnvironment }) {
      if (body.length <= inlineMaxBytes) {
        const small = parsed(body);
        if ('malformed' in small) return { kind: 'malformed', message: small.malformed };
        return { kind: 'judged', upload: await judgedInTurns(small.input, { now, defaultEnvironment }) };
      }
      // Moved, not copied, when the body owns its memory (large ones do).
      const owns = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
      const job: JudgeJob = { body, now: now.getTime(), defaultEnvironment };
      let judged: JudgedBody;
      try {
        judged = await poolOf().run(job, owns ? { transferList: [body.buffer as ArrayBuffer] } : {});
      } catch (error) {
        if (/queue is at limit|all Workers are busy/i.test((error as Error).message)) {
          throw new JudgesBusyError('every upload-judging thread is busy and the queue is full');
        }
        if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
          throw new UploadTooLargeError('judging the body needed more memory than a judging thread has');
        }
        throw error;
      }
      return judged.kind === 'judged' ? { kind: 'judged', upload: withBuffers(judged.upload) } : judged;
    },
    close: async () => {
      await pool?.destroy();
    },
  };
}
