// Giving the memory of a storm back once it is over (issue 9's goal: at most 250 MB resident after
// any storm). The threads that judged and decoded large bodies end when idle and take their heaps
// with them, but the main thread's V8 heap, grown by every large body read, shrinks only when V8's
// memory reducer runs: 8 s after the heap stopped growing, two collections at most, each only if
// the process looks idle, later still on a busy machine (measured: the last step came 38 s after a
// storm on a quiet machine, after more than 60 s on a loaded one). So the gateway asks for the
// collection itself, once, when large requests have stopped for a few seconds: a full collection
// that also shrinks the young generation and releases free pages, as under memory pressure.
//
// The collector exists only when Node runs with --expose-gc (ingest-gateway/launch-settings.ts);
// without it nothing happens and V8's own reducer does the work in its time.

/** Bodies this large are what grow the heap: socket reads and buffers of 64 KiB and more. */
export const largeBodyBytes = 64 * 1024;

export interface MemorySettler {
  /** A large request was seen: collect once the large requests have stopped for a while. */
  noteLargeRequest(): void;
  /** How many collections ran (a figure for /metrics and tests). */
  readonly collections: number;
  close(): void;
}

export function createMemorySettler(options: {
  /** How long after the last large request the collection runs. */
  quietMs: number;
  collect?: (() => void) | undefined;
}): MemorySettler {
  const collect = options.collect ?? defaultCollector();
  let timer: NodeJS.Timeout | undefined;
  let collections = 0;
  return {
    noteLargeRequest() {
      if (collect === undefined) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        collections++;
        collect();
      }, options.quietMs);
      // A pending collection never keeps the process alive on its way out.
      timer.unref();
    },
    get collections() {
      return collections;
    },
    close() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

function defaultCollector(): (() => void) | undefined {
  const gc = globalThis.gc;
  if (gc === undefined) return undefined;
  // "last-resort" is V8's collection under memory pressure: several rounds with the memory-reducing
  // flag, so the young generation shrinks and free pages go back to the system. It stops the
  // event loop for tens of milliseconds, once per storm.
  return () => gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
