// The logs-store against the real stack: robot results (with and without a log) uploaded through a
// gateway of the test's own, OTLP log records and spans posted as OTLP/JSON, all read back from
// VictoriaLogs' own query API; a replay writes everything again and the documented query still
// counts each entry once. A VictoriaLogs outage is victoria-logs-outage.test.ts (it stops a
// VictoriaLogs of its own, private-store.ts).
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { topics } from '../../topics/catalog.ts';
import { freshResult, type TestSetup } from './stack.ts';
import { type StoreWorkerTest, startStoreWorkerTest } from './store-worker.ts';
import { counts, logsql, uniqueEntries } from './victoria-logs.ts';

let store: StoreWorkerTest;
let setup: TestSetup;

before(async () => {
  store = await startStoreWorkerTest({
    worker: 'logs-store',
    topicsRead: [topics.synthResults.name, topics.otelLogs.name, topics.otelSpans.name],
    backend: 'victoria-logs',
    backendName: 'VictoriaLogs',
  });
  setup = store.setup;
});

after(() => store?.close());

const resource = (service: string) => ({
  attributes: [
    { key: 'service.name', value: { stringValue: service } },
    { key: 'deployment.environment.name', value: { stringValue: 'integration' } },
  ],
});

const nanos = (ms: number) => String(BigInt(ms) * 1_000_000n);

// Unique per run of this file: every query is scoped to it, whatever else VictoriaLogs holds.
const service = `logs-it-${randomUUID().slice(0, 8)}`;
const filter = `service:=${JSON.stringify(service)}`;
const traceId = randomBytes(16).toString('hex');
const rootSpanId = randomBytes(8).toString('hex');
const childSpanId = randomBytes(8).toString('hex');
const expectedEntries = 9;

