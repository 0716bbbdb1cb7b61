// The logs-store against the real stack: robot results (with and without a log) uploaded through a
// gateway of the test's own, OTLP log records and spans posted as OTLP/JSON, all read back from
// VictoriaLogs' own query API; a replay writes everything again and the documented query still
// counts each entry once; a VictoriaLogs outage is lag, never loss.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupLag } from '../../topics/admin.ts';
import { topics } from '../../topics/catalog.ts';
import {
  freshResult,
  type RunningProcess,
  runCli,
  stack,
  startGroupAtEnd,
  startReady,
  type TestSetup,
  testConfig,
  upload,
  waitFor,
  withAdmin,
} from './stack.ts';

const topicsRead = [topics.synthResults.name, topics.otelLogs.name, topics.otelSpans.name];

let setup: TestSetup;
let gateway: RunningProcess;
let worker: RunningProcess | undefined;
let victoriaLogsStopped = false;
/** Where the test's group started on each topic: a replay goes back there. */
const startOffsets = new Map<string, Array<{ partition: number; offset: string }>>();

const startWorker = () =>
  startReady(['worker', 'logs-store', '--config.file', setup.configFile], setup.logsStore.url);

before(async () => {
  setup = await testConfig(stack.pgUrl());
  for (const topic of topicsRead) {
    const partitions = (await startGroupAtEnd(setup.logsStore.groupId, topic)) as Array<{
      partition: number;
      offset: string;
    }>;
    startOffsets.set(topic, partitions);
  }
  gateway = await startReady(['gateway', '--config.file', setup.configFile], setup.gatewayUrl);
  worker = await startWorker();
});

after(async () => {
  // Other engineers' tests share the stack: VictoriaLogs is never left stopped.
  if (victoriaLogsStopped) await runCli(['up', '--only', 'victoria-logs']);
  await Promise.all([gateway?.stop(), worker?.stop()]);
});

type Entry = Record<string, string>;

