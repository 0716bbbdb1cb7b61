import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runningPid, writePidFile } from '../../../infra/stack/pid-file.ts';

test('a pid file names a running process only while that same process lives', () => {
  const dir = mkdtempSync(join(tmpdir(), 'primoart-pid-'));
  try {
    const file = join(dir, 'svc.pid');
    assert.equal(runningPid(file), undefined);
    writePidFile(file, process.pid);
    assert.equal(runningPid(file), process.pid);
    // Same pid, different start time: the pid was reused by another process.
    writeFileSync(file, `${process.pid}\n1\n`);
    assert.equal(runningPid(file), undefined);
    writeFileSync(file, 'garbage\n');
    assert.equal(runningPid(file), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
