// GET /api/v1/pipeline against the real stack's VictoriaMetrics, which scrapes the stack's own
// processes: consoles of the test's own (they only read, so the stack's PostgreSQL will do), one
// on that VictoriaMetrics and one on an address nothing listens on. The stack's scrape config is
// read back so the answer's processes are checked against what VictoriaMetrics was told to scrape,
// not against a list written here. Every JSON answer is valid against the OpenAPI document.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import type { PipelineAnswer } from '../../console/api/pipeline.ts';
import { sha256Hex } from '../../core/sha256.ts';
import { openApiChecker, startConsole, type TestConsole } from './console.ts';
import { freePort, stack, testConfig, waitFor } from './stack.ts';

const readKey = `test-read-${randomUUID()}`;
const consoleSection = {
  api_keys: [{ name: 'reader', sha256: sha256Hex(readKey), scopes: ['read'] }],
  failed_auth_burst: 1_000_000,
};

/** The jobs and targets the stack told VictoriaMetrics to scrape (infra/stack/services/scrape-config.ts). */
function stackScrapeTargets(): Map<string, string | undefined> {
  const file = join(stack.stateDir(), 'config', 'victoria-metrics', 'scrape.yml');
  const { scrape_configs: jobs } = parse(readFileSync(file, 'utf8')) as {
    scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
  };
  return new Map(jobs.map((job) => [job.job_name, job.static_configs[0]?.targets[0]]));
}

describe('console: the pipeline view from VictoriaMetrics', () => {
  let live: TestConsole;
  let blind: TestConsole;
  let checker: Awaited<ReturnType<typeof openApiChecker>>;
  const get = (on: TestConsole, path: string) =>
    fetch(`${on.url}${path}`, { headers: { authorization: `Bearer ${readKey}` } });

  before(async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const [liveSetup, blindSetup] = await Promise.all([
      testConfig(stack.pgUrl()),
      testConfig(stack.pgUrl(), { victoria_metrics: { url: nobody } }),
    ]);
    [live, blind] = await Promise.all([
      startConsole(liveSetup, consoleSection),
      startConsole(blindSetup, consoleSection),
    ]);
    checker = await openApiChecker(live.url);
  });

  after(async () => {
    await Promise.all([live?.stop(), blind?.stop()]);
  });

  test('every process the stack scrapes, up and ready, with its last scrape; every worker’s lag and dead letters', async () => {
    const targets = stackScrapeTargets();
    assert.ok(targets.has('gateway') && targets.has('synth-store'), [...targets.keys()].join(', '));
    // A worker just (re)started has no `up` yet: VictoriaMetrics scrapes every 10 s.
    const body = await waitFor(
      'every scrape target in the pipeline view',
      async () => {
        const response = await get(live, '/api/v1/pipeline');
        const answer = (await response.json()) as PipelineAnswer;
        assert.equal(response.status, 200, JSON.stringify(answer));
        checker.assertDocumented('getPipeline', 200, answer);
        const jobs = new Set(answer.processes.map((process) => process.job));
        return [...targets.keys()].every((job) => jobs.has(job)) && answer;
      },
      30_000,
      1000,
    );

    const checkedAt = Date.parse(body.checked_at);
    assert.ok(Math.abs(Date.now() - checkedAt) < 60_000, body.checked_at);
    // Only the stack's own jobs: nothing another system (or a test's imported samples) put there.
    for (const process of body.processes)
      assert.ok(targets.has(process.job), `${process.job} is not a job of the stack`);
    assert.deepEqual(
      body.processes.map((process) => `${process.job} ${process.instance}`),
      body.processes
        .map((process) => `${process.job} ${process.instance}`)
        .sort((a, b) => a.localeCompare(b)),
      'by job, then instance',
    );

    // Whether the stack's own processes run depends on how the stack was started (`primoart test`
    // stops them): each process is as up as its /metrics answers now, and ready as its /-/ready.
    const answers = async (url: string) =>
      fetch(url, { signal: AbortSignal.timeout(2000) }).then(
        (response) => response.ok,
        () => false,
      );
    for (const process of body.processes) {
      assert.equal(process.instance, targets.get(process.job), process.job);
      assert.ok(process.last_scrape_at !== null, process.job);
      const scrapedAgo = checkedAt - Date.parse(process.last_scrape_at);
      // Scraped every 10 s; an instant query sees the newest sample at or before checked_at.
      assert.ok(
        scrapedAgo >= 0 && scrapedAgo < 60_000,
        `${process.job} last scraped ${scrapedAgo} ms before`,
      );
      assert.equal(process.up, await answers(`http://${process.instance}/metrics`), `${process.job} up`);
      if (process.up)
        assert.equal(
          process.ready,
          await answers(`http://${process.instance}/-/ready`),
          `${process.job} ready`,
        );
      else assert.equal(process.ready, null, `${process.job}: no current readiness while down`);
    }

    // Every worker exports its dead-letter counter at 0 from the start: a running one is a group.
    const groups = new Map(body.groups.map((group) => [group.group, group]));
    if (body.processes.some((process) => process.job === 'synth-store' && process.up)) {
      const synthStore = groups.get('synth-store');
      assert.ok(synthStore, JSON.stringify(body.groups));
      assert.equal(typeof synthStore.dead_lettered, 'number');
    }
    for (const group of body.groups)
      assert.ok(targets.has(group.group), `${group.group} is not a worker of the stack`);
  });

  test('it takes no parameters: any is a 400 naming it', async () => {
    const response = await get(live, '/api/v1/pipeline?job=gateway');
    const body = (await response.json()) as { error: { fields: Array<{ path: string; problem: string }> } };
    assert.equal(response.status, 400);
    checker.assertDocumented('getPipeline', 400, body);
    assert.deepEqual(body.error.fields, [{ path: 'job', problem: 'unknown parameter' }]);
  });

  test('a VictoriaMetrics that does not answer is the 503 naming it', async () => {
    const response = await get(blind, '/api/v1/pipeline');
    const body = await response.json();
    assert.equal(response.status, 503, JSON.stringify(body));
    checker.assertDocumented('getPipeline', 503, body);
    assert.equal(response.headers.get('retry-after'), '5');
    assert.deepEqual((body as { error: { code: string; store: string } }).error, {
      code: 'store_unavailable',
      message: 'victoria-metrics is not answering; try again later',
      store: 'victoria-metrics',
    });
  });
});
