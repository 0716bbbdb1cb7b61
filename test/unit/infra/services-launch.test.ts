// How the object, metric, log and alert services are launched: loopback only, on the stack's
// ports, data in the state directory, and no secret on a command line (`ps` shows those).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultLayout } from '../../../infra/stack/layout.ts';
import type { StackPorts } from '../../../infra/stack/ports.ts';
import type { ServiceDefinition, StackContext } from '../../../infra/stack/service.ts';
import { alerta } from '../../../infra/stack/services/alerta.ts';
import { alertmanager } from '../../../infra/stack/services/alertmanager.ts';
import { minio } from '../../../infra/stack/services/minio.ts';
import { victoriaLogs } from '../../../infra/stack/services/victoria-logs.ts';
import { victoriaMetrics } from '../../../infra/stack/services/victoria-metrics.ts';
import { vmalert } from '../../../infra/stack/services/vmalert.ts';

const ports: StackPorts = {
  postgres: 25432,
  kafka: 29092,
  kafkaController: 29093,
  kafkaInternal: 29094,
  registry: 28081,
  registryManagement: 28091,
  minio: 29000,
  minioConsole: 29001,
  victoriaMetrics: 28428,
  victoriaLogs: 29428,
  alerta: 28180,
  vmalert: 28880,
  alertmanager: 28903,
  gateway: 28080,
  synthStore: 28101,
  metricsStore: 28102,
  logsStore: 28103,
  artifactStore: 28104,
  baseline: 28105,
  eventDetector: 28106,
  alertaForwarder: 28107,
  console: 28108,
  workerInstances: 28200,
};

const ctx: StackContext = {
  paths: { repoDir: '/work/main', cacheDir: '/cache', stateDir: '/state' },
  ports,
  layout: defaultLayout,
  secrets: {
    postgresPassword: 'secret-postgres-password',
    minioAccessKey: 'secret-minio-access',
    minioSecretKey: 'secret-minio-secret',
    alertaAdminKey: 'secret-alerta-admin',
    alertaSecretKey: 'secret-alerta-flask',
    adminApiKey: 'secret-admin-api',
    kafkaBrokerPassword: 'secret-kafka-broker',
    kafkaPasswords: { admin: 'secret-kafka-admin' },
  },
  progress: () => {},
  exec: async () => '',
};

const services: Array<[ServiceDefinition, number, string]> = [
  [minio, ports.minio, 'minio'],
  [victoriaMetrics, ports.victoriaMetrics, 'victoria-metrics'],
  [victoriaLogs, ports.victoriaLogs, 'victoria-logs'],
  [alerta, ports.alerta, 'alerta'],
  [alertmanager, ports.alertmanager, 'alertmanager'],
  [vmalert, ports.vmalert, 'vmalert'],
];

for (const [service, port, name] of services) {
  test(`${name} listens on 127.0.0.1 at the stack's port and keeps secrets off its command line`, () => {
    const spec = service.launch(ctx);
    const commandLine = [spec.command, ...spec.args].join(' ');
    assert.match(commandLine, new RegExp(`127\\.0\\.0\\.1:${port}\\b`));
    assert.doesNotMatch(commandLine, /0\.0\.0\.0|:(9000|8428|9428|8080)\b/);
    for (const secret of Object.values(ctx.secrets))
      assert.ok(!commandLine.includes(secret), `${name} shows a secret`);
  });
}

test('minio keeps its data under the state directory and takes its root credentials from the secrets', () => {
  const spec = minio.launch(ctx);
  assert.ok(spec.args.includes('/state/data/minio'));
  assert.match(spec.args.join(' '), /--console-address 127\.0\.0\.1:29001/);
  assert.equal(spec.env?.MINIO_ROOT_USER, 'secret-minio-access');
  assert.equal(spec.env?.MINIO_ROOT_PASSWORD, 'secret-minio-secret');
  assert.equal(spec.env?.MINIO_UPDATE, 'off', 'minio must not call out for updates');
});

test('victoria-metrics collapses re-sent samples and keeps old history', () => {
  const args = victoriaMetrics.launch(ctx).args;
  assert.ok(args.includes('-storageDataPath=/state/data/victoria-metrics'));
  assert.ok(args.includes('-dedup.minScrapeInterval=1ms'));
  assert.ok(args.includes('-retentionPeriod=100y'));
});

test('victoria-logs keeps its data under the state directory and accepts old history', () => {
  const args = victoriaLogs.launch(ctx).args;
  assert.ok(args.includes('-storageDataPath=/state/data/victoria-logs'));
  assert.ok(args.includes('-retentionPeriod=100y'));
});

test('the env lines point at the stack and carry the credentials', () => {
  assert.deepEqual(minio.env(ctx), {
    PRIMOART_MINIO_URL: 'http://127.0.0.1:29000',
    PRIMOART_MINIO_ACCESS_KEY: 'secret-minio-access',
    PRIMOART_MINIO_SECRET_KEY: 'secret-minio-secret',
  });
  assert.deepEqual(victoriaMetrics.env(ctx), { PRIMOART_VM_URL: 'http://127.0.0.1:28428' });
  assert.deepEqual(victoriaLogs.env(ctx), { PRIMOART_VL_URL: 'http://127.0.0.1:29428' });
  assert.deepEqual(alerta.env(ctx), {
    PRIMOART_ALERTA_URL: 'http://127.0.0.1:28180',
    PRIMOART_ALERTA_KEY: 'secret-alerta-admin',
  });
});

test('alerta starts after postgres and runs with only the environment it is given', () => {
  assert.deepEqual(alerta.dependsOn, ['postgres']);
  const spec = alerta.launch(ctx);
  assert.equal(spec.command, 'env');
  assert.equal(spec.args[0], '-i');
  assert.ok(spec.args.includes('ALERTA_SVR_CONF_FILE=/state/config/alerta/alertad.conf'));
});
