// The web console in a real Chromium over the real stack: a pipeline of the test's own (gateway,
// synth-store, artifact-store; its own database and bucket) holds a simulated fleet of two weeks
// (one transaction named as an XSS payload) and a failed run uploaded through the gateway with its
// screenshots and log; a console of the test's own serves the pages. The browser logs in with a
// read key, checks that the overview's SLA per project is the API's, opens a transaction's chart
// with its band and the failed run's screenshot and log, sees the hostile name as text with no
// dialog and no script run, never a console error or CSP violation; a login's `next` cannot leave
// the console; logout ends access, for pages and the API alike.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { sha256Hex } from '../../core/sha256.ts';
import { defaultSeasonality, type FleetPlan, fleetTransactions } from '../../scripts/fleet/fleet-plan.ts';
import { toBaselineRecord } from '../../workers/baseline/baseline-record.ts';
import { BaselineStore } from '../../workers/baseline/baseline-store.ts';
import { forecastTransaction } from '../../workers/baseline/forecast.ts';
import { toForecastRecord } from '../../workers/baseline/forecast-record.ts';
import { insertUrl, toNdjson } from '../../workers/logs-store/victoria-logs-writer.ts';
import { writeBaselines, writeForecasts } from '../../workers/synth-store/baselines-writer.ts';
import {
  type ArtifactStoreTest,
  resultWithScreenshots,
  startArtifactStoreTest,
} from './artifact-store-pipeline.ts';
import { openBrowser, screenshot, watchPage } from './browser.ts';
import { startConsole, type TestConsole } from './console.ts';
import { fleetRuns, storeRuns } from './read-model-fleet.ts';
import { runCli, stack, waitFor } from './stack.ts';

// The callbacks given to page.evaluate run in the browser: this Node program has no DOM types.
declare const document: any;
interface ImageElement {
  complete: boolean;
  naturalWidth: number;
  addEventListener(type: string, listener: (value: unknown) => void, options: { once: boolean }): void;
}

const readKey = `test-read-${randomUUID()}`;
const hostileName = '<img src=x onerror=alert(1)>';
const silentRobot = 'robot-singapore-01';
/** The failed run's trace: its spans are in VictoriaLogs as logs-store writes OTLP spans. */
const traceId = randomUUID().replaceAll('-', '');
const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** The contract's full example as a failed run an hour ago, every time in it moved alike. */
function failedRunWithScreenshots(): Record<string, any> {
  const result: Record<string, any> = resultWithScreenshots();
  const shift = Date.now() - hourMs - Date.parse(result.started_at);
  const moved = (text: string) => new Date(Date.parse(text) + shift).toISOString();
  result.started_at = moved(result.started_at);
  result.finished_at = moved(result.finished_at);
  result.steps = result.steps.map((step: Record<string, any>, index: number) => ({
    ...step,
    started_at: moved(step.started_at),
    finished_at: moved(step.finished_at),
    status: index === 2 ? 'FAIL' : step.status,
  }));
  result.status = 'FAIL';
  result.error_message = 'payment page answered 502 <b>Bad Gateway</b>';
  result.attributes = { ...result.attributes, traceparent: `00-${traceId}-00f067aa0ba902b7-01` };
  return result;
}

/**
 * The failed run's trace as logs-store writes spans (workers/logs-store/log-entries.ts): the
 * payment call failed under the checkout's root span.
 */
