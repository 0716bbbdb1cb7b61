// vmalert: evaluates the pipeline-health rules (infra/vmalert/*.rules.yml) over VictoriaMetrics
// and sends firing and resolved alerts to Alertmanager. Built from the same VictoriaMetrics
// module and version as the store. Alert state is written back to VictoriaMetrics and read from
// there at start, so a restart does not reset the `for:` clocks of pending and firing alerts.
import { join } from 'node:path';
import { goBinaryPath, installGoBinary } from '../../go/install-go-binary.ts';
import { host } from '../ports.ts';
import type { ServiceDefinition, StackContext } from '../service.ts';
import { alertmanager } from './alertmanager.ts';
import { probeHttpOk } from './http-probe.ts';
import { stackConfig } from './primoart-config.ts';
import { victoriaMetrics } from './victoria-metrics.ts';

const version = 'v1.143.0';

export const vmalertBinary = {
  name: 'vmalert',
  version,
  target: `github.com/VictoriaMetrics/VictoriaMetrics/app/vmalert@${version}`,
  versionStamp: [`github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=vmalert-${version}`],
};

/**
 * vmalert-tool, from the same module and version: `vmalert-tool unittest` runs the rules files
 * against series given in a test file (infra/vmalert/*.test.yml), without a store.
 */
export const vmalertToolBinary = {
  name: 'vmalert-tool',
  version,
  target: `github.com/VictoriaMetrics/VictoriaMetrics/app/vmalert-tool@${version}`,
  versionStamp: [`github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=vmalert-tool-${version}`],
};

const baseUrl = (ctx: StackContext): string => `http://${host}:${ctx.ports.vmalert}`;

export const pipelineHealthRules = (repoDir: string): string =>
  join(repoDir, 'infra', 'vmalert', 'pipeline-health.rules.yml');

/** Where vmalert finds its rules, store and Alertmanager, and how it is reached. */
export interface VmalertSettings {
  rulesFile: string;
  /** VictoriaMetrics: the datasource, and where alert state is written to and restored from. */
  storeUrl: string;
  alertmanagerUrl: string;
  listen: string;
  externalUrl: string;
  /** The processes' config `environment`: Alerta files alerts under it. */
  environment: string;
}

/** vmalert's flags, for the local stack and the compose service (infra/deployments/) alike. */
export function vmalertFlags(settings: VmalertSettings): string[] {
  return [
    `-rule=${settings.rulesFile}`,
    `-datasource.url=${settings.storeUrl}`,
    `-remoteWrite.url=${settings.storeUrl}`,
    `-remoteRead.url=${settings.storeUrl}`,
    `-notifier.url=${settings.alertmanagerUrl}`,
    `-httpListenAddr=${settings.listen}`,
    `-external.url=${settings.externalUrl}`,
    `-external.label=environment=${settings.environment}`,
    // Groups without an `interval:` of their own; a scrape interval is 10 s.
    '-evaluationInterval=15s',
    // Should equal VictoriaMetrics' -search.latencyOffset, which the stack sets to 0 s (default 30 s,
    // which would make every rule look at data half a minute old).
    '-rule.evalDelay=0s',
  ];
}

export function vmalertArgs(ctx: StackContext): string[] {
  return vmalertFlags({
    rulesFile: pipelineHealthRules(ctx.paths.repoDir),
    storeUrl: String(victoriaMetrics.env(ctx).PRIMOART_VM_URL),
    alertmanagerUrl: String(alertmanager.env(ctx).PRIMOART_ALERTMANAGER_URL),
    listen: `${host}:${ctx.ports.vmalert}`,
    externalUrl: baseUrl(ctx),
    // Alerta files alerts under an environment; the processes' own config says which one this is.
    environment: String(stackConfig(ctx).environment),
  });
}

export const vmalert: ServiceDefinition = {
  name: 'vmalert',
  version,
  dependsOn: ['victoria-metrics', 'alertmanager'],
  async install(ctx) {
    await installGoBinary(ctx, vmalertBinary);
    // Not run by the stack: the test suite runs it over the rules (test/integration/vmalert-rules.test.ts).
    await installGoBinary(ctx, vmalertToolBinary);
  },
  launch: (ctx) => ({ command: goBinaryPath(ctx.paths.cacheDir, vmalertBinary), args: vmalertArgs(ctx) }),
  probe: (ctx) => probeHttpOk(`${baseUrl(ctx)}/health`, { bodyContains: 'OK' }),
  url: baseUrl,
  env: (ctx) => ({ PRIMOART_VMALERT_URL: baseUrl(ctx) }),
};