/** Run a LogsQL query against VictoriaLogs itself. */
async function logsql(query: string): Promise<Entry[]> {
  const response = await fetch(`${stack.victoriaLogsUrl()}/select/logsql/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query }),
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Entry);
}

/** The documented de-duplicating query (README "Logs"): each entry once, however often it was written. */
const uniqueEntries = (filter: string) => logsql(`${filter} | first 1 by (_time) partition by (entry_id)`);

async function counts(filter: string): Promise<{ raw: number; unique: number }> {
  const [row] = await logsql(`${filter} | stats count() raw, count_uniq(entry_id) unique_entries`);
  return { raw: Number(row?.raw ?? 0), unique: Number(row?.unique_entries ?? 0) };
}

async function postOtlp(path: '/v1/logs' | '/v1/traces', body: unknown) {
  const response = await fetch(`${setup.gatewayUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${setup.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, await response.text());
}

async function uploadAccepted(result: Record<string, unknown>) {
  const response = await upload(setup.gatewayUrl, setup.robotKey, result);
  assert.equal(response.status, 202, JSON.stringify(response.body));
}

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
  await uploadAccepted(withLog);
  await uploadAccepted(failed);

  const now = Date.now();
  await postOtlp('/v1/logs', {
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
  await postOtlp('/v1/traces', {
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

  const entries = await waitFor(`${expectedEntries} entries of ${service}`, async () => {
    const found = await uniqueEntries(filter);
    return found.length >= expectedEntries ? found : undefined;
  });
  assert.equal(entries.length, expectedEntries);
  const byId = new Map(entries.map((entry) => [entry.entry_id, entry]));

  const run = byId.get(`${withLog.result_id}:run`);
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
  assert.equal(failedRun?.entry_id, `${failed.result_id}:run`);
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

  const charge = byId.get(`span:${traceId}:${childSpanId}`);
  assert.equal(charge?.kind, 'otel.span');
  assert.equal(charge?._msg, 'charge card: card declined');
  assert.equal(charge?.parent_span_id, rootSpanId);
  assert.equal(charge?.status_code, 'ERROR');
  assert.equal(charge?.duration_ms, '1250');
  assert.equal(charge?.['attributes.payment.provider'], 'acme');
  assert.ok(byId.has(`span:${traceId}:${rootSpanId}`));

  // Everything of one trace is found by its id: the spans and the log record emitted in one.
  const traced = await uniqueEntries(`${filter} trace_id:=${traceId}`);
  assert.equal(traced.length, 3);
});

test('a replay writes every entry again; the de-duplicating query still returns each once', async () => {
  const before = await counts(filter);
  assert.deepEqual(before, { raw: expectedEntries, unique: expectedEntries });

  // Kafka moves a group's offsets only while it has no member: stop, rewind, start again.
  await worker?.stop();
  await withAdmin(async (admin) => {
    for (const [topic, partitions] of startOffsets) {
      await admin.setGroupOffsets(setup.logsStore.groupId, topic, partitions);
    }
  });
  worker = await startWorker();

  await waitFor('the replayed entries', async () => (await counts(filter)).raw >= 2 * expectedEntries);
  assert.deepEqual(await counts(filter), { raw: 2 * expectedEntries, unique: expectedEntries });
  assert.equal((await uniqueEntries(filter)).length, expectedEntries);
});

async function workerRetries(): Promise<number> {
  const text = await (await fetch(`${setup.logsStore.url}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (line) => line.startsWith('primoart_worker_retries_total{') && line.includes('worker="logs-store"'),
    )
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

const resultsLag = () =>
  withAdmin(async (admin) =>
    (await groupLag(admin, setup.logsStore.groupId, topics.synthResults.name)).reduce(
      (sum, partition) => sum + partition.lag,
      0,
    ),
  );

test('a VictoriaLogs outage under steady uploads is lag: every entry arrives once it is back', async (t) => {
  const outageService = `logs-it-outage-${randomUUID().slice(0, 8)}`;
  const uploaded: string[] = [];
  let uploading = true;
  // About four uploads a second (a run entry and one log line each) before, during and after the outage.
  const uploader = (async () => {
    for (let i = 0; uploading; i++) {
      const result = freshResult({ service: outageService, robot_id: setup.robotId, log: `attempt ${i}` });
      await uploadAccepted(result);
      uploaded.push(result.result_id as string);
      await sleep(250);
    }
  })();

  const retriesBefore = await workerRetries();
  let upAt = 0;
  try {
    await sleep(3000);
    victoriaLogsStopped = true;
    const down = await runCli(['down', '--only', 'victoria-logs']);
    assert.equal(down.code, 0, down.output);
    const stoppedAt = Date.now();
    await waitFor('the worker to retry against the stopped VictoriaLogs', async () =>
      (await workerRetries()) > retriesBefore ? true : undefined,
    );
    await waitFor('the logs-store group to lag', async () => (await resultsLag()) > 0);
    assert.equal(worker?.child.exitCode, null, 'the worker is still running');

    await sleep(Math.max(0, 22_000 - (Date.now() - stoppedAt)));
    const up = await runCli(['up', '--only', 'victoria-logs']);
    assert.equal(up.code, 0, up.output);
    victoriaLogsStopped = false;
    upAt = Date.now();
    await sleep(3000);
  } finally {
    uploading = false;
    await uploader;
  }

  const outageFilter = `service:=${JSON.stringify(outageService)}`;
  await waitFor(
    `all ${uploaded.length * 2} entries of the outage run`,
    async () => (await counts(outageFilter)).unique === uploaded.length * 2,
    90_000,
    500,
  );
  t.diagnostic(`${uploaded.length} uploads; caught up ${Date.now() - upAt} ms after VictoriaLogs was back`);
  const runs = await uniqueEntries(`${outageFilter} kind:="robot.run"`);
  assert.deepEqual(runs.map((entry) => entry.result_id).sort(), [...uploaded].sort());
  assert.equal(worker?.child.exitCode, null, 'the worker survived the outage');
});