async function writeSpans(): Promise<void> {
  const start = Date.now() - hourMs;
  const span = (
    id: string,
    parent: string | null,
    name: string,
    service: string,
    offsetMs: number,
    ms: number,
    error = false,
  ) => ({
    kind: 'otel.span',
    service,
    environment: 'production',
    _time: new Date(start + offsetMs).toISOString(),
    _msg: error ? `${name}: 502 Bad Gateway` : name,
    entry_id: `console-web-it/${traceId}/${id}`,
    trace_id: traceId,
    span_id: id,
    ...(parent === null ? {} : { parent_span_id: parent }),
    span_name: name,
    span_kind: parent === null ? 'SERVER' : 'CLIENT',
    status_code: error ? 'ERROR' : 'OK',
    ...(error ? { status_message: '502 Bad Gateway' } : {}),
    duration_ms: ms,
  });
  const entries = [
    span('00f067aa0ba902b7', null, 'POST /checkout', 'webshop', 0, 4200, true),
    span('1a2b3c4d5e6f7081', '00f067aa0ba902b7', 'SELECT cart', 'webshop-db', 120, 35),
    span('2b3c4d5e6f708192', '00f067aa0ba902b7', 'charge card', 'payments', 300, 3800, true),
  ];
  const response = await fetch(insertUrl(stack.victoriaLogsUrl()), {
    method: 'POST',
    body: toNdjson(entries),
  });
  assert.ok(response.ok, `VictoriaLogs took the spans: ${response.status}`);
}

