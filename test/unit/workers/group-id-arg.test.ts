// `primoart worker <name> --group-id G`: a one-off run on another consumer group (what `primoart
// replay --to-group` starts), on a free port of its section's host so it never takes a live
// instance's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ephemeralListen, takeGroupIdArg } from '../../../workers/instances.ts';

test('--group-id is taken out of the arguments; the rest is left for the frame', () => {
  assert.deepEqual(takeGroupIdArg(['--config.file', 'f.yml']), {
    groupId: undefined,
    rest: ['--config.file', 'f.yml'],
  });
  assert.deepEqual(takeGroupIdArg(['--group-id', 'primoart.synth-store.rebuild', '--config.file', 'f']), {
    groupId: 'primoart.synth-store.rebuild',
    rest: ['--config.file', 'f'],
  });
  assert.deepEqual(takeGroupIdArg(['--instance', '2', '--group-id=g']), {
    groupId: 'g',
    rest: ['--instance', '2'],
  });
  assert.throws(
    () => takeGroupIdArg(['--group-id']),
    /--group-id: expected a consumer group id, got nothing/,
  );
  assert.throws(() => takeGroupIdArg(['--group-id', '--config.file', 'f']), /got --config.file/);
  assert.throws(() => takeGroupIdArg(['--group-id=']), /got nothing/);
});

test('a run on another group listens on port 0 of its section host', () => {
  assert.equal(ephemeralListen('127.0.0.1:18101'), '127.0.0.1:0');
  assert.equal(ephemeralListen('0.0.0.0:18101'), '0.0.0.0:0');
  assert.equal(ephemeralListen('[::1]:18101'), '[::1]:0');
});
