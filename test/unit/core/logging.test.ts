import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, describeEndpoint } from '../../../core/index.ts';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
  };
}

test('log lines are JSON with the component, level name and message', () => {
  const out = capture();
  const logger = createLogger({ component: 'synth-store', level: 'info', destination: out.stream });
  logger.debug('not shown');
  logger.warn({ attempt: 2 }, 'kafka not reachable yet');
  const [line, ...rest] = out.lines();
  assert.equal(rest.length, 0, 'debug is below the configured level');
  assert.equal(line?.component, 'synth-store');
  assert.equal(line?.level, 'warn');
  assert.equal(line?.msg, 'kafka not reachable yet');
  assert.equal(line?.attempt, 2);
});

test('credentials are redacted wherever a logged object carries them', () => {
  const out = capture();
  const logger = createLogger({ component: 'ingest-gateway', destination: out.stream });
  logger.info({
    req: { headers: { authorization: 'Bearer pa_secret1', 'x-api-key': 'pa_secret2' } },
    minio: { secret_key: 'secret3' },
    password: 'secret4',
  });
  const text = JSON.stringify(out.lines());
  for (const secret of ['pa_secret1', 'pa_secret2', 'secret3', 'secret4']) {
    assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  }
  assert.equal(out.lines()[0]?.password, '[redacted]');
});

test('an endpoint is described without the credentials in its URL', () => {
  assert.equal(describeEndpoint('postgres://primoart:hunter2@127.0.0.1:15432/primoart'), '127.0.0.1:15432');
  assert.equal(describeEndpoint('http://127.0.0.1:18081/apis/ccompat/v7'), '127.0.0.1:18081');
});