describe('web console in a browser', () => {
  let artifacts: ArtifactStoreTest;
  let consoleProcess: TestConsole;
  let browser: Browser;
  const failed = failedRunWithScreenshots();
  // Ids of this test's own: other test files upload the fleet generator's (fixed) transactions and
  // robots meanwhile, and this test's synth-store stores what they upload too.
  const [first, second, third] = fleetTransactions(3, 15).map((journey) => ({
    ...journey,
    id: randomUUID(),
  }));
  if (first === undefined || second === undefined || third === undefined) throw new Error('three journeys');
  const hostile = { ...third, name: hostileName };
  /** The generator's robot ids → this test's own; this test's robots by id → name. */
  const robotIds = new Map<string, string>();
  const fleetRobots = new Map<string, string>();
  const outageStart = new Date(Date.now() - 10 * hourMs);
  const outageEnd = new Date(Date.now() - 8 * hourMs);
  const plan: FleetPlan = {
    seed: 1212,
    from: new Date(Math.floor((Date.now() - 14 * dayMs) / hourMs) * hourMs),
    to: new Date(Math.floor(Date.now() / 60_000) * 60_000),
    transactions: [first, second, hostile],
    seasonality: defaultSeasonality,
    scenarios: [
      {
        kind: 'outage',
        transactionId: first.id,
        robotName: 'robot-singapore-01',
        from: outageStart,
        to: outageEnd,
      },
    ],
    environment: 'production',
  };

  const api = async (path: string, query: Record<string, string>) => {
    const response = await fetch(`${consoleProcess.url}${path}?${new URLSearchParams(query)}`, {
      headers: { authorization: `Bearer ${readKey}` },
    });
    assert.equal(response.status, 200, path);
    return (await response.json()) as any;
  };

  /** A fresh browser context (no cookies), logged in with `key` when given. */
  const newSession = async (
    key?: string,
  ): Promise<{ context: BrowserContext; page: Page; watch: ReturnType<typeof watchPage> }> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const watch = watchPage(page, consoleProcess.url);
    if (key !== undefined) {
      await page.goto(`${consoleProcess.url}/login`);
      await page.fill('#key', key);
      await Promise.all([page.waitForURL(`${consoleProcess.url}/`), page.click('button[type=submit]')]);
    }
    return { context, page, watch };
  };

  before(async () => {
    artifacts = await startArtifactStoreTest();
    const { setup, database } = artifacts.pipeline;
    // A nightly maintenance window of the webshop service, from the event detector's section of the
    // same file (the console reads it there to shade the chart).
    const config = parse(readFileSync(setup.configFile, 'utf8')) as Record<string, any>;
    config.workers['event-detector'] = {
      ...(config.workers['event-detector'] ?? {
        listen: '127.0.0.1:1',
        state_file: '/nonexistent/detector.sqlite',
      }),
      maintenance_windows: [
        {
          id: 'nightly-release',
          service: first.service,
          weekly: {
            days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
            start: '02:00',
            end: '03:00',
            time_zone: 'Europe/Berlin',
          },
        },
      ],
    };
    writeFileSync(setup.configFile, stringify(config), { mode: 0o600 });
    // Kept as soon as it runs: if the other half fails, `after` must still stop it, or its process
    // keeps this file's test runner alive for good (seen: 14 min until killed by hand).
    await Promise.all([
      startConsole(setup, {
        api_keys: [{ name: 'reader', sha256: sha256Hex(readKey), scopes: ['read'] }],
        failed_auth_burst: 1_000_000,
      }).then((started) => {
        consoleProcess = started;
      }),
      (async () => {
        // One robot stopped reporting three hours ago: the robots page must single it out.
        const runs = fleetRuns(plan)
          .filter(
            (run) =>
              !(
                run.robot_name === silentRobot && new Date(run.started_at).getTime() > Date.now() - 3 * hourMs
              ),
          )
          .map((run) => {
            const robotId = robotIds.get(run.robot_id) ?? randomUUID();
            robotIds.set(run.robot_id, robotId);
            fleetRobots.set(robotId, run.robot_name ?? '');
            return { ...run, robot_id: robotId };
          });
        await storeRuns(database.pool, runs);
        // The baseline worker's model of the same runs, stored as synth-store stores its records:
        // the transaction chart's band and forecast.
        const model = new BaselineStore(':memory:');
        model.ingest(runs);
        const now = new Date();
        const forecasts = plan.transactions
          .map((journey) =>
            toForecastRecord(
              { id: journey.id, name: journey.name },
              model.dailyHistory(journey.id).length,
              forecastTransaction(model.dailyHistory(journey.id)),
              now,
            ),
          )
          .filter((record) => record !== undefined);
        await writeBaselines(
          database.pool,
          model.listBaselines().map((series, index) => ({
            record: toBaselineRecord(series, now),
            source: { partition: 0, offset: String(index) },
          })),
        );
        await writeForecasts(
          database.pool,
          forecasts.map((record, index) => ({ record, source: { partition: 0, offset: String(index) } })),
        );
        model.close();
        // The problem the event detector would open and clear for the outage (the detector itself is
        // tested in event-detector and alerting): the chart's markers and the events page show it.
        const judged = `SELECT r.transaction_id, r.transaction_name, r.service, r.environment, r.finished_at,
            r.result_id, synth_location_key(r.location_country, r.location_region, r.location_city) AS location
          FROM synth_runs r WHERE r.transaction_id = $1 AND r.robot_name = $2`;
        for (const [action, severity, where, text] of [
          [
            'open',
            'critical',
            "status = 'FAIL' AND started_at >= $3 ORDER BY started_at OFFSET 2",
            '3 runs in a row failed',
          ],
          ['clear', 'normal', "status = 'OK' AND started_at > $3 ORDER BY started_at", 'runs pass again'],
        ] as const)
          await database.pool.query(
            `INSERT INTO synth_events (event_id, action, kind, severity, transaction_id, transaction_name, service,
               environment, location, occurred_at, value, text, suppressed, source_topic, source_partition,
               source_offset, result_id)
             SELECT gen_random_uuid(), '${action}', 'availability', '${severity}', transaction_id, transaction_name,
               service, environment, location, finished_at, '3 of 3', '${text}', false, 'test', 0, 0, result_id
             FROM (${judged} AND ${where} LIMIT 1) run`,
            [first.id, 'robot-singapore-01', action === 'clear' ? outageEnd : outageStart],
          );
      })(),
      (async () => {
        await artifacts.uploadAccepted(failed);
        await artifacts.waitUntilStored([failed.result_id], 60_000);
      })(),
    ]);
    await writeSpans();
    browser = await openBrowser();
  });

  after(async () => {
    await browser?.close();
    await consoleProcess?.stop();
    await artifacts?.close();
  });

  test('every page and asset needs a session; a login cannot send the browser elsewhere', async () => {
    for (const path of ['/', '/transactions', `/transactions/${first.id}`, '/assets/console.css']) {
      const response = await fetch(`${consoleProcess.url}${path}`, { redirect: 'manual' });
      if (path.startsWith('/assets/')) assert.equal(response.status, 401, path);
      else {
        assert.equal(response.status, 303, path);
        assert.equal(response.headers.get('location'), `/login?next=${encodeURIComponent(path)}`);
      }
    }
    const { context, page, watch } = await newSession();
    await page.goto(`${consoleProcess.url}/login?next=${encodeURIComponent('//evil.example/')}`);
    await page.fill('#key', 'not a key');
    await page.click('button[type=submit]');
    assert.match((await page.textContent('[role=alert]')) ?? '', /not accepted/);
    await page.fill('#key', readKey);
    await Promise.all([page.waitForURL(/\/$/), page.click('button[type=submit]')]);
    assert.equal(new URL(page.url()).origin, consoleProcess.url, 'still on the console');
    assert.equal(new URL(page.url()).pathname, '/');
    // The 401 of the wrong key is the one response the browser may report.
    watch.assertClean({ allowStatus: [401] });
    await context.close();
  });

  test('the overview shows the API’s SLA per project, the hostile name as text, and no error', async () => {
    const { context, page, watch } = await newSession(readKey);
    let dialogs = 0;
    page.on('dialog', () => {
      dialogs += 1;
    });
    // This test's synth-store also stores what other test files upload meanwhile: the page and the
    // API are compared over the page's own period once an answer of the API holds still across the
    // page's rendering (a few tries at most).
    const shownRows = () =>
      page.$$eval('#project-sla tbody tr', (rows) =>
        rows.map((row) => [
          row.getAttribute('data-project'),
          row.querySelector('[data-sla]')?.textContent?.trim(),
        ]),
      );
    const expectedRows = (sla: any) =>
      sla.rows.map((row: any) => [
        row.project ?? '',
        row.sla_percent === null ? '–' : `${row.sla_percent.toFixed(2)} %`,
      ]);
    let compared: { shown: unknown; expected: unknown } | undefined;
    for (let attempt = 0; attempt < 5 && compared === undefined; attempt += 1) {
      await page.goto(`${consoleProcess.url}/?period=7d`);
      const table = page.locator('#project-sla');
      const query = {
        level: 'project',
        from: (await table.getAttribute('data-from')) as string,
        to: (await table.getAttribute('data-to')) as string,
        tz: 'UTC',
        limit: '200',
      };
      const before = expectedRows(await api('/api/v1/sla', query));
      const shown = await shownRows();
      const after = expectedRows(await api('/api/v1/sla', query));
      if (JSON.stringify(before) === JSON.stringify(after)) compared = { shown, expected: after };
      else await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    assert.ok(compared !== undefined, 'the SLA held still for one page load');
    assert.deepEqual(compared.shown, compared.expected);
    assert.ok(
      (compared.shown as string[][]).some(([project]) => project === 'fleet-simulation'),
      'the fleet is shown',
    );
    assert.equal(await page.title(), 'Overview · PrimoART');

    // The hostile transaction, on the overview if it is among the worst, and on its own page.
    await page.goto(`${consoleProcess.url}/transactions/${hostile.id}?period=7d`);
    assert.equal((await page.locator('h1').textContent())?.trim(), hostileName);
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element made of the name');
    assert.equal(await page.title(), `${hostileName} · PrimoART`);
    assert.equal(dialogs, 0, 'no script ran');
    await screenshot(page, 'transaction-hostile');
    watch.assertClean();
    await context.close();
  });

  test('a transaction’s chart has the learned band; a failed run shows its screenshot and log', async () => {
    const { context, page, watch } = await newSession(readKey);
    await page.goto(`${consoleProcess.url}/transactions/${first.id}?period=7d`);
    await page.waitForSelector('body[data-charts-ready="true"]');
    const series = await page.evaluate(async () => {
      const url = document.querySelector('meta[name="primoart-echarts"]').content;
      const echarts = await import(url);
      const chart = echarts.getInstanceByDom(document.getElementById('duration-chart'));
      return (
        chart.getOption().series as Array<{
          name: string;
          data: Array<[number, number | null]>;
          markArea?: { data?: unknown[] };
        }>
      ).map((one) => ({
        name: one.name,
        values: one.data.filter((point) => point[1] !== null).length,
        shaded: one.markArea?.data?.length ?? 0,
      }));
    });
    const band = series.find((one) => one.name === 'band p10–p90');
    const p50 = series.find((one) => one.name === 'p50');
    assert.ok(p50 !== undefined && p50.values > 24, JSON.stringify(series));
    assert.ok(band !== undefined && band.values > 0, `the band is drawn: ${JSON.stringify(series)}`);
    // The nightly window, once a day over the 7 days (a part at each end, perhaps).
    const shaded = series.reduce((sum, one) => sum + one.shaded, 0);
    assert.ok(shaded >= 7 && shaded <= 8, `maintenance windows shaded: ${JSON.stringify(series)}`);
    // The same windows from the read API: an hour each, 02:00 in Berlin.
    const from = new Date(Date.now() - 7 * dayMs).toISOString();
    const maintenance = await api('/api/v1/maintenance-windows', { transaction: first.id, from });
    assert.ok(maintenance.windows.length >= 7, JSON.stringify(maintenance));
    for (const window of maintenance.windows.slice(1, -1)) {
      assert.equal(Date.parse(window.to) - Date.parse(window.from), hourMs);
      assert.match(
        new Date(window.from).toLocaleTimeString('en-GB', { timeZone: 'Europe/Berlin' }),
        /^02:00/,
      );
    }
    const unknown = await fetch(
      `${consoleProcess.url}/api/v1/maintenance-windows?transaction=${randomUUID()}`,
      { headers: { authorization: `Bearer ${readKey}` } },
    );
    assert.equal(unknown.status, 404);
    // Robots may send any 8-4-4-4-12 hex id (not only RFC 4122 versions): such an id is a 404 when
    // unknown, never a 400, so a transaction or run named by one can be opened.
    for (const path of [
      '/api/v1/transactions/12345678-1234-0234-c234-123456789abc',
      '/api/v1/runs/12345678-1234-0234-c234-123456789abc/12345678-1234-0234-c234-123456789abd',
    ]) {
      const answer = await fetch(`${consoleProcess.url}${path}`, {
        headers: { authorization: `Bearer ${readKey}` },
      });
      assert.equal(answer.status, 404, path);
    }
    const forecast = series.find((one) => one.name === 'forecast p50');
    assert.ok(
      forecast !== undefined && forecast.values > 0,
      `the forecast is drawn: ${JSON.stringify(series)}`,
    );
    // The charts, not the 50 runs below them: the window, made taller.
    await page.setViewportSize({ width: 1280, height: 1500 });
    await screenshot(page, 'transaction', { fullPage: false });

    await page.goto(
      `${consoleProcess.url}/runs/${String(failed.robot_id).toLowerCase()}/${failed.result_id}?period=24h`,
    );
    await page.waitForSelector('.shots img');
    const widths = await page.$$eval('.shots img', async (images) => {
      await Promise.all(
        (images as ImageElement[]).map((image) =>
          image.complete
            ? undefined
            : new Promise((resolve) => image.addEventListener('load', resolve, { once: true })),
        ),
      );
      return (images as ImageElement[]).map((image) => image.naturalWidth);
    });
    assert.equal(widths.length, failed.screenshots.length);
    for (const width of widths) assert.ok(width > 0, `every screenshot loaded: ${widths}`);
    const log = await page.locator('#run-log').textContent();
    assert.ok(log?.includes('order 4711 confirmed'), log ?? '');
    assert.ok((await page.textContent('main'))?.includes(failed.error_message), 'the error, as text');
    // The run names its trace (traceparent): its spans, as a waterfall. VictoriaLogs makes new
    // entries searchable within a second or so.
    const traceLink = `/traces/${traceId}`;
    await waitFor(
      'the trace’s spans searchable',
      async () =>
        (
          await fetch(`${consoleProcess.url}/api/v1${traceLink}`, {
            headers: { authorization: `Bearer ${readKey}` },
          })
        ).status === 200,
      15_000,
      500,
    );
    await Promise.all([
      page.waitForURL((url) => url.pathname === traceLink),
      page.click(`a[href^="${traceLink}"]`),
    ]);
    assert.equal(await page.locator('#spans tbody tr').count(), 3);
    await page.waitForSelector('body[data-charts-ready="true"]');
    assert.equal(await page.locator('#spans .state-bad').count(), 2, 'the failed spans stand out');
    await screenshot(page, 'trace');
    watch.assertClean();
    await context.close();
  });

  test('every page answers, paged and without an error; a silent robot stands out', async () => {
    const { context, page, watch } = await newSession(readKey);
    const open = async (path: string, name: string) => {
      const response = await page.goto(`${consoleProcess.url}${path}`);
      assert.equal(response?.status(), 200, path);
      // A page with charts says when they are drawn.
      if ((await page.locator('script[type=module]').count()) > 0)
        await page.waitForSelector('body[data-charts-ready="true"]');
      await screenshot(page, name);
    };
    await open('/?period=7d', 'overview');
    assert.ok(
      /^[1-9]\d* silent$/.test((await page.locator('.pill-group .pill').last().textContent()) ?? ''),
      'the overview counts the silent robot',
    );
    // This synth-store also stores what other test files upload meanwhile, failing transactions and
    // robots among them, which rank before this test's: a list is read over all its pages.
    const everyPage = async <T>(read: () => Promise<T[]>): Promise<T[]> => {
      const rows = await read();
      for (let pages = 1; pages < 50; pages++) {
        const next = page.locator('.pager a[rel=next]');
        if ((await next.count()) === 0) break;
        await page.goto(`${consoleProcess.url}${await next.getAttribute('href')}`);
        rows.push(...(await read()));
      }
      return rows;
    };
    await open('/transactions?period=7d', 'transactions');
    assert.equal((await page.locator('#transactions canvas').count()) > 0, true, 'trend lines drawn');
    // Every transaction with runs is listed, each with its p50 and trend, the API's SLA.
    const listed = await everyPage(() =>
      page.$$eval('#transactions tbody tr', (rows) =>
        rows.map((row) => row.getAttribute('data-transaction')),
      ),
    );
    await open('/transactions?period=7d', 'transactions');
    for (const id of [...plan.transactions.map((t) => t.id), String(failed.transaction_id).toLowerCase()])
      assert.ok(listed.includes(id), `${id} is listed`);
    await page.fill('input[name=q]', 'onerror');
    await Promise.all([page.waitForURL(/q=onerror/), page.click('form.filters button[type=submit]')]);
    const found = await page.$$eval('#transactions tbody tr', (rows) =>
      rows.map((row) => [row.getAttribute('data-transaction'), row.querySelector('th')?.textContent ?? '']),
    );
    assert.ok(
      found.some(([id]) => id === hostile.id),
      JSON.stringify(found),
    );
    for (const [, name] of found) assert.match(name as string, /onerror/i, 'only names that match');
    await open('/robots?period=7d', 'robots');
    // The fleet's robot that stopped reporting is marked and listed first; the fleet's others are not.
    const robotRows = await everyPage(() =>
      page.$$eval('#robots tbody tr', (rows) =>
        rows.map((row) => [row.getAttribute('data-robot'), row.getAttribute('class') ?? '']),
      ),
    );
    const firstNotSilent = robotRows.findIndex(([, mark]) => mark !== 'silent');
    assert.equal(fleetRobots.size, 3);
    for (const [robotId, robotName] of fleetRobots) {
      const at = robotRows.findIndex(([id]) => id === robotId);
      assert.ok(at >= 0, `${robotName} is listed`);
      const silent = robotName === silentRobot;
      assert.equal(robotRows[at]?.[1] === 'silent', silent, robotName);
      if (silent) assert.ok(firstNotSilent === -1 || at < firstNotSilent, 'silent robots first');
    }
    // The outage's problem, opened and cleared (other files' events may be stored here too).
    await open(`/events?period=7d&transaction=${first.id}`, 'events');
    assert.equal(await page.locator('table.events tbody tr').count(), 2, 'the outage opened and cleared');
    assert.equal(await page.locator('table.events a', { hasText: 'the run' }).count(), 2);
    await open('/pipeline', 'pipeline');
    assert.ok((await page.locator('#processes tbody tr').count()) >= 1, 'the stack’s processes');
    // The failed run's waterfall: one bar per step, the failed one in the failure colour.
    await open(`/runs/${String(failed.robot_id).toLowerCase()}/${failed.result_id}`, 'run');
    const bars = await page.evaluate(async () => {
      const url = document.querySelector('meta[name="primoart-echarts"]').content;
      const echarts = await import(url);
      const chart = echarts.getInstanceByDom(document.getElementById('waterfall-chart'));
      return chart.getOption().series[1].data.length;
    });
    assert.equal(bars, failed.steps.length);
    watch.assertClean();
    await context.close();
  });

  test('logout ends the session for pages and for the API', async () => {
    const { context, page, watch } = await newSession(readKey);
    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === 'primoart_session');
    assert.ok(session !== undefined);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    const withCookie = (path: string) =>
      fetch(`${consoleProcess.url}${path}`, {
        headers: { cookie: `primoart_session=${session.value}` },
        redirect: 'manual',
      });
    assert.equal((await withCookie('/api/v1/catalogue/projects')).status, 200, 'the API takes the session');
    await Promise.all([page.waitForURL(/\/login$/), page.click('form.logout button')]);
    await page.goto(`${consoleProcess.url}/`);
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal((await withCookie('/')).status, 303);
    assert.equal((await withCookie('/api/v1/catalogue/projects')).status, 401);
    watch.assertClean();
    await context.close();
  });

  test('a revoked key ends its sessions within 10 s', async (t) => {
    const keys = (...args: string[]) =>
      runCli(['keys', ...args, '--config.file', artifacts.pipeline.setup.configFile]);
    const created = await keys(
      'create',
      '--scope',
      'read',
      '--name',
      `console-web-${randomUUID().slice(0, 8)}`,
    );
    assert.equal(created.code, 0, created.output);
    const id = /^id: ([0-9a-f]{16})$/m.exec(created.output)?.[1] as string;
    const managed = /^key: (pa_\S+)$/m.exec(created.output)?.[1] as string;
    assert.ok(id !== undefined && managed !== undefined, created.output);
    try {
      // The console learns a managed key from the keys topic: log in once it does.
      let session: Awaited<ReturnType<typeof newSession>> | undefined;
      await waitFor(
        'a login with the new key',
        async () => {
          const attempt = await newSession();
          await attempt.page.goto(`${consoleProcess.url}/login`);
          await attempt.page.fill('#key', managed);
          await attempt.page.click('button[type=submit]');
          await attempt.page.waitForLoadState();
          if (new URL(attempt.page.url()).pathname === '/') session = attempt;
          else await attempt.context.close();
          return session !== undefined;
        },
        15_000,
        500,
      );
      const { context, page } = session as Awaited<ReturnType<typeof newSession>>;
      const revoked = await keys('revoke', id);
      assert.equal(revoked.code, 0, revoked.output);
      const revokedAt = Date.now();
      await waitFor(
        'the session to end',
        async () => {
          await page.goto(`${consoleProcess.url}/robots`);
          return new URL(page.url()).pathname === '/login';
        },
        10_000,
        250,
      );
      t.diagnostic(`the session ended ${Date.now() - revokedAt} ms after 'keys revoke' returned`);
      await context.close();
    } finally {
      await keys('revoke', id);
    }
  });

  test('on a 390 px phone the overview needs no sideways scrolling', async () => {
    const { context, page, watch } = await newSession(readKey);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${consoleProcess.url}/`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page is ${width} px wide`);
    await screenshot(page, 'overview-phone');
    // Keyboard: the first Tab reaches the skip link, Enter moves to the content.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    watch.assertClean();
    await context.close();
  });
});
