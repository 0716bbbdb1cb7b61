// A service's pid file: the pid on the first line (what other tools expect) and the process
// start time on the second, so a pid reused by an unrelated process is not mistaken for it.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ProcessRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot when the process started. */
  startTime: string;
}

/** The start time of a live (not zombie) process, or undefined when there is none. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X') return undefined;
  return fields[19];
}

export function writePidFile(file: string, pid: number): ProcessRecord {
  const record = { pid, startTime: processStartTime(pid) ?? '' };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${record.pid}\n${record.startTime}\n`, { mode: 0o600 });
  return record;
}

export function readPidFile(file: string): ProcessRecord | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const [pid, startTime] = text.split('\n');
  const parsed = Number(pid);
  if (!Number.isInteger(parsed) || parsed <= 0) return undefined;
  return { pid: parsed, startTime: startTime?.trim() ?? '' };
}

export function removePidFile(file: string): void {
  rmSync(file, { force: true });
}

/** The recorded process is still the one running under that pid. */
export function isAlive(record: ProcessRecord): boolean {
  const startTime = processStartTime(record.pid);
  return startTime !== undefined && (record.startTime === '' || startTime === record.startTime);
}

/** The pid from the file when that process is still running. */
export function runningPid(file: string): number | undefined {
  const record = readPidFile(file);
  return record !== undefined && isAlive(record) ? record.pid : undefined;
}
