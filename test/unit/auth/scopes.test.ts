import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasScope, knownScopes, parseScopes } from '../../../auth/scopes.ts';

test('read is a scope of its own; admin implies every scope, no other scope implies read', () => {
  assert.deepEqual(parseScopes('read'), ['read']);
  assert.ok(hasScope(['read'], 'read'));
  assert.ok(hasScope(['admin'], 'read'));
  assert.ok(hasScope(['admin'], 'results:write'));
  for (const other of ['results:write', 'otlp:write', 'definitions:read'] as const)
    assert.ok(!hasScope([other], 'read'), `${other} does not read`);
  assert.ok(!hasScope(['read'], 'admin'));
  assert.ok(!hasScope(['read'], 'definitions:read'));
});

test('scopes a newer writer added are ignored, read is kept', () => {
  assert.deepEqual(knownScopes(['read', 'reports:write', 'admin']), ['read', 'admin']);
});
