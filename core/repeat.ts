// A task run now and then every interval until stopped, never two at once: the next run is
// scheduled when the previous one settled, so a slow task (Alerta timing out) does not pile up.

export interface Repeating {
  /** Stops the timer and waits for a run in flight. */
  stop(): Promise<void>;
}

/** `task` must not throw (log inside it); a rejection is swallowed so the loop goes on. */
export function repeatEvery(intervalMs: number, task: () => Promise<void>): Repeating {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  function loop(): void {
    inFlight = task()
      .catch(() => {})
      .finally(() => {
        if (stopped) return;
        timer = setTimeout(loop, intervalMs);
        timer.unref();
      });
  }

  loop();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
  };
}
