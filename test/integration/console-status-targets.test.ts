// The console's status roll-up, recent events and target SLAs on the real stack: a console of the
// test's own over a database of the test's own that its gateway and synth-store fill.
//
// Status and events: the events are synth-store's rows, written here as it writes them (the console
// only reads), in known open/clear sequences; the expected states are computed in the test from
// those sequences (newest event per problem, open and not suppressed), independently of the SQL.
// Targets: a PUT (admin) is published to primoart.console.sla-targets.v1, stored by the test's
// synth-store and read back; it survives a console restart, the audit names the key; a read key is
// 403; bad input 400s name each parameter. Every JSON answer is valid against the OpenAPI document.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { sha256Hex } from '../../core/sha256.ts';
import { openApiChecker, startConsole, type TestConsole } from './console.ts';
import { freshResult, type Pipeline, startPipeline, upload, waitFor } from './stack.ts';

const tag = randomUUID().slice(0, 8);
const readKey = `test-read-${randomUUID()}`;
const adminKey = `test-admin-${randomUUID()}`;
const writeOnlyKey = `test-write-${randomUUID()}`;
const project = `status-it-${tag}`;
const services = { a: `shop-${tag}`, b: `search-${tag}` };
const place = (city: string) => ({ country: 'DE', region: 'Hessen', city: `${city}-${tag}` });
const locations = { l1: place('Frankfurt'), l2: place('Kassel') };
const keyOf = (l: { country: string; region: string; city: string }) => `${l.country}/${l.region}/${l.city}`;
const transactions = [
  { id: randomUUID(), name: `Checkout ${tag}`, service: services.a, location: locations.l1 },
  { id: randomUUID(), name: `Basket ${tag}`, service: services.a, location: locations.l2 },
  { id: randomUUID(), name: `Find ${tag}`, service: services.b, location: locations.l1 },
];
const [t1, t2, t3] = transactions as [
  (typeof transactions)[number],
  (typeof transactions)[number],
  (typeof transactions)[number],
];

interface SeededEvent {
  event_id: string;
  action: 'open' | 'clear';
  kind: string;
  severity: string;
  transaction: (typeof transactions)[number];
  location: string | null;
  minutesAgo: number;
  suppressed: boolean;
}
const seeded: SeededEvent[] = [];
/** Each transaction's uploaded run: the events name it as the run they judged. */
const runOf = new Map<string, { result_id: string; robot_id: string }>();
const event = (
  transaction: (typeof transactions)[number],
  action: 'open' | 'clear',
  kind: string,
  severity: string,
  location: string | null,
  minutesAgo: number,
  suppressed = false,
) =>
  seeded.push({
    event_id: randomUUID(),
    action,
    kind,
    severity,
    transaction,
    location,
    minutesAgo,
    suppressed,
  });
// t1: availability at l1 opened and cleared; performance over all locations open (warning).
event(t1, 'open', 'availability', 'critical', keyOf(locations.l1), 30);
event(t1, 'open', 'performance', 'warning', null, 25);
event(t1, 'clear', 'availability', 'normal', keyOf(locations.l1), 20);
// t2: availability at l2 open (critical); degraded open but inside a maintenance window.
event(t2, 'open', 'availability', 'critical', keyOf(locations.l2), 15);
event(t2, 'open', 'degraded', 'warning', keyOf(locations.l2), 10, true);
// t3: a no-data problem that opened (major) and cleared.
event(t3, 'open', 'no_data', 'major', null, 40);
event(t3, 'clear', 'no_data', 'normal', null, 35);

