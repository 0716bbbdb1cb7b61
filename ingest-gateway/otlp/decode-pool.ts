// OTLP requests are decoded, mapped and encoded in worker threads (piscina), so that no request —
// however many records or however deep its values — holds the gateway's event loop: health
// checks, metrics scrapes and other uploads go on while a large request is worked on. The queue
// is bounded; a request that finds it full is answered 503 with Retry-After.
import { Piscina } from 'piscina';
import type { createProcessor, ProcessJob, ProcessResult } from './request-processing.ts';

export interface OtlpDecoder {
  /** Rejects with DecoderBusyError when every thread is busy and the queue is full. */
  process(job: ProcessJob): Promise<ProcessResult>;
  close(): Promise<void>;
}

export class DecoderBusyError extends Error {
  override readonly name = 'DecoderBusyError';
}

export interface DecodePoolOptions {
  threads: number;
  /** Requests that may wait for a thread; more are refused (503). */
  maxQueue: number;
  processor: Parameters<typeof createProcessor>[0];
}

/** The heap of one decoder thread: 2,000,000 values (the default limit) decode within it. */
const decoderHeapMb = 512;

/** Bodies this small are copied to the worker; larger ones that own their memory are moved. */
const transferAtBytes = 64 * 1024;

export async function createDecodePool(options: DecodePoolOptions): Promise<OtlpDecoder> {
  const pool = new Piscina<ProcessJob, ProcessResult>({
    filename: new URL('./otlp-worker.ts', import.meta.url).href,
    // Every thread ends when idle, and with it the memory a large request took: a thread kept for
    // good holds its grown heap (~50 MiB after a storm, scripts/bench/gateway-memory.ts), and the
    // next request after a quiet half minute pays a thread start instead.
    minThreads: 0,
    maxThreads: options.threads,
    maxQueue: options.maxQueue,
    idleTimeout: 30_000,
    // A request that would need more than this is refused by the worker's death, not the process's.
    resourceLimits: { maxOldGenerationSizeMb: decoderHeapMb },
    workerData: options.processor,
  });
  const decoder: OtlpDecoder = {
    async process(job) {
      const { body } = job;
      const ownsMemory = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
      const transferList =
        ownsMemory && body.byteLength >= transferAtBytes ? [body.buffer as ArrayBuffer] : undefined;
      try {
        return await pool.run(job, transferList === undefined ? {} : { transferList });
      } catch (error) {
        if (/queue is at limit|all Workers are busy/i.test((error as Error).message)) {
          throw new DecoderBusyError('every OTLP decoder thread is busy and the queue is full');
        }
        // The request limits should make this impossible; if one still needs more, it is the
        // request that is too large (piscina starts a new thread), not the gateway that failed.
        if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
          return {
            kind: 'over-limit',
            message: `decoding the request needed more than the decoder's ${decoderHeapMb} MiB; send smaller batches`,
          };
        }
        throw error;
      }
    },
    close: () => pool.destroy(),
  };
  // A worker that cannot load fails the gateway's start, not its first request.
  await decoder.process({ signal: 'traces', encoding: 'protobuf', body: new Uint8Array(0), receivedAt: 0 });
  return decoder;
}
