// The console end to end on the real stack: a console process of the test's own (its own Kafka
// identity, its own view of the key topic) over a database of the test's own that a gateway and
// synth-store of the test's own fill. The catalogue's five endpoints answer what was uploaded and
// defined, with the current state from open events; every JSON answer is valid against the OpenAPI
// document the console serves, and the CSV of each holds the same rows. A results:write-only key is
// 403 and no key or a revoked managed key 401 on every endpoint; the revocation reaches the console
// within 10 s.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { openStores } from '../../console/stores.ts';
import { sha256Hex } from '../../core/sha256.ts';
import { openApiChecker, startConsole, type TestConsole } from './console.ts';
import { freshResult, type Pipeline, runCli, stack, startPipeline, upload, waitFor } from './stack.ts';

const tag = randomUUID().slice(0, 8);
const readKey = `test-read-${randomUUID()}`;
const writeOnlyKey = `test-write-${randomUUID()}`;
const project = `console-it-${tag}`;
const service = `shop-${tag}`;
// Names of the test's own: its synth-store also stores what other tests publish meanwhile.
const country = `NL-${tag}`;
const location = { country, region: 'Noord-Holland', city: 'Amsterdam', latitude: 52.37, longitude: 4.9 };
const locationKey = `${country}/Noord-Holland/Amsterdam`;
const robotId = randomUUID();
const robotName = `robot-${tag}`;
const defined = { id: randomUUID(), name: `Checkout ${tag}`, cron: '*/5 * * * *', target: 12.5 };
const undefinedRun = { id: randomUUID(), name: `Search ${tag}` };
const neverRun = { id: randomUUID(), name: `Report ${tag}`, cron: '15 3 * * *', target: 600 };

const kinds = ['projects', 'services', 'transactions', 'robots', 'locations'] as const;
const operationOf = {
  projects: 'listProjects',
  services: 'listServices',
  transactions: 'listTransactions',
  robots: 'listRobots',
  locations: 'listLocations',
} as const;

type Row = Record<string, unknown>;