type State = 'OK' | 'WARNING' | 'CRITICAL';
/** The independent computation: newest event per problem; open and not suppressed counts. */
function expectedProblems(events: SeededEvent[]) {
  const newest = new Map<string, SeededEvent>();
  for (const e of events) {
    const problem = `${e.transaction.id}|${e.kind}|${e.location ?? ''}`;
    const seen = newest.get(problem);
    if (seen === undefined || e.minutesAgo < seen.minutesAgo) newest.set(problem, e);
  }
  return [...newest.values()].filter((e) => e.action === 'open' && !e.suppressed);
}
const worst = (problems: SeededEvent[]): State =>
  problems.some((p) => p.severity === 'critical' || p.severity === 'major')
    ? 'CRITICAL'
    : problems.length > 0
      ? 'WARNING'
      : 'OK';

type Row = Record<string, unknown>;

describe('console: status roll-up, recent events and target SLAs', () => {
  let pipeline: Pipeline;
  let consoleProcess: TestConsole;
  let checker: Awaited<ReturnType<typeof openApiChecker>>;
  const consoleSection = {
    api_keys: [
      { name: 'reader', sha256: sha256Hex(readKey), scopes: ['read'] },
      { name: 'target-admin', sha256: sha256Hex(adminKey), scopes: ['admin'] },
      { name: 'writer', sha256: sha256Hex(writeOnlyKey), scopes: ['results:write'] },
    ],
    failed_auth_burst: 1_000_000,
  };

  const call = (method: string, path: string, key: string | null, body?: unknown, headers = {}) =>
    fetch(`${consoleProcess.url}${path}`, {
      method,
      headers: {
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  /** A JSON answer of `status`, checked against the document. */
  const answer = async (operationId: string, response: Response, status = 200): Promise<Row> => {
    const body = (await response.json()) as Row;
    assert.equal(response.status, status, JSON.stringify(body));
    checker.assertDocumented(operationId, status, body);
    return body;
  };
  const get = async (operationId: string, path: string) =>
    answer(operationId, await call('GET', path, readKey));
  const invalidPaths = async (operationId: string, response: Response) =>
    ((await answer(operationId, response, 400)).error as { fields: Array<{ path: string }> }).fields.map(
      (field) => field.path,
    );

  before(async () => {
    pipeline = await startPipeline();
    const { setup } = pipeline;
    consoleProcess = await startConsole(setup, consoleSection);
    checker = await openApiChecker(consoleProcess.url);
    for (const t of transactions) {
      const result = freshResult({
        transaction_id: t.id,
        transaction_name: t.name,
        service: t.service,
        project,
        location: t.location,
      });
      const uploaded = await upload(setup.gatewayUrl, setup.apiKey, result);
      assert.equal(uploaded.status, 202, JSON.stringify(uploaded.body));
      runOf.set(t.id, {
        result_id: String(result.result_id).toLowerCase(),
        robot_id: String(result.robot_id).toLowerCase(),
      });
    }
    // Counted by project: the test's synth-store also stores what other files upload meanwhile.
    await pipeline.waitStored('the runs stored', async () => {
      const { rows } = await pipeline.database.pool.query(
        'SELECT count(*)::int AS n FROM synth_runs WHERE project = $1',
        [project],
      );
      return rows[0].n === transactions.length;
    });
    for (const e of seeded)
      await pipeline.database.pool.query(
        `INSERT INTO synth_events (event_id, action, kind, severity, transaction_id, transaction_name, service,
           environment, location, occurred_at, value, text, suppressed, source_topic, source_partition, source_offset,
           result_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'production', $8, date_trunc('second', now()) - make_interval(mins => $9),
           '1 of 5', $10, $11, 'test', 0, 0, $12)`,
        [
          e.event_id,
          e.action,
          e.kind,
          e.severity,
          e.transaction.id,
          e.transaction.name,
          e.transaction.service,
          e.location,
          e.minutesAgo,
          `${e.kind} ${e.action} <b>${e.transaction.name}</b>`,
          e.suppressed,
          runOf.get(e.transaction.id)?.result_id ?? null,
        ],
      );
  });

  after(async () => {
    await consoleProcess?.stop();
    await pipeline?.close();
  });

  test('status: per level, each object’s state and the counts follow the open events', async () => {
    const open = expectedProblems(seeded);
    const expected: Record<string, Array<[string, State, number]>> = {
      transaction: transactions.map((t) => {
        const mine = open.filter((p) => p.transaction.id === t.id);
        return [t.id, worst(mine), mine.length];
      }),
      service: Object.values(services).map((s) => {
        const mine = open.filter((p) => p.transaction.service === s);
        return [s, worst(mine), mine.length];
      }),
      project: [[project, worst(open), open.length]],
      location: Object.values(locations).map((l) => {
        const mine = open.filter((p) => p.location === keyOf(l));
        return [keyOf(l), worst(mine), mine.length];
      }),
    };
    const nameOf: Record<string, (row: Row) => unknown> = {
      transaction: (row) => row.transaction_id,
      service: (row) => row.service,
      project: (row) => row.project,
      location: (row) => row.location,
    };
    for (const [level, objects] of Object.entries(expected)) {
      // The test's synth-store also stores what other files publish meanwhile (it reads the shared
      // topics from their end): the project filter keeps the test's own objects (at level location,
      // its problems; the locations are told by their names).
      const body = await get('getStatus', `/api/v1/status?level=${level}&project=${project}`);
      const all = body.objects as Row[];
      const rows = level === 'location' ? all.filter((row) => String(row.location).endsWith(tag)) : all;
      const order = ['CRITICAL', 'WARNING', 'OK'];
      // Worst first; within a level the sequences above give each object a state of its own.
      assert.deepEqual(
        rows.map((row) => [nameOf[level]?.(row), row.state, row.open_problems]),
        [...objects].sort((a, b) => order.indexOf(a[1]) - order.indexOf(b[1])),
        level,
      );
      // The counts are those of the objects listed.
      const counts = body.counts as Row;
      for (const state of ['OK', 'WARNING', 'CRITICAL'] as const)
        assert.equal(
          counts[state.toLowerCase()],
          all.filter((o) => o.state === state).length,
          `${level} ${state}`,
        );
      assert.equal(counts.total, all.length);
      if (level !== 'location')
        assert.deepEqual(
          [counts.ok, counts.warning, counts.critical],
          (['OK', 'WARNING', 'CRITICAL'] as const).map(
            (state) => objects.filter((o) => o[1] === state).length,
          ),
        );
    }
    // A sanity anchor on the sequences above: one of each state among the transactions.
    assert.deepEqual(
      expected.transaction?.map((o) => o[1]),
      ['WARNING', 'CRITICAL', 'OK'],
    );
    // The CSV holds the objects.
    const csv = await call('GET', `/api/v1/status?level=transaction&project=${project}&format=csv`, readKey);
    assert.equal(csv.status, 200);
    const table = parse(await csv.text(), { columns: true }) as Row[];
    const json = (await get('getStatus', `/api/v1/status?level=transaction&project=${project}`))
      .objects as Row[];
    assert.deepEqual(
      table.map((row) => [row.transaction_id, row.state, Number(row.open_problems)]),
      json.map((row) => [row.transaction_id, row.state, row.open_problems]),
    );
  });

  test('events: newest first, suppressed ones only when asked, filters, cursor pages, CSV', async () => {
    const mineOnly = `project=${project}`;
    const all = (await get('listEvents', `/api/v1/events?${mineOnly}&include_suppressed=true`))
      .events as Row[];
    const expected = [...seeded].sort((a, b) => a.minutesAgo - b.minutesAgo);
    assert.deepEqual(
      all.map((e) => [e.event_id, e.action, e.kind, e.severity, e.transaction_id, e.location, e.suppressed]),
      expected.map((e) => [
        e.event_id,
        e.action,
        e.kind,
        e.severity,
        e.transaction.id,
        e.location,
        e.suppressed,
      ]),
    );
    // Each event names its run, and the robot that ran it (for the console's link to the run).
    assert.deepEqual(
      all.map((e) => [e.result_id, e.robot_id]),
      expected.map((e) => {
        const run = runOf.get(e.transaction.id);
        return [run?.result_id ?? null, run?.robot_id ?? null];
      }),
    );
    const first = all[0] as Row;
    assert.equal(first.transaction_name, t2.name);
    assert.equal(first.project, project);
    // Robot-supplied names come back as data.
    assert.equal(first.text, `degraded open <b>${t2.name}</b>`);
    const unsuppressed = (await get('listEvents', `/api/v1/events?${mineOnly}`)).events as Row[];
    assert.deepEqual(
      unsuppressed.map((e) => e.event_id),
      expected.filter((e) => !e.suppressed).map((e) => e.event_id),
    );
    const ofT1 = (await get('listEvents', `/api/v1/events?transaction=${t1.id}&kind=availability`))
      .events as Row[];
    assert.deepEqual(
      ofT1.map((e) => e.event_id),
      expected.filter((e) => e.transaction === t1 && e.kind === 'availability').map((e) => e.event_id),
    );
    const opens = (await get('listEvents', `/api/v1/events?${mineOnly}&action=open&severity=critical`))
      .events as Row[];
    assert.deepEqual(
      opens.map((e) => e.event_id),
      expected.filter((e) => e.action === 'open' && e.severity === 'critical').map((e) => e.event_id),
    );
    // Pages of 2 walk the same list.
    const paged: Row[] = [];
    let cursor: string | null = null;
    do {
      const page: Row = await get(
        'listEvents',
        `/api/v1/events?${mineOnly}&include_suppressed=true&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      paged.push(...(page.events as Row[]));
      cursor = page.next_cursor as string | null;
    } while (cursor !== null);
    assert.deepEqual(
      paged.map((e) => e.event_id),
      all.map((e) => e.event_id),
    );
    // CSV: the same rows.
    const csv = await call('GET', `/api/v1/events?${mineOnly}&include_suppressed=true`, readKey, undefined, {
      accept: 'text/csv',
    });
    assert.equal(csv.status, 200);
    const table = parse(await csv.text(), { columns: true }) as Row[];
    assert.deepEqual(
      table.map((row) => [row.event_id, row.occurred_at, row.text, row.suppressed]),
      all.map((row) => [row.event_id, row.occurred_at, row.text, String(row.suppressed)]),
    );
    // Bad input: each parameter named (the period is checked once the parameters themselves are valid).
    assert.deepEqual(
      (
        await invalidPaths(
          'listEvents',
          await call('GET', '/api/v1/events?kind=nope&cursor=xyz&limit=0&sort=time', readKey),
        )
      ).sort(),
      ['cursor', 'kind', 'limit', 'sort'],
    );
    assert.deepEqual(
      await invalidPaths(
        'listEvents',
        await call('GET', '/api/v1/events?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', readKey),
      ),
      ['from'],
    );
    assert.deepEqual(
      await invalidPaths('getStatus', await call('GET', '/api/v1/status?level=robot', readKey)),
      ['level'],
    );
  });

  test('targets: set by an admin, read back, kept across a console restart, audited with the key', async () => {
    const put = (path: string, body: unknown, key = adminKey) =>
      call('PUT', `/api/v1/targets/${path}`, key, body);
    /**
     * An admin's change, stored: 200, or 202 (not stored within console.target_stored_within_ms on
     * a busy machine) and then its Location watched until it is. The point is that it is stored and
     * read back, not how fast.
     */
    const settle = async (response: Response): Promise<Row> => {
      const status = response.status === 202 ? 202 : 200;
      const body = await answer('putTarget', response, status);
      if (status === 200) return body;
      const location = String(response.headers.get('location'));
      const stored = await waitFor(
        'the accepted change stored',
        async () => {
          const changes = (await get('listTargetChanges', location)).changes as Row[];
          return changes.length === 1 ? changes[0] : undefined;
        },
        60_000,
      );
      assert.deepEqual(stored, body.target);
      return { ...body, stored: true, target: stored };
    };
    // A read key may read but not set; a results:write key may do neither; no key is 401.
    await answer('putTarget', await put(`transaction/${t1.id}`, { target_percent: 99 }, readKey), 403);
    await answer('listTargets', await call('GET', '/api/v1/targets', writeOnlyKey), 403);
    await answer('putTarget', await put(`transaction/${t1.id}`, { target_percent: 99 }, ''), 401);

    const set = await settle(await put(`transaction/${t1.id}`, { target_percent: 99.5 }));
    assert.equal(set.stored, true, 'stored and read back');
    const target = set.target as Row;
    assert.deepEqual(
      [target.level, target.transaction_id, target.target_percent, target.set_by_key_id],
      ['transaction', t1.id, 99.5, 'config:target-admin'],
    );
    const service = await settle(
      await put(`service/${encodeURIComponent(services.a)}?project=${project}`, { target_percent: 95 }),
    );
    assert.deepEqual(
      [(service.target as Row).project, (service.target as Row).service],
      [project, services.a],
    );
    await settle(await put(`project/${project}`, { target_percent: 90 }));
    // Changed, then removed: the current target follows, the audit keeps every change.
    await settle(await put(`project/${project}`, { target_percent: 92.5 }));
    const removed = await settle(
      await put(`service/${services.a}?project=${project}`, { target_percent: null }),
    );
    assert.equal((removed.target as Row).target_percent, null);

    const mine = (rows: Row[]) =>
      rows.filter((row) => row.project === project || transactions.some((t) => t.id === row.transaction_id));
    const current = async () =>
      mine((await get('listTargets', '/api/v1/targets')).targets as Row[]).map((row) => [
        row.level,
        row.project,
        row.service,
        row.transaction_id,
        row.target_percent,
        row.set_by_key_id,
      ]);
    const expectedCurrent = [
      ['project', project, null, null, 92.5, 'config:target-admin'],
      ['transaction', null, null, t1.id, 99.5, 'config:target-admin'],
    ];
    assert.deepEqual(await current(), expectedCurrent);
    const changes = mine((await get('listTargetChanges', '/api/v1/targets/changes')).changes as Row[]);
    assert.deepEqual(
      changes.map((row) => [row.level, row.target_percent, row.set_by_key_id]),
      [
        ['service', null, 'config:target-admin'],
        ['project', 92.5, 'config:target-admin'],
        ['project', 90, 'config:target-admin'],
        ['service', 95, 'config:target-admin'],
        ['transaction', 99.5, 'config:target-admin'],
      ],
    );
    const byRequest = (
      await get('listTargetChanges', `/api/v1/targets/changes?request_id=${target.request_id}`)
    ).changes as Row[];
    assert.deepEqual(byRequest, [target]);
    // CSV of the current targets: the same rows.
    const csv = await call('GET', '/api/v1/targets?format=csv', readKey);
    const table = mine(parse(await csv.text(), { columns: true }) as Row[]);
    assert.deepEqual(
      table.map((row) => [row.level, Number(row.target_percent)]),
      expectedCurrent.map((row) => [row[0], row[4]]),
    );

    // The SLA report carries the target of each object and whether its SLA met it (the runs above
    // are all OK: 100 %).
    const from = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
    const report = async (level: string) =>
      (await get('getSla', `/api/v1/sla?level=${level}&project=${project}&from=${from}`)).rows as Row[];
    const byTransaction = await report('transaction');
    assert.deepEqual(
      transactions.map((t) => {
        const row = byTransaction.find((r) => r.transaction_id === t.id);
        return [row?.sla_percent, row?.target_sla_percent, row?.target_met];
      }),
      [
        [100, 99.5, true],
        [100, null, null],
        [100, null, null],
      ],
    );
    assert.deepEqual(
      (await report('project')).map((r) => [r.project, r.target_sla_percent, r.target_met]),
      [[project, 92.5, true]],
    );
    assert.deepEqual(
      (await report('service')).map((r) => r.target_sla_percent),
      [null, null],
      'the service target was removed',
    );

    // A restart of the console changes nothing: the targets are synth-store's rows. (It comes back
    // waiting less for a change to be stored, for the next step.)
    await consoleProcess.stop();
    consoleProcess = await startConsole(pipeline.setup, { ...consoleSection, target_stored_within_ms: 300 });
    assert.deepEqual(await current(), expectedCurrent);

    // synth-store stopped: the change is taken (Kafka has it) but not stored in time — 202 with
    // where to watch it; once synth-store runs again it is stored, as accepted.
    await pipeline.worker?.stop();
    pipeline.worker = undefined;
    const later = await put(`transaction/${t2.id}`, { target_percent: 97 });
    const accepted = await answer('putTarget', later, 202);
    assert.equal(accepted.stored, false);
    const location = later.headers.get('location');
    assert.equal(location, `/api/v1/targets/changes?request_id=${(accepted.target as Row).request_id}`);
    assert.deepEqual(await current(), expectedCurrent, 'not stored yet');
    pipeline.worker = await pipeline.startWorker();
    const watched = await waitFor(
      'the accepted change stored',
      async () => {
        const changes = (await get('listTargetChanges', String(location))).changes as Row[];
        return changes.length === 1 ? changes[0] : undefined;
      },
      60_000,
    );
    assert.deepEqual(watched, accepted.target);
    const unordered = (rows: unknown[][]) => rows.map((row) => JSON.stringify(row)).sort();
    assert.deepEqual(
      unordered(await current()),
      unordered([...expectedCurrent, ['transaction', null, null, t2.id, 97, 'config:target-admin']]),
    );
  });

  test('a results:write key is 403 and no key 401 on every endpoint here', async () => {
    const reads = [
      ['getStatus', '/api/v1/status'],
      ['listEvents', '/api/v1/events'],
      ['listTargets', '/api/v1/targets'],
      ['listTargetChanges', '/api/v1/targets/changes'],
    ] as const;
    for (const [operationId, path] of reads) {
      await answer(operationId, await call('GET', path, writeOnlyKey), 403);
      await answer(operationId, await call('GET', path, null), 401);
    }
    const body = { target_percent: 99 };
    await answer(
      'putTarget',
      await call('PUT', `/api/v1/targets/transaction/${t3.id}`, writeOnlyKey, body),
      403,
    );
    await answer('putTarget', await call('PUT', `/api/v1/targets/transaction/${t3.id}`, null, body), 401);
  });

  test('targets: bad input is a 400 naming each parameter', async () => {
    const put = (path: string, body: unknown) =>
      call('PUT', `/api/v1/targets/${path}`, adminKey, body).then((r) => invalidPaths('putTarget', r));
    assert.deepEqual(await put('robot/x', { target_percent: 99 }), ['level']);
    assert.deepEqual(await put(`transaction/${t1.id}`, { target_percent: 101 }), ['body.target_percent']);
    assert.deepEqual(await put(`transaction/${t1.id}`, { target_percent: '99' }), ['body.target_percent']);
    assert.deepEqual(await put(`transaction/${t1.id}`, { target_percent: 99, by: 'me' }), ['body.by']);
    assert.deepEqual(await put(`transaction/${t1.id}`, {}), ['body.target_percent']);
    assert.deepEqual(await put('transaction/not-a-uuid', { target_percent: 99 }), ['id']);
    assert.deepEqual(await put(`project/${project}?project=x`, { target_percent: 99 }), ['project']);
    assert.deepEqual(
      await invalidPaths('listTargets', await call('GET', '/api/v1/targets?level=robot&x=1', readKey)),
      ['level', 'x'],
    );
  });
});
