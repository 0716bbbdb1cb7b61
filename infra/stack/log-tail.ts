// The end of a service's log, shown when it fails to start.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { lastLines } from './exec.ts';

const maxTailBytes = 64 * 1024;

export function logSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The last `lines` lines written to `file` after byte `fromOffset` (the current launch). */
export function logTail(file: string, fromOffset: number, lines: number): string {
  const size = logSize(file);
  const start = Math.max(fromOffset, size - maxTailBytes);
  if (size <= start) return '';
  const buffer = Buffer.alloc(size - start);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, start);
  } finally {
    closeSync(fd);
  }
  return lastLines(buffer.toString('utf8'), lines);
}
