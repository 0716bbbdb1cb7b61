// The web console's pieces that need no browser: sessions (expiry, eviction), where a login may
// send the browser (no open redirect), the period a page's query names, and that templates show
// hostile text as text.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { instantOf, viewPeriod } from '../../../console/web/period.ts';
import { format, jsonForScript, render } from '../../../console/web/render.ts';
import { safeNext, type WebPage } from '../../../console/web/router.ts';
import { createSessionStore } from '../../../console/web/sessions.ts';

const hour = 3_600_000;

describe('sessions', () => {
  const store = (now: { t: number }) =>
    createSessionStore({ ttlMs: 12 * hour, idleMs: 2 * hour, maxSessions: 3, now: () => now.t });

  it('finds a session by its id, and only by it', () => {
    const now = { t: 0 };
    const sessions = store(now);
    const id = sessions.create('a'.repeat(64), 'config:reader');
    assert.equal(sessions.find(id)?.keyId, 'config:reader');
    assert.equal(sessions.find(`${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`), undefined);
    assert.equal(sessions.find('not-an-id'), undefined);
  });

  it('ends a session after the idle time, and after the absolute time however much it is used', () => {
    const now = { t: 0 };
    const sessions = store(now);
    const idle = sessions.create('a'.repeat(64), 'k1');
    const busy = sessions.create('b'.repeat(64), 'k2');
    for (now.t = hour; now.t < 12 * hour; now.t += hour) assert.ok(sessions.find(busy));
    assert.equal(sessions.find(idle), undefined, 'unused for more than 2 h');
    now.t = 12 * hour;
    assert.equal(sessions.find(busy), undefined, '12 h after login');
  });

  it('ends the oldest session to make room, and sweeps expired ones', () => {
    const now = { t: 0 };
    const sessions = store(now);
    const ids = ['1', '2', '3', '4'].map((n) => sessions.create(n.repeat(64), n));
    assert.equal(sessions.size(), 3);
    assert.equal(sessions.find(ids[0] as string), undefined);
    assert.ok(sessions.find(ids[3] as string));
    now.t = 3 * hour;
    assert.equal(sessions.sweep(), 3);
    assert.equal(sessions.size(), 0);
  });

  it('one key logging in again and again ends only its own oldest sessions', () => {
    const sessions = createSessionStore({ ttlMs: hour, idleMs: hour, maxSessions: 10, maxPerKey: 2 });
    const other = sessions.create('o'.repeat(64), 'other');
    const mine = [1, 2, 3, 4, 5].map(() => sessions.create('m'.repeat(64), 'mine'));
    assert.ok(sessions.find(other), 'another key’s session stays');
    assert.deepEqual(
      mine.map((id) => sessions.find(id) !== undefined),
      [false, false, false, true, true],
    );
    assert.equal(sessions.size(), 3);
  });

  it('logout ends it', () => {
    const sessions = store({ t: 0 });
    const id = sessions.create('a'.repeat(64), 'k');
    sessions.end(id);
    assert.equal(sessions.find(id), undefined);
  });
});

describe('where a login sends the browser', () => {
  const pages = [{ path: '/' }, { path: '/transactions/:id' }, { path: '/events' }] as WebPage[];
  it('a page of the console, with its query', () => {
    assert.equal(safeNext('/transactions/abc?period=7d&tz=UTC', pages), '/transactions/abc?period=7d&tz=UTC');
    assert.equal(safeNext('/events', pages), '/events');
  });
  it('anything else goes to the overview', () => {
    for (const next of [
      '//evil.example',
      '//evil.example/events',
      '/\\evil.example',
      '/\t/evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      '/api/v1/sla',
      '/assets/console.css',
      '/nowhere',
      '/events/../../api/v1/sla',
      '',
      undefined,
      ['/', '//evil.example'],
    ])
      assert.equal(safeNext(next, pages), '/', String(next));
  });
});

