// Progress of a long-running CLI command (a replay catching up, dead letters going back): on a
// terminal, one status line rewritten in place, at most a few times a second; when the output is a
// file or a pipe (CI, a script), nothing until the end, then a single summary line, so logs stay
// readable. The summary goes to stdout (it is the command's result); the live line to stderr.

export interface Progress {
  /** The current state, e.g. "12,400 records left · 2,100/s · ETA 6 s"; shown only on a terminal. */
  update(line: string): void;
  /** Clears the live line and prints the result, terminal or not. */
  done(summary: string): void;
}

export interface ProgressOptions {
  /** Where the live line goes (default stderr); shown only when it is a terminal. */
  live?: Pick<NodeJS.WriteStream, 'write'> & { isTTY?: boolean; columns?: number };
  /** Where the summary goes (default stdout). */
  out?: Pick<NodeJS.WriteStream, 'write'>;
  /** The least time between two redraws (default 250 ms). */
  minIntervalMs?: number;
  now?: () => number;
}

export function createProgress(options: ProgressOptions = {}): Progress {
  const live = options.live ?? process.stderr;
  const out = options.out ?? process.stdout;
  const now = options.now ?? Date.now;
  const minIntervalMs = options.minIntervalMs ?? 250;
  const tty = live.isTTY === true;
  let shown = false;
  let lastDraw = Number.NEGATIVE_INFINITY;
  return {
    update(line) {
      if (!tty || now() - lastDraw < minIntervalMs) return;
      lastDraw = now();
      // A pty that does not know its size (`script`, some CI runners) says 0 columns.
      const width = Math.max(20, (live.columns || 100) - 1);
      // \r and "erase to end of line": the new line replaces the old one whatever their lengths.
      live.write(`\r${line.slice(0, width)}\x1b[K`);
      shown = true;
    },
    done(summary) {
      if (shown) live.write('\r\x1b[K');
      shown = false;
      out.write(`${summary}\n`);
    },
  };
}

/** "3 s", "2 min 5 s", "1 h 4 min": a duration for a status line. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * Records per second over a sliding window of samples (the last `windowMs`), so the rate follows
 * the work as it is now rather than its average since the start.
 */
export function rateMeter(windowMs = 5_000, now: () => number = Date.now) {
  const samples: Array<{ at: number; done: number }> = [];
  return {
    /** Record the count of work done so far; returns the rate per second (0 until two samples). */
    sample(done: number): number {
      const at = now();
      samples.push({ at, done });
      while (samples.length > 2 && at - (samples[0]?.at ?? at) > windowMs) samples.shift();
      const first = samples[0];
      if (first === undefined || at === first.at) return 0;
      return ((done - first.done) * 1000) / (at - first.at);
    },
  };
}

/** "ETA 12 s", or "ETA —" while the rate is not known (or work goes backwards). */
export function formatEta(left: number, perSecond: number): string {
  if (left <= 0) return 'ETA 0 s';
  return perSecond > 0 ? `ETA ${formatDuration((left / perSecond) * 1000)}` : 'ETA —';
}
