// The pipeline-health rules against series given in infra/vmalert/pipeline-health.test.yml, with
// `vmalert-tool unittest` (vmalert's own evaluation, an in-process store, no stack): each rule fires
// when it should, with the labels and text Alerta receives, and stays quiet when it should. It lives
// with the integration tests because `primoart up` builds vmalert-tool (next to vmalert); it needs
// no running service. The delivery path (vmalert → Alertmanager → Alerta) is pipeline-health.test.ts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { goBinaryPath } from '../../infra/go/install-go-binary.ts';
import { vmalertToolBinary } from '../../infra/stack/services/vmalert.ts';
import { currentPathInputs, resolveStackPaths } from '../../infra/stack/stack-paths.ts';
import { repoDir } from './stack.ts';

test('every pipeline-health rule fires, and stays quiet, as infra/vmalert/pipeline-health.test.yml says', async () => {
  const { cacheDir } = resolveStackPaths(currentPathInputs(undefined));
  const binary = goBinaryPath(cacheDir, vmalertToolBinary);
  assert.ok(existsSync(binary), `${binary} is missing: primoart up builds it`);
  // vmalert-tool keeps its store in a temporary directory; one of the test's own.
  const scratch = mkdtempSync(join(tmpdir(), 'primoart-vmalert-tool-'));
  try {
    // The environment label as the stack's vmalert adds it (vmalertFlags): Alerta files alerts by it.
    const { stdout } = await promisify(execFile)(
      binary,
      ['unittest', '--files=pipeline-health.test.yml', '--external.label=environment=test'],
      { cwd: join(repoDir, 'infra', 'vmalert'), env: { ...process.env, TMPDIR: scratch } },
    ).catch((error: { stdout?: string; stderr?: string }) => {
      // A failed case exits 1 and prints what was expected and what fired.
      assert.fail(`vmalert-tool unittest failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    });
    assert.match(stdout, /SUCCESS/);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
