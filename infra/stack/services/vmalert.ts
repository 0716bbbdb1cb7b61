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

const baseUrl = (ctx: StackContext): string => `http://${host}:${ctx.ports.vmalert}`;

export const pipelineHealthRules = (repoDir: string): string =>
  join(repoDir, 'infra', 'vmalert', 'pipeline-health.rules.yml');

export function vmalertArgs(ctx: StackContext): string[] {
  const store = victoriaMetrics.env(ctx).PRIMOART_VM_URL;
  // Alerta files alerts under an environment; the processes' own config says which one this is.
  const environment = String(stackConfig(ctx).environment);
  return [
    `-rule=${pipelineHealthRules(ctx.paths.repoDir)}`,
    `-datasource.url=${store}`,
    `-remoteWrite.url=${store}`,
    `-remoteRead.url=${store}`,
    `-notifier.url=${alertmanager.env(ctx).PRIMOART_ALERTMANAGER_URL}`,
    `-httpListenAddr=${host}:${ctx.ports.vmalert}`,
    `-external.url=${baseUrl(ctx)}`,
    `-external.label=environment=${environment}`,
    // Groups without an `interval:` of their own; a scrape interval is 10 s.
    '-evaluationInterval=15s',
    // Should equal VictoriaMetrics' -search.latencyOffset, which the stack sets to 0 s (default 30 s,
    // which would make every rule look at data half a minute old).
    '-rule.evalDelay=0s',
  ];
}

export const vmalert: ServiceDefinition = {
  name: 'vmalert',
  version,
  dependsOn: ['victoria-metrics', 'alertmanager'],
  install: (ctx) => installGoBinary(ctx, vmalertBinary),
  launch: (ctx) => ({ command: goBinaryPath(ctx.paths.cacheDir, vmalertBinary), args: vmalertArgs(ctx) }),
  probe: (ctx) => probeHttpOk(`${baseUrl(ctx)}/health`, { bodyContains: 'OK' }),
  url: baseUrl,
  env: (ctx) => ({ PRIMOART_VMALERT_URL: baseUrl(ctx) }),
};
