import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveStackPaths } from '../../../infra/stack/stack-paths.ts';

const home = '/home/dev';

test('root keeps state where the postgres system user can reach it, others under their home', () => {
  assert.equal(
    resolveStackPaths({ env: {}, isRoot: true, home: '/root' }, '/repo').stateDir,
    '/var/lib/primoart',
  );
  assert.equal(
    resolveStackPaths({ env: {}, isRoot: false, home }, '/repo').stateDir,
    '/home/dev/.local/state/primoart',
  );
  assert.equal(
    resolveStackPaths({ env: {}, isRoot: false, home }, '/repo').cacheDir,
    '/home/dev/.cache/primoart',
  );
});

test('--state-dir beats PRIMOART_STATE_DIR, which beats the default', () => {
  const env = { PRIMOART_STATE_DIR: '/from-env', PRIMOART_CACHE_DIR: '/cache' };
  assert.equal(resolveStackPaths({ env, isRoot: true, home }, '/repo').stateDir, '/from-env');
  assert.equal(
    resolveStackPaths({ env, isRoot: true, home, stateDirFlag: '/flag' }, '/repo').stateDir,
    '/flag',
  );
  assert.equal(resolveStackPaths({ env, isRoot: true, home }, '/repo').cacheDir, '/cache');
});

test('a relative --state-dir is made absolute (the postgres user runs from another cwd)', () => {
  const paths = resolveStackPaths({ env: {}, isRoot: false, home, stateDirFlag: 'local-state' }, '/repo');
  assert.equal(paths.stateDir, `${process.cwd()}/local-state`);
});
