// The console's PostgreSQL probe keeps one connection of its own (not the pool's: a busy pool is
// not a PostgreSQL that is down), drops it when a probe fails or times out and connects anew; the
// sessions' settings bound every statement.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import { openPostgresProbe, sessionOptions } from '../../../console/stores.ts';

class FakeClient {
  ended = false;
  answer: () => Promise<unknown>;
  constructor(answer: () => Promise<unknown>) {
    this.answer = answer;
  }
  on() {
    return this;
  }
  async connect() {}
  query() {
    return this.answer();
  }
  async end() {
    this.ended = true;
  }
}

test('the probe reuses its connection, and after a failure or a timeout opens a new one', async () => {
  const clients: FakeClient[] = [];
  let next: () => Promise<unknown> = async () => ({ rows: [] });
  const probe = openPostgresProbe(() => {
    const client = new FakeClient(() => next());
    clients.push(client);
    return client as unknown as pg.Client;
  });
  await probe(new AbortController().signal);
  await probe(new AbortController().signal);
  assert.equal(clients.length, 1, 'one connection for every probe that succeeds');

  next = () => Promise.reject(new Error('terminating connection'));
  await assert.rejects(probe(new AbortController().signal), /terminating connection/);
  next = async () => ({ rows: [] });
  await probe(new AbortController().signal);
  assert.equal(clients.length, 2, 'a failed probe drops its connection');
  assert.equal(clients[0]?.ended, true);

  // A query that hangs: the health watcher's timeout aborts the probe, which drops the connection.
  next = () => new Promise(() => undefined);
  const timeout = new AbortController();
  void probe(timeout.signal);
  await Promise.resolve();
  timeout.abort();
  next = async () => ({ rows: [] });
  await probe(new AbortController().signal);
  assert.equal(clients.length, 3, 'a probe that timed out drops its connection');
  await probe.close();
  assert.equal(clients[2]?.ended, true);
});

test('every console session is read only with a statement timeout', () => {
  assert.equal(
    sessionOptions(30_000),
    '-c default_transaction_read_only=on -c statement_timeout=30000 -c jit=off -c work_mem=32MB',
  );
});
