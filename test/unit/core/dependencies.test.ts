import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { connectWithRetry, createLogger, DependencyUnavailableError } from '../../../core/index.ts';

const quiet = createLogger({
  component: 'test',
  level: 'error',
  destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
});

test('a dependency that comes up after a few failures is connected', async () => {
  let attempts = 0;
  const result = await connectWithRetry(
    'postgres at 127.0.0.1:15432',
    async () => {
      attempts++;
      if (attempts < 3) throw new Error('connect ECONNREFUSED');
      return 'pool';
    },
    { timeoutMs: 5000, logger: quiet, initialDelayMs: 1 },
  );
  assert.equal(result, 'pool');
  assert.equal(attempts, 3);
});

test('a dependency that stays down fails with an error naming it and the last cause', async () => {
  await assert.rejects(
    connectWithRetry(
      'kafka at 127.0.0.1:19092',
      async () => {
        throw new AggregateError([new Error('connect ECONNREFUSED 127.0.0.1:19092')]);
      },
      { timeoutMs: 300, logger: quiet, initialDelayMs: 10 },
    ),
    (error: unknown) => {
      assert.ok(error instanceof DependencyUnavailableError);
      assert.equal(error.dependency, 'kafka at 127.0.0.1:19092');
      assert.equal(
        error.message,
        'kafka at 127.0.0.1:19092 unreachable after 0.3 s: connect ECONNREFUSED 127.0.0.1:19092',
      );
      return true;
    },
  );
});

test('an attempt that never answers is cut off and its signal aborted', async () => {
  let attemptSignal: AbortSignal | undefined;
  await assert.rejects(
    connectWithRetry(
      'schema registry at 127.0.0.1:18081',
      (signal) => {
        attemptSignal = signal;
        return new Promise(() => {});
      },
      { timeoutMs: 200, logger: quiet },
    ),
    /schema registry at 127.0.0.1:18081 unreachable after 0.2 s: no answer within 0.2 s/,
  );
  assert.equal(attemptSignal?.aborted, true);
});