describe('the period of a page', () => {
  const now = new Date('2026-07-15T10:17:00Z');
  const options = { now, defaultTz: 'UTC', maxPeriodDays: 92 };

  it('today starts at midnight of the chosen zone', () => {
    const period = viewPeriod({ period: 'today', tz: 'Europe/Berlin' }, options);
    assert.equal(period.from.toISOString(), '2026-07-14T22:00:00.000Z');
    assert.equal(period.to.toISOString(), now.toISOString());
  });

  it('presets count back from now; 24 h by default', () => {
    assert.equal(viewPeriod({}, options).from.toISOString(), '2026-07-14T10:17:00.000Z');
    assert.equal(viewPeriod({ period: '30d' }, options).from.toISOString(), '2026-06-15T10:17:00.000Z');
  });

  it('a custom period is read in the chosen zone, over a DST change too', () => {
    const period = viewPeriod(
      { period: 'custom', from: '2026-03-28T12:00', to: '2026-03-29T12:00', tz: 'Europe/Berlin' },
      { ...options, now: new Date('2026-04-01T00:00:00Z') },
    );
    assert.deepEqual(period.problems, []);
    assert.equal(period.from.toISOString(), '2026-03-28T11:00:00.000Z');
    assert.equal(period.to.toISOString(), '2026-03-29T10:00:00.000Z');
    // 02:30 does not exist in Berlin on 29 March: read with the offset before the change.
    assert.equal(
      instantOf({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin').toISOString(),
      '2026-03-29T01:30:00.000Z',
    );
  });

  it('names what it could not read and shows the default instead', () => {
    const period = viewPeriod({ period: 'custom', from: 'yesterday', tz: 'Mars/Olympus' }, options);
    assert.deepEqual(
      period.problems.map((problem) => problem.path),
      ['tz', 'from'],
    );
    assert.equal(period.tz, 'UTC');
    assert.equal(period.preset, '24h');
    assert.equal(
      viewPeriod({ period: 'custom', from: '2026-01-01T00:00' }, options).problems[0]?.path,
      'from',
    );
  });
});

describe('how figures read', () => {
  it('durations: ms, seconds, then whole minutes and seconds (never 60 s)', () => {
    assert.deepEqual(
      [0, 999.6, 1_234, 9_999, 12_345, 59_960, 60_000, 119_700, 3_599_600].map(format.duration),
      ['0 ms', '1.00 s', '1.23 s', '10.0 s', '12.3 s', '1 min 0 s', '1 min 0 s', '2 min 0 s', '60 min 0 s'],
    );
  });
});

describe('hostile text in templates', () => {
  const corpus = join(import.meta.dirname, '../../corpus/hostile/cases');
  const hostile = [
    '<img src=x onerror=alert(1)>',
    '"><script>alert(1)</script>',
    "' onmouseover='alert(1)",
    '</script><script>alert(1)</script>',
    '\u2028<!--',
    ...readdirSync(corpus)
      .slice(0, 50)
      .map((file) => readFileSync(join(corpus, file), 'utf8').slice(0, 300)),
  ];

  /** No element, attribute or comment made of the text: only the templates' own tags are tags. */
  const assertShownAsText = (html: string, text: string, page: string) => {
    assert.ok(
      !/<(img|script)\b/i.test(
        html
          .replace(/<script type="module" src="[^"]*"><\/script>/g, '')
          .replace(/<script type="application\/json" id="page-data">[^<]*<\/script>/g, '')
          .replace(/<img src="[^"]*" alt="[^"]*" loading="lazy">/g, '')
          .replace(/<img alt="">/g, ''),
      ),
      `${page}: ${text}`,
    );
    for (const [tag] of html.matchAll(/<[a-zA-Z][^>]*>/g))
      assert.ok(
        !/\son\w+\s*=/i.test(tag.replace(/"[^"]*"/g, '""')),
        `${page}: an event handler attribute from ${JSON.stringify(text)}: ${tag}`,
      );
    assert.ok(!html.includes('<!--'), `${page}: ${text}`);
  };

  const common = (text: string, nav: string) => ({
    title: text,
    nav,
    keyName: text,
    path: '/',
    href: (path: string) => path,
    presets: [],
    period: {
      preset: '24h',
      tz: 'UTC',
      fromInput: text,
      toInput: '',
      problems: [{ path: text, problem: text }],
    },
  });
  const event = (text: string) => ({
    occurred_at: '2026-01-01T00:00:00Z',
    action: text,
    severity: text,
    kind: text,
    transaction_id: text,
    transaction_name: text,
    location: text,
    robot_id: text,
    result_id: text,
    suppressed: true,
    text,
    locations: [],
    locations_total: 1,
  });
  // A transaction's problem names its failing locations (robot text) instead of one.
  const transactionEvent = (text: string) => ({
    ...event(text),
    location: null,
    locations: [text, ''],
    locations_total: 3,
  });
  const pages: Record<string, (text: string) => Record<string, unknown>> = {
    overview: (text) => ({
      status: [{ label: text, counts: { ok: 1, warning: 0, critical: 0, total: 1 } }],
      robots: { reporting: 1, silent: 1 },
      projects: {
        period: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
        previous_period: { from: '2025-12-31T00:00:00Z', to: '2026-01-01T00:00:00Z' },
        truncated: false,
        rows: [
          { project: text, sla_percent: 99, sla_change: null, target_sla_percent: null, runs: 1, fail: 0 },
        ],
      },
      worst: {
        rows: [
          {
            transaction_id: text,
            transaction_name: text,
            project: text,
            service: text,
            sla_percent: 1,
            runs: 1,
            fail: 1,
          },
        ],
      },
      events: { events: [event(text), transactionEvent(text)] },
    }),
    transactions: (text) => ({
      keep: { q: text, project: text },
      sort: 'worst',
      search: text,
      filters: { project: text, service: text },
      total: 1,
      offset: 0,
      sla: { truncated: false, rows: [] },
      rows: [
        {
          row: {
            transaction_id: text,
            transaction_name: text,
            project: text,
            service: text,
            sla_percent: 1,
            sla_change: 1,
            target_sla_percent: 2,
            runs: 3,
          },
          state: text,
          summary: {
            p50_ms: 1,
            p90_ms: 2,
            last_run: { robot_id: text, result_id: text, status: text, started_at: '2026-01-01T00:00:00Z' },
          },
        },
      ],
      sortUrl: () => `/transactions?q=${text}`,
      nextUrl: `/transactions?q=${text}`,
      json: jsonForScript({ trends: [[[text, 1, 2]]] }),
    }),
    run: (text) => ({
      run: {
        robot_id: text,
        result_id: text,
        transaction_id: text,
        transaction_name: text,
        service: text,
        project: text,
        robot_name: text,
        location: { key: text },
        environment: text,
        started_at: '2026-01-01T00:00:00Z',
        finished_at: '2026-01-01T00:00:01Z',
        duration_ms: 1000,
        status: 'FAIL',
        error_code: 7,
        error_message: text,
        target_duration_ms: null,
        received_at: '2026-01-01T00:00:02Z',
        stored_at: '2026-01-01T00:00:02Z',
        attributes: { [text]: text },
        steps: [
          { index: 0, name: text, status: 'FAIL', start_offset_ms: 0, duration_ms: 1, error_message: text },
        ],
        screenshots: [
          { step_index: 0, ordinal: 0, size_bytes: 10, url: '/api/v1/runs/a/b/screenshots/0/0?sha256=00' },
        ],
        log: text,
      },
      band: { p10_ms: 1, p50_ms: 2, p90_ms: 3 },
      baseline: { state: text, p50_ms: 1, window_runs: 2 },
      traces: [{ name: text, value: text }],
      events: [event(text), transactionEvent(text)],
      json: jsonForScript({ steps: [{ name: text }] }),
    }),
    robots: (text) => ({
      total: 1,
      silent: 1,
      rows: [
        {
          robot: {
            robot_id: text,
            name: text,
            last_seen_at: '2026-01-01T00:00:00Z',
            last_run: { result_id: text, transaction_name: text, location: text },
          },
          figures: { sla_percent: 1, sla_change: 1, runs: 1 },
          silent: true,
          state: text,
        },
      ],
    }),
    events: (text) => ({
      filters: { kind: text, project: text, transaction: text },
      includeSuppressed: true,
      open: [{ transaction_id: text, transaction_name: text, project: text, service: text, state: text }],
      openTotal: 2,
      events: [event(text), transactionEvent(text)],
      refusal: { message: text, fields: [{ path: text, problem: text }] },
      nextUrl: `/events?cursor=${text}`,
    }),
    trace: (text) => ({
      trace: {
        trace_id: text,
        truncated: true,
        spans: [
          {
            span_id: text,
            parent_span_id: text,
            name: text,
            service: text,
            kind: text,
            status_code: 'ERROR',
            status_message: text,
            started_at: '2026-01-01T00:00:00Z',
            duration_ms: 1,
            start_offset_ms: 0,
          },
        ],
      },
      failed: 1,
      services: [text],
      json: jsonForScript({ spans: [{ name: text, service: text }] }),
    }),
    pipeline: (text) => ({
      pipeline: { checked_at: '2026-01-01T00:00:00Z', groups: [{ group: text, lag: 1, dead_lettered: 2 }] },
      processes: [{ job: text, instance: text, state: text, last_scrape_at: '2026-01-01T00:00:00Z' }],
      down: 1,
    }),
  };

  for (const [page, data] of Object.entries(pages))
    it(`the ${page} page shows every robot-supplied string as text`, () => {
      for (const text of hostile)
        assertShownAsText(render(page, { ...common(text, page), ...data(text) }), text, page);
    });

  it('only the layout writes raw output', () => {
    const templates = join(import.meta.dirname, '../../../console/web/templates');
    for (const file of readdirSync(templates)) {
      const raw = [...readFileSync(join(templates, file), 'utf8').matchAll(/<%~\s*([^%]*)%>/g)].map((m) =>
        (m[1] ?? '').trim(),
      );
      const allowed = file === 'layout.eta' ? ['it.body'] : [];
      for (const expression of raw)
        assert.ok(
          allowed.includes(expression) ||
            expression.startsWith('include(') ||
            expression.startsWith('it.json'),
          `${file}: raw output of ${expression}`,
        );
    }
  });

  it('JSON for a script block cannot close it', () => {
    const text = jsonForScript({ name: '</script><script>alert(1)</script>', line: '\u2028', and: '&' });
    assert.ok(!/[<>&\u2028]/.test(text));
    assert.deepEqual(JSON.parse(text), {
      name: '</script><script>alert(1)</script>',
      line: '\u2028',
      and: '&',
    });
  });
});
