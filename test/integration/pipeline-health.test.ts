// Pipeline health against the real stack: VictoriaMetrics scrapes the gateway and the workers,
// vmalert evaluates infra/vmalert/pipeline-health.rules.yml over it, Alertmanager delivers to
// Alerta's Prometheus webhook. When each rule fires, and with which labels and text, is
// vmalert-rules.test.ts (vmalert-tool unittest); here one rule goes the whole way, opened and
// closed in Alerta. Each alert here has a resource of its own (a random id), so runs in parallel
// or in sequence never see each other's alerts; each is deleted from Alerta at the end.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { goBinaryPath } from '../../infra/go/install-go-binary.ts';
import { pipelineHealthRules, vmalertBinary } from '../../infra/stack/services/vmalert.ts';
import { currentPathInputs, resolveStackPaths } from '../../infra/stack/stack-paths.ts';
import { type AlertaAlert, alerta } from './alerta.ts';
import { repoDir, stack, waitFor } from './stack.ts';

function required(name: string): string {
  return process.env[name] || assert.fail(`${name} is not set: run through 'scripts/primoart test'`);
}

/** Alerta's resolution of a resolved Prometheus alert: severity normal, hence status closed. */
const closed = (alert: AlertaAlert) => alert.status === 'closed' && alert.severity === 'normal';
/** Delivery takes vmalert's evaluation (15 s), Alertmanager's group wait or interval (10 s, 30 s). */
const deliveryTimeoutMs = 100_000;

async function alertaAlert(resource: string, event: string): Promise<AlertaAlert | undefined> {
  const { alerts } = await alerta<{ alerts: AlertaAlert[] }>(
    'GET',
    `/alerts?${new URLSearchParams({ resource, event })}`,
  );
  assert.ok(alerts.length <= 1, `one alert per resource and event, got ${alerts.length}`);
  return alerts[0];
}

async function deleteAlertaAlert(resource: string, event: string): Promise<void> {
  const alert = await alertaAlert(resource, event);
  if (alert === undefined) return;
  await alerta('DELETE', `/alert/${alert.id}`);
}

async function vmQuery(
  query: string,
): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const url = `${stack.victoriaMetricsUrl()}/api/v1/query?${new URLSearchParams({ query })}`;
  const body = (await (await fetch(url)).json()) as { data: { result: [] } };
  return body.data.result;
}

test('the committed rules file passes vmalert -dryRun', async () => {
  const { cacheDir } = resolveStackPaths(currentPathInputs(undefined));
  const binary = goBinaryPath(cacheDir, vmalertBinary);
  const rules = pipelineHealthRules(repoDir);
  // -dryRun exits non-zero and names the group and rule when a file does not parse.
  await promisify(execFile)(binary, ['-dryRun', `-rule=${rules}`]);
});

test('vmalert has loaded every pipeline-health rule and evaluates it without errors', async () => {
  const response = await fetch(`${required('PRIMOART_VMALERT_URL')}/api/v1/rules`);
  assert.equal(response.status, 200);
  const { data } = (await response.json()) as {
    data: { groups: Array<{ name: string; rules: Array<{ name: string; lastError: string }> }> };
  };
  const loaded = data.groups.flatMap((group) => group.rules.map((rule) => [rule.name, rule.lastError]));
  const names = loaded.map(([name]) => name).sort();
  assert.deepEqual(names, ['ConsumerLagHigh', 'DeadLettersIncreasing', 'GatewayErrorsHigh', 'ProcessDown']);
  for (const [name, lastError] of loaded) assert.equal(lastError, '', `${name}: ${lastError}`);
});

test('VictoriaMetrics scrapes the gateway and every worker the stack runs', async () => {
  const scrapeFile = join(stack.stateDir(), 'config', 'victoria-metrics', 'scrape.yml');
  const { scrape_configs: jobs } = parse(readFileSync(scrapeFile, 'utf8')) as {
    scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
  };
  const jobNames = jobs.map((job) => job.job_name);
  assert.ok(jobNames.includes('gateway') && jobNames.includes('synth-store'), jobNames.join(', '));
  // `up` exists for a target once VictoriaMetrics has tried to scrape it (1 = answered, 0 = not).
  const up = await waitFor('an up series for every scrape target', async () => {
    const series = await vmQuery('up');
    return jobs.every((job) => series.some((s) => s.metric.job === job.job_name)) && series;
  });
  for (const job of jobs) {
    const series = up.find((s) => s.metric.job === job.job_name);
    assert.equal(series?.metric.instance, job.static_configs[0]?.targets[0]);
  }
});

test('a worker that dead-letters trips DeadLettersIncreasing through to Alerta, and it closes once gone', async () => {
  // A worker of its own, as the harness exports it: the counter at 0, then one dead letter.
  const worker = `it-dead-letters-${randomUUID()}`;
  const series = `primoart_worker_dead_lettered_total{worker="${worker}",topic="primoart.it"}`;
  const now = Date.now();
  const samples = `${series} 0 ${now - 30_000}\n${series} 1 ${now}\n`;
  const event = 'DeadLettersIncreasing';
  const environment = String(
    (parse(readFileSync(required('PRIMOART_CONFIG_FILE'), 'utf8')) as { environment?: unknown })
      .environment ?? 'production',
  );
  try {
    const imported = await fetch(`${stack.victoriaMetricsUrl()}/api/v1/import/prometheus`, {
      method: 'POST',
      body: samples,
    });
    assert.equal(imported.status, 204);
    const opened = await waitFor(
      'DeadLettersIncreasing in Alerta',
      async () => (await alertaAlert(worker, event)) ?? false,
      deliveryTimeoutMs,
      1000,
    );
    assert.equal(opened.status, 'open');
    assert.equal(opened.severity, 'minor');
    assert.equal(opened.environment, environment);
    assert.deepEqual(opened.service, ['PrimoART']);
    assert.equal(opened.group, 'pipeline-health');
    assert.match(opened.text, new RegExp(`Worker ${worker} sent 1 message`));

    // Without its samples the worker's increase is gone: vmalert resolves, Alerta closes.
    const deleted = await fetch(
      `${stack.victoriaMetricsUrl()}/api/v1/admin/tsdb/delete_series?${new URLSearchParams({ 'match[]': series })}`,
      { method: 'POST' },
    );
    assert.equal(deleted.status, 204);
    await waitFor(
      'DeadLettersIncreasing closed in Alerta',
      async () => closed((await alertaAlert(worker, event)) ?? assert.fail('alert vanished')),
      deliveryTimeoutMs,
      1000,
    );
  } finally {
    await deleteAlertaAlert(worker, event);
  }
});
