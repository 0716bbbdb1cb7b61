// Prometheus Alertmanager: receives vmalert's pipeline-health alerts and delivers them to Alerta's
// Prometheus webhook. Built with the Go module proxy like VictoriaMetrics. v0.31.1 is the newest
// release that `go install` can build: from v0.32 on, the web UI is embedded from `ui/app/dist`,
// an npm build output that the module zip does not contain ("pattern app/dist: no matching files").
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { goBinaryPath, installGoBinary } from '../../go/install-go-binary.ts';
import { host } from '../ports.ts';
import type { ServiceDefinition, StackContext } from '../service.ts';
import { stateLayout } from '../stack-paths.ts';
import { alerta } from './alerta.ts';
import { probeHttpOk } from './http-probe.ts';

const version = 'v0.31.1';

const alertmanagerBinary = {
  name: 'alertmanager',
  version,
  target: `github.com/prometheus/alertmanager/cmd/alertmanager@${version}`,
  versionStamp: [`github.com/prometheus/common/version.Version=${version.slice(1)}`],
};

const baseUrl = (ctx: StackContext): string => `http://${host}:${ctx.ports.alertmanager}`;
const configDir = (ctx: StackContext): string => stateLayout.configDir(ctx.paths, 'alertmanager');
const configFile = (ctx: StackContext): string => join(configDir(ctx), 'alertmanager.yml');
/** Alerta's admin key, read by Alertmanager at each notification: never in the config or on a command line. */
const alertaKeyFile = (ctx: StackContext): string => join(configDir(ctx), 'alerta.key');

/**
 * Alertmanager's config: every alert to Alerta's Prometheus webhook, authenticated with the key
 * Alertmanager reads from `alertaKeyFile` at each notification. For the local stack and the
 * compose service (infra/deployments/) alike.
 */
export function alertmanagerConfigFor(alertaUrl: string, alertaKeyFile: string): string {
  return stringify({
    route: {
      receiver: 'alerta',
      // Every alert is its own group: Alerta deduplicates and correlates by itself, and a group per
      // alert means one alert's notification never waits for another's.
      group_by: ['...'],
      group_wait: '10s',
      // Also how soon a resolved alert reaches Alerta.
      group_interval: '30s',
      repeat_interval: '4h',
    },
    receivers: [
      {
        name: 'alerta',
        webhook_configs: [
          {
            url: `${alertaUrl}/webhooks/prometheus`,
            send_resolved: true,
            http_config: { authorization: { type: 'Key', credentials_file: alertaKeyFile } },
          },
        ],
      },
    ],
  });
}

export function alertmanagerConfig(ctx: StackContext): string {
  return alertmanagerConfigFor(String(alerta.env(ctx).PRIMOART_ALERTA_URL), alertaKeyFile(ctx));
}

/** Alertmanager's flags, for the local stack and the compose service alike. */
export function alertmanagerFlags(settings: {
  configFile: string;
  storagePath: string;
  listen: string;
  externalUrl: string;
}): string[] {
  return [
    `--config.file=${settings.configFile}`,
    `--storage.path=${settings.storagePath}`,
    `--web.listen-address=${settings.listen}`,
    `--web.external-url=${settings.externalUrl}`,
    // A single instance: no gossip cluster, so nothing listens on the cluster port 9094.
    '--cluster.listen-address=',
  ];
}

export const alertmanager: ServiceDefinition = {
  name: 'alertmanager',
  version,
  dependsOn: ['alerta'],
  install: (ctx) => installGoBinary(ctx, alertmanagerBinary),
  async init(ctx) {
    mkdirSync(configDir(ctx), { recursive: true, mode: 0o700 });
    writeFileSync(alertaKeyFile(ctx), ctx.secrets.alertaAdminKey, { mode: 0o600 });
    writeFileSync(
      configFile(ctx),
      `# Written by 'primoart up' from infra/stack/services/alertmanager.ts; edits are overwritten.\n${alertmanagerConfig(ctx)}`,
      { mode: 0o600 },
    );
  },
  launch: (ctx) => ({
    command: goBinaryPath(ctx.paths.cacheDir, alertmanagerBinary),
    args: alertmanagerFlags({
      configFile: configFile(ctx),
      storagePath: stateLayout.dataDir(ctx.paths, 'alertmanager'),
      listen: `${host}:${ctx.ports.alertmanager}`,
      externalUrl: baseUrl(ctx),
    }),
  }),
  probe: (ctx) => probeHttpOk(`${baseUrl(ctx)}/-/ready`),
  url: baseUrl,
  env: (ctx) => ({ PRIMOART_ALERTMANAGER_URL: baseUrl(ctx) }),
};
