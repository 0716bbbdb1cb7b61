// The worker-thread side of the OTLP decode pool (decode-pool.ts): runs request-processing for
// one request at a time and hands the packed records back without copying them.
import { Piscina } from 'piscina';
import { createProcessor, type ProcessJob, type ProcessResult } from './request-processing.ts';

const processor = createProcessor(Piscina.workerData as Parameters<typeof createProcessor>[0]);

export default function processOtlpRequest(job: ProcessJob): ProcessResult | object {
  const result = processor.process(job);
  if (result.kind !== 'records') return result;
  // Piscina's transferable wrapper: the result is posted with its buffer moved, not copied.
  return Piscina.move({
    [Piscina.transferableSymbol]: result.packed.buffer,
    [Piscina.valueSymbol]: result,
  } as unknown as Parameters<typeof Piscina.move>[0]);
}
