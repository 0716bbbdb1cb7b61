// One `up` or `down` at a time per state directory: concurrent test runs calling `up --only`
// must not launch the same service twice.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processStartTime } from './pid-file.ts';

export interface LockOptions {
  waitMs: number;
  onWait(holderPid: number): void;
}

export async function acquireStackLock(file: string, options: LockOptions): Promise<() => void> {
  mkdirSync(dirname(file), { recursive: true });
  const deadline = Date.now() + options.waitMs;
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const text = readText(file).trim();
    const holder = Number(text);
    if (text === '') {
      // The holder has created the file but not yet written its pid.
      await sleep(50);
      continue;
    }
    if (!Number.isInteger(holder) || holder <= 0 || processStartTime(holder) === undefined) {
      // Left behind by a CLI that was killed.
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`another primoart up/down (pid ${holder}) holds ${file}; gave up waiting`);
    }
    if (!announced) options.onWait(holder);
    announced = true;
    await sleep(500);
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