test('robot runs, their log lines, OTLP log records and spans are each one entry with their fields', async () => {
  const withLog = freshResult({
    service,
    robot_id: setup.robotId,
    robot_name: 'robot-logs-it',
    log: 'open start page\nsearch for "socks"\n3 results\n',
  });
  const failed = freshResult({
    service,
    robot_id: setup.robotId,
    robot_name: 'robot-logs-it',
    status: 'FAIL',
    error_code: 7,
    error_message: 'search box not found',
  });
  await store.uploadAccepted(withLog);
  await store.uploadAccepted(failed);

  const now = Date.now();
  await store.postOtlp('/v1/logs', {
    resourceLogs: [
      {
        resource: resource(service),
        scopeLogs: [
          {
            scope: { name: 'logs-it', version: '1.0.0' },
            logRecords: [
              {
                timeUnixNano: nanos(now - 2000),
                severityNumber: 17,
                severityText: 'ERROR',
                body: { stringValue: 'payment declined' },
                attributes: [{ key: 'order.id', value: { intValue: '42' } }],
                traceId,
                spanId: childSpanId,
              },
              { timeUnixNano: nanos(now - 1000), severityNumber: 9, body: { stringValue: 'checkout done' } },
            ],
          },
        ],
      },
    ],
  });
  await store.postOtlp('/v1/traces', {
    resourceSpans: [
      {
        resource: resource(service),
        scopeSpans: [
          {
            scope: { name: 'logs-it' },
            spans: [
              {
                traceId,
                spanId: rootSpanId,
                name: 'POST /checkout',
                kind: 2,
                startTimeUnixNano: nanos(now - 3000),
                endTimeUnixNano: nanos(now - 500),
              },
              {
                traceId,
                spanId: childSpanId,
                parentSpanId: rootSpanId,
                name: 'charge card',
                kind: 3,
                startTimeUnixNano: nanos(now - 2500),
                endTimeUnixNano: nanos(now - 1250),
                status: { code: 2, message: 'card declined' },
                attributes: [{ key: 'payment.provider', value: { stringValue: 'acme' } }],
              },
            ],
          },
        ],
      },
    ],
  });

  const entries = await store.waitStored(`${expectedEntries} entries of ${service}`, async () => {
    const found = await uniqueEntries(filter);
    return found.length >= expectedEntries ? found : undefined;
  });
  assert.equal(entries.length, expectedEntries);
  const byId = new Map(entries.map((entry) => [entry.entry_id, entry]));

  const run = byId.get(`${withLog.robot_id}/${withLog.result_id}:run`);
  assert.equal(run?.kind, 'robot.run');
  assert.equal(run?.status, 'OK');
  assert.equal(run?.robot, 'robot-logs-it');
  assert.equal(run?.transaction, withLog.transaction_name);
  assert.equal(run?.environment, 'test');
  // The stream is made of the bounded fields only, never of per-run ids.
  assert.match(run?._stream ?? '', /kind="robot.run"/);
  assert.doesNotMatch(run?._stream ?? '', new RegExp(withLog.result_id));

  const lines = entries
    .filter((entry) => entry.kind === 'robot.log')
    .sort((a, b) => Number(a.line) - Number(b.line));
  assert.deepEqual(
    lines.map((entry) => [entry._msg, entry.line, entry.result_id]),
    [
      ['open start page', '1', withLog.result_id],
      ['search for "socks"', '2', withLog.result_id],
      ['3 results', '3', withLog.result_id],
    ],
  );
  assert.equal(Date.parse(lines[0]?._time ?? ''), Date.parse(withLog.started_at));

  // A failed run is searchable by its status and error even though it sent no log.
  const [failedRun] = await logsql(`${filter} status:=FAIL "search box not found"`);
  assert.equal(failedRun?.entry_id, `${failed.robot_id}/${failed.result_id}:run`);
  assert.equal(failedRun?.error_code, '7');
  assert.equal(Date.parse(failedRun?._time ?? ''), Date.parse(failed.finished_at));

  const otelLogs = entries.filter((entry) => entry.kind === 'otel.log');
  assert.equal(otelLogs.length, 2);
  const declined = otelLogs.find((entry) => entry._msg === 'payment declined');
  assert.equal(declined?.trace_id, traceId);
  assert.equal(declined?.span_id, childSpanId);
  assert.equal(declined?.severity, 'ERROR');
  assert.equal(declined?.['attributes.order.id'], '42');
  assert.equal(declined?.environment, 'integration');
  assert.equal(Date.parse(declined?._time ?? ''), now - 2000);

  const spanEntry = (spanId: string) =>
    entries.find((entry) => entry.kind === 'otel.span' && entry.span_id === spanId);
  const charge = spanEntry(childSpanId);
  assert.equal(charge?.kind, 'otel.span');
  // Its place on the spans topic: unique per accepted record, the same on a replay.
  assert.match(
    charge?.entry_id ?? '',
    new RegExp(`^${topics.otelSpans.name.replaceAll('.', '\\.')}/\\d+/\\d+$`),
  );
  assert.equal(charge?._msg, 'charge card: card declined');
  assert.equal(charge?.parent_span_id, rootSpanId);
  assert.equal(charge?.status_code, 'ERROR');
  assert.equal(charge?.duration_ms, '1250');
  assert.equal(charge?.['attributes.payment.provider'], 'acme');
  assert.equal(spanEntry(rootSpanId)?.trace_id, traceId);

  // Everything of one trace is found by its id: the spans and the log record emitted in one.
  const traced = await uniqueEntries(`${filter} trace_id:=${traceId}`);
  assert.equal(traced.length, 3);
});

test('a replay writes every entry again; the de-duplicating query still returns each once', async () => {
  // Delivery is at least once: a rebalance on a loaded machine may already have written a batch
  // twice, which VictoriaLogs keeps (the de-duplicating query is the answer to that). So the raw
  // count is at least one per entry, and the replay adds every entry once more on top of it.
  const before = await counts(filter);
  assert.equal(before.unique, expectedEntries);
  assert.ok(before.raw >= expectedEntries, `${before.raw} raw entries before the replay`);

  await store.replayFromStart();

  const replayed = before.raw + expectedEntries;
  await store.waitStored('the replayed entries', async () => (await counts(filter)).raw >= replayed);
  const after = await counts(filter);
  assert.equal(after.unique, expectedEntries);
  assert.ok(after.raw >= replayed, `${after.raw} raw entries after the replay`);
  assert.equal((await uniqueEntries(filter)).length, expectedEntries);
});
