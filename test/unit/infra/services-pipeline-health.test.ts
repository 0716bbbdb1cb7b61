// The pipeline-health path as the stack wires it: VictoriaMetrics scrapes every process of the
// stack, vmalert reads the repository's rules over it and notifies Alertmanager, Alertmanager
// delivers to Alerta's webhook with the admin key from a file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { defaultLayout } from '../../../infra/stack/layout.ts';
import { defaultPorts } from '../../../infra/stack/ports.ts';
import type { StackContext } from '../../../infra/stack/service.ts';
import { alertaEnvironments } from '../../../infra/stack/services/alerta.ts';
import { alertmanager, alertmanagerConfig } from '../../../infra/stack/services/alertmanager.ts';
import { stackConfig } from '../../../infra/stack/services/primoart-config.ts';
import { scrapeConfig, scrapeConfigFile } from '../../../infra/stack/services/scrape-config.ts';
import { victoriaMetrics } from '../../../infra/stack/services/victoria-metrics.ts';
import { vmalertArgs } from '../../../infra/stack/services/vmalert.ts';

const ctx: StackContext = {
  paths: { repoDir: '/repo', cacheDir: '/cache', stateDir: '/state' },
  ports: defaultPorts,
  layout: defaultLayout,
  secrets: {
    postgresPassword: 'p',
    minioAccessKey: 'a',
    minioSecretKey: 's',
    alertaAdminKey: 'secret-alerta-admin',
    alertaSecretKey: 'f',
    adminApiKey: 'pa_x',
    kafkaBrokerPassword: 'k',
    kafkaPasswords: {},
  },
  progress: () => {},
  exec: async () => '',
};

test('VictoriaMetrics scrapes the gateway, the console and every worker of the stack config, one job each', () => {
  const config = stackConfig(ctx) as {
    gateway: { listen: string };
    console: { listen: string };
    workers: Record<string, { listen: string }>;
  };
  const { scrape_configs: jobs } = parse(scrapeConfig(ctx)) as {
    scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
  };
  const targets = Object.fromEntries(jobs.map((job) => [job.job_name, job.static_configs[0]?.targets]));
  const expected: Record<string, string[]> = {
    gateway: [config.gateway.listen],
    console: [config.console.listen],
  };
  for (const [name, worker] of Object.entries(config.workers)) expected[name] = [worker.listen];
  assert.deepEqual(targets, expected);
  assert.ok(targets['synth-store'], 'a worker of the stack is scraped');
  assert.ok(
    victoriaMetrics.launch(ctx).args.includes(`-promscrape.config=${scrapeConfigFile(ctx)}`),
    'victoria-metrics is started with the generated scrape config',
  );
});

test('Alertmanager delivers to Alerta’s Prometheus webhook with the key read from a file', () => {
  const config = parse(alertmanagerConfig(ctx)) as {
    route: { receiver: string };
    receivers: Array<{ name: string; webhook_configs: Array<Record<string, any>> }>;
  };
  const receiver = config.receivers.find((r) => r.name === config.route.receiver);
  const webhook = receiver?.webhook_configs[0];
  assert.equal(webhook?.url, `http://127.0.0.1:${defaultPorts.alerta}/webhooks/prometheus`);
  assert.equal(webhook?.send_resolved, true);
  assert.deepEqual(webhook?.http_config, {
    authorization: { type: 'Key', credentials_file: '/state/config/alertmanager/alerta.key' },
  });
  assert.ok(!alertmanagerConfig(ctx).includes(ctx.secrets.alertaAdminKey), 'the key stays out of the config');
});

test('Alertmanager runs alone: no cluster listener, data in the state directory', () => {
  const args = alertmanager.launch(ctx).args;
  assert.ok(args.includes('--cluster.listen-address='));
  assert.ok(args.includes('--storage.path=/state/data/alertmanager'));
  assert.ok(args.includes(`--web.listen-address=127.0.0.1:${defaultPorts.alertmanager}`));
});

test('vmalert reads the repository’s rules over VictoriaMetrics, keeps its state there, notifies Alertmanager', () => {
  const args = vmalertArgs(ctx);
  const vm = `http://127.0.0.1:${defaultPorts.victoriaMetrics}`;
  assert.ok(args.includes('-rule=/repo/infra/vmalert/pipeline-health.rules.yml'));
  for (const flag of ['-datasource.url', '-remoteWrite.url', '-remoteRead.url'])
    assert.ok(args.includes(`${flag}=${vm}`), flag);
  assert.ok(args.includes(`-notifier.url=http://127.0.0.1:${defaultPorts.alertmanager}`));
  // Alerta files each alert under this environment; it must be one Alerta allows.
  const environment = String(stackConfig(ctx).environment);
  assert.ok(alertaEnvironments.includes(environment), environment);
  assert.ok(args.includes(`-external.label=environment=${environment}`));
});
