// Ctrl-C (SIGINT) or SIGTERM ends a long CLI wait cleanly instead of killing the process: the
// command sees its signal aborted, finishes what must not be left half-done (instances stopped for a
// replay are started again, a watch restores the cursor) and exits with its own code.
//
// `on`, not `once`: a second Ctrl-C during that clean-up must not fall through to Node's default
// and kill the process half-way. `release` hands the signals back to Node.

/** Aborts `controller` on SIGINT or SIGTERM until `release()` is called. */
export function abortOnInterrupt(controller = new AbortController()): {
  signal: AbortSignal;
  release(): void;
} {
  const abort = () => controller.abort(new Error('interrupted'));
  process.on('SIGINT', abort);
  process.on('SIGTERM', abort);
  return {
    signal: controller.signal,
    release() {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}