describe('console: the catalogue', () => {
  let pipeline: Pipeline;
  let consoleProcess: TestConsole;
  let checker: Awaited<ReturnType<typeof openApiChecker>>;
  const managedKeys: string[] = [];
  const finishedAt: string[] = [];
  const uploaded: Array<Record<string, any>> = [];

  const get = (path: string, key: string | null, headers: Record<string, string> = {}) =>
    fetch(`${consoleProcess.url}${path}`, {
      headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...headers },
    });
  /** The JSON rows of a catalogue list, checked against the document. */
  const list = async (kind: (typeof kinds)[number], key = readKey, query = ''): Promise<Row[]> => {
    const response = await get(`/api/v1/catalogue/${kind}${query}`, key);
    const body = (await response.json()) as Record<string, Row[]>;
    assert.equal(response.status, 200, JSON.stringify(body));
    checker.assertDocumented(operationOf[kind], 200, body);
    const rows = body[kind];
    assert.ok(Array.isArray(rows));
    return rows;
  };
  const keys = (...args: string[]) => runCli(['keys', ...args, '--config.file', pipeline.setup.configFile]);
  const ownIds = new Set<string>([defined.id, undefinedRun.id, neverRun.id]);
  /** The test's own rows of each list (by a filter where the list has one). */
  const own = {
    projects: async () => (await list('projects')).filter((row) => row.name === project),
    services: () => list('services', readKey, `?project=${project}`),
    transactions: async () =>
      (await list('transactions')).filter((row) => ownIds.has(row.transaction_id as string)),
    robots: async () => (await list('robots')).filter((row) => row.robot_id === robotId),
    locations: () => list('locations', readKey, `?country=${country}`),
  };

  before(async () => {
    pipeline = await startPipeline();
    const { setup } = pipeline;
    consoleProcess = await startConsole(setup, {
      api_keys: [
        { name: 'reader', sha256: sha256Hex(readKey), scopes: ['read'] },
        { name: 'writer', sha256: sha256Hex(writeOnlyKey), scopes: ['results:write'] },
      ],
      // The 401s below are on purpose; throttling has tests of its own (auth-failures, api-keys).
      failed_auth_burst: 1_000_000,
    });
    checker = await openApiChecker(consoleProcess.url);

    const definitions = await fetch(`${setup.gatewayUrl}/api/v1/transactions/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${setup.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(
        [defined, neverRun].map((d) => ({
          uuid: d.id,
          name: d.name,
          cron: d.cron,
          code: 'await run();',
          target_duration: d.target,
          metadata: { team: 'web' },
        })),
      ),
    });
    assert.equal(definitions.status, 200, await definitions.text());
    for (const transaction of [defined, undefinedRun]) {
      const result = freshResult({
        transaction_id: transaction.id,
        transaction_name: transaction.name,
        service,
        project,
        robot_id: robotId,
        robot_name: robotName,
        location,
      });
      finishedAt.push(result.finished_at);
      uploaded.push(result);
      const answer = await upload(setup.gatewayUrl, setup.apiKey, result);
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
    }
    // The test's own runs: its synth-store also stores what other files publish meanwhile.
    await pipeline.waitStored('the runs stored', async () => {
      const { rows } = await pipeline.database.pool.query(
        'SELECT count(*)::int AS n FROM synth_runs WHERE project = $1',
        [project],
      );
      return rows[0].n === 2;
    });
    // The definitions come through their own topic, which the results topic's progress does not measure.
    await waitFor('the definitions stored', async () => {
      const { rows } = await pipeline.database.pool.query(
        'SELECT count(*)::int AS n FROM synth_definitions WHERE uuid = ANY($1::uuid[])',
        [[defined.id, neverRun.id]],
      );
      return rows[0].n === 2;
    });
  });

  after(async () => {
    // The definitions topic is shared: leave none of the test's behind.
    for (const { id } of pipeline === undefined ? [] : [defined, neverRun])
      await fetch(`${pipeline.setup.gatewayUrl}/api/v1/transactions/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${pipeline.setup.apiKey}` },
      });
    await consoleProcess?.stop();
    await Promise.all(managedKeys.map((id) => keys('revoke', id)));
    await pipeline?.close();
  });

  test('each list answers what was uploaded and defined, as the OpenAPI document says', async () => {
    const [projects, services, transactions, robots, locations] = (await Promise.all(
      kinds.map((kind) => own[kind]()),
    )) as [Row[], Row[], Row[], Row[], Row[]];
    const newest = [...finishedAt].sort().at(-1);
    assert.deepEqual(projects, [
      {
        name: project,
        first_seen_at: [...finishedAt].sort()[0],
        last_seen_at: newest,
        services: 1,
        transactions: 2,
        state: 'OK',
      },
    ]);
    assert.deepEqual(
      services.map((s) => [s.project, s.name, s.transactions, s.state]),
      [[project, service, 2, 'OK']],
    );
    const byId = new Map(transactions.map((t) => [t.transaction_id, t]));
    assert.equal(transactions.length, 3, 'two run, one only defined');
    assert.deepEqual(byId.get(defined.id), {
      transaction_id: defined.id,
      name: defined.name,
      service,
      project,
      first_seen_at: finishedAt[0],
      last_seen_at: finishedAt[0],
      state: 'OK',
      open_problems: 0,
      definition: {
        name: defined.name,
        cron: defined.cron,
        target_duration_s: defined.target,
        description: null,
        metadata: { team: 'web' },
        updated_at: (byId.get(defined.id)?.definition as Row | null)?.updated_at,
      },
    });
    assert.match(String((byId.get(defined.id)?.definition as Row | undefined)?.updated_at), /Z$/);
    assert.equal(byId.get(undefinedRun.id)?.definition, null);
    assert.deepEqual(
      [byId.get(neverRun.id)?.service, byId.get(neverRun.id)?.last_seen_at, byId.get(neverRun.id)?.name],
      [null, null, neverRun.name],
    );
    assert.equal((byId.get(neverRun.id)?.definition as Row | undefined)?.cron, neverRun.cron);
    // The robot's newest run by start (a tie: the greater result_id), with where it ran.
    const last = [...uploaded]
      .sort((a, b) => a.started_at.localeCompare(b.started_at) || a.result_id.localeCompare(b.result_id))
      .at(-1) as Record<string, any>;
    assert.deepEqual(robots, [
      {
        robot_id: robotId,
        name: robotName,
        first_seen_at: finishedAt[0],
        last_seen_at: newest,
        last_run: {
          result_id: String(last.result_id).toLowerCase(),
          transaction_id: String(last.transaction_id).toLowerCase(),
          transaction_name: last.transaction_name,
          status: last.status,
          started_at: new Date(last.started_at).toISOString(),
          location: locationKey,
        },
      },
    ]);
    assert.deepEqual(locations, [
      {
        location: locationKey,
        ...location,
        first_seen_at: finishedAt[0],
        last_seen_at: newest,
        state: 'OK',
      },
    ]);
    // Filters: a project or service that names nothing is an empty list.
    assert.equal((await list('transactions', readKey, `?project=${project}&service=${service}`)).length, 2);
    assert.deepEqual(await list('services', readKey, '?project=nothing-here'), []);
  });

  test('the CSV of each list holds the same rows as its JSON (Accept: text/csv and ?format=csv)', async () => {
    const filters = {
      projects: '',
      services: `?project=${project}`,
      transactions: `?project=${project}&service=${service}`,
      robots: '',
      locations: `?country=${country}`,
    };
    // The test's own rows only: other files' projects and robots (their last_seen_at) move under
    // steady uploads meanwhile, so both answers are filtered to the test's own ids and names.
    const mine: Record<(typeof kinds)[number], (row: Row) => boolean> = {
      projects: (row) => row.name === project,
      services: () => true,
      transactions: () => true,
      robots: (row) => row.robot_id === robotId,
      locations: () => true,
    };
    for (const kind of kinds) {
      const path = `/api/v1/catalogue/${kind}${filters[kind]}`;
      const separator = filters[kind] === '' ? '?' : '&';
      const rows = (await list(kind, readKey, filters[kind])).filter(mine[kind]);
      const viaFormat = await get(`${path}${separator}format=csv`, readKey);
      const viaAccept = await get(path, readKey, { accept: 'text/csv' });
      assert.equal(viaFormat.status, 200);
      assert.match(viaFormat.headers.get('content-type') ?? '', /^text\/csv/);
      const [formatTable, acceptTable] = [await viaFormat.text(), await viaAccept.text()].map((text) =>
        (parse(text, { columns: true }) as Record<string, string>[]).filter(mine[kind]),
      ) as [Record<string, string>[], Record<string, string>[]];
      assert.deepEqual(acceptTable, formatTable, `${kind}: Accept: text/csv and ?format=csv`);
      assert.ok(rows.length > 0, `${kind}: the test's own rows at least`);
      const table = formatTable;
      assert.equal(table.length, rows.length, kind);
      table.forEach((csvRow, i) => {
        const row = rows[i] as Row;
        const definition = (row.definition ?? null) as Row | null;
        for (const [column, cell] of Object.entries(csvRow)) {
          // Nested objects are flattened: a robot's last_run.<x> is last_<x>, a definition's fields
          // keep their names (updated_at is definition_updated_at).
          const value =
            column in row
              ? row[column]
              : column === 'definition_updated_at'
                ? definition?.updated_at
                : kind === 'robots'
                  ? (row.last_run as Row | null)?.[column.replace(/^last_/, '')]
                  : definition?.[column];
          assert.equal(
            cell,
            value === null || value === undefined ? '' : String(value),
            `${kind}[${i}].${column}`,
          );
        }
      });
    }
  });

  test('the current state comes from the open events: critical, then warning, then cleared', async () => {
    const event = async (action: 'open' | 'clear', severity: string, kind: string, minutes: number) => {
      // The console only reads; the events are the synth-store's rows, written here as it writes them.
      await pipeline.database.pool.query(
        `INSERT INTO synth_events (event_id, action, kind, severity, transaction_id, transaction_name, service,
           environment, location, occurred_at, value, text, suppressed, source_topic, source_partition, source_offset)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'production', $8, now() - make_interval(mins => $9), '', '', false, 'test', 0, 0)`,
        [randomUUID(), action, kind, severity, defined.id, defined.name, service, locationKey, minutes],
      );
    };
    const states = async () => {
      const [projects, services, transactions, locations] = (await Promise.all(
        (['projects', 'services', 'transactions', 'locations'] as const).map((kind) => own[kind]()),
      )) as [Row[], Row[], Row[], Row[]];
      return [
        projects[0]?.state,
        services[0]?.state,
        transactions.find((t) => t.transaction_id === defined.id)?.state,
        transactions.find((t) => t.transaction_id === undefinedRun.id)?.state,
        locations[0]?.state,
      ];
    };
    await event('open', 'critical', 'availability', 10);
    await event('open', 'warning', 'performance', 9);
    assert.deepEqual(await states(), ['CRITICAL', 'CRITICAL', 'CRITICAL', 'OK', 'CRITICAL']);
    await event('clear', 'normal', 'availability', 5);
    assert.deepEqual(await states(), ['WARNING', 'WARNING', 'WARNING', 'OK', 'WARNING']);
    await event('clear', 'normal', 'performance', 4);
    assert.deepEqual(await states(), ['OK', 'OK', 'OK', 'OK', 'OK']);
  });

  test('a results:write key is 403, no key 401, a read key made with the CLI works until it is revoked (401 within 10 s)', async (t) => {
    const created = await keys('create', '--scope', 'read', '--name', `console-it-${tag}`);
    assert.equal(created.code, 0, created.output);
    const id = /^id: ([0-9a-f]{16})$/m.exec(created.output)?.[1];
    const managed = /^key: (pa_\S+)$/m.exec(created.output)?.[1];
    assert.ok(id !== undefined && managed !== undefined, created.output);
    managedKeys.push(id);
    await waitFor(
      'the console to know the new key',
      async () => (await get('/api/v1/catalogue/robots', managed)).status === 200,
      10_000,
    );

    for (const kind of kinds) {
      const path = `/api/v1/catalogue/${kind}`;
      const forbidden = await get(path, writeOnlyKey);
      assert.equal(forbidden.status, 403, kind);
      checker.assertDocumented(operationOf[kind], 403, await forbidden.json());
      const missing = await get(path, null);
      assert.equal(missing.status, 401, kind);
      checker.assertDocumented(operationOf[kind], 401, await missing.json());
      assert.equal((await get(path, managed)).status, 200, kind);
    }

    const revoked = await keys('revoke', id);
    assert.equal(revoked.code, 0, revoked.output);
    const revokedAt = Date.now();
    await waitFor(
      'the console to refuse the revoked key',
      async () => (await get('/api/v1/catalogue/robots', managed)).status === 401,
      10_000,
      100,
    );
    const tookMs = Date.now() - revokedAt;
    for (const kind of kinds)
      assert.equal((await get(`/api/v1/catalogue/${kind}`, managed)).status, 401, kind);
    t.diagnostic(`revoked key refused ${tookMs} ms after 'keys revoke' returned`);
  });

  test("the console's PostgreSQL sessions are read only (a write fails in the server) and bounded", async () => {
    const stores = openStores({
      postgres: { url: pipeline.database.url, pool_max: 1 },
      minio: { ...stack.minio(), bucket: 'unused', region: 'us-east-1' },
      victoriaMetricsUrl: stack.victoriaMetricsUrl(),
      victoriaLogsUrl: stack.victoriaLogsUrl(),
      maxPeriodDays: 1,
      statementTimeoutMs: 200,
      exportStatementTimeoutMs: 1000,
    });
    try {
      // statement_timeout: a statement longer than the bound is cancelled by the server.
      await assert.rejects(stores.postgres.query('SELECT pg_sleep(5)'), /statement timeout/);
      const stored = await pipeline.storedCount();
      await assert.rejects(
        stores.postgres.query('DELETE FROM synth_runs'),
        /cannot execute DELETE in a read-only transaction/,
      );
      // Other tests' runs may still arrive; none may have gone.
      assert.ok((await pipeline.storedCount()) >= stored);
    } finally {
      await stores.postgres.end();
    }
  });

  test('unknown or bad parameters are a 400 naming each; requests are counted per operation', async () => {
    const response = await get('/api/v1/catalogue/services?project=&colour=red&format=xml', readKey);
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { fields: { path: string }[] } };
    checker.assertDocumented('listServices', 400, body);
    assert.deepEqual(body.error.fields.map((field) => field.path).sort(), ['colour', 'format', 'project']);
    const metrics = await (await fetch(`${consoleProcess.url}/metrics`)).text();
    assert.match(
      metrics,
      /^primoart_console_request_duration_seconds_count\{operation="listServices",code="400"\} [1-9]/m,
    );
    assert.match(metrics, /^primoart_console_auth_failures_total\{reason="missing_key"\} [1-9]/m);
  });
});
