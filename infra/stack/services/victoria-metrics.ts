// VictoriaMetrics single-node: the time-series store for measurements. Built with the Go module
// proxy; v1.128.0 and later install with `go install pkg@version` (earlier tags carry replace
// directives that make it refuse).
import { mkdirSync } from 'node:fs';
import { goBinaryPath, installGoBinary } from '../../go/install-go-binary.ts';
import { host } from '../ports.ts';
import type { ServiceDefinition, StackContext } from '../service.ts';
import { stateLayout } from '../stack-paths.ts';
import { probeHttpOk } from './http-probe.ts';
import { scrapeConfigFile, writeScrapeConfig } from './scrape-config.ts';

const version = 'v1.143.0';

const victoriaMetricsBinary = {
  name: 'victoria-metrics',
  version,
  target: `github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics@${version}`,
  versionStamp: [
    `github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-metrics-${version}`,
  ],
};

const baseUrl = (ctx: StackContext): string => `http://${host}:${ctx.ports.victoriaMetrics}`;

export function victoriaMetricsArgs(ctx: StackContext): string[] {
  return [
    `-storageDataPath=${stateLayout.dataDir(ctx.paths, 'victoria-metrics')}`,
    `-httpListenAddr=${host}:${ctx.ports.victoriaMetrics}`,
    // Generated history reaches far back; samples older than the retention would be rejected.
    '-retentionPeriod=100y',
    // A re-sent sample (same series, same timestamp) collapses into one: replays are idempotent.
    '-dedup.minScrapeInterval=1ms',
    // Writers push complete results, so a just-written sample may be queried at once (default 30s hides it).
    '-search.latencyOffset=0s',
    // Pipeline health: the gateway's and workers' own /metrics, for the vmalert rules.
    `-promscrape.config=${scrapeConfigFile(ctx)}`,
    // Re-read, so a scaled worker's instances are scraped without a restart (scrape-config.ts).
    '-promscrape.configCheckInterval=10s',
  ];
}

export const victoriaMetrics: ServiceDefinition = {
  name: 'victoria-metrics',
  version,
  install: (ctx) => installGoBinary(ctx, victoriaMetricsBinary),
  async init(ctx) {
    mkdirSync(stateLayout.configDir(ctx.paths, 'victoria-metrics'), { recursive: true });
    writeScrapeConfig(ctx);
  },
  launch: (ctx) => ({
    command: goBinaryPath(ctx.paths.cacheDir, victoriaMetricsBinary),
    args: victoriaMetricsArgs(ctx),
  }),
  probe: (ctx) => probeHttpOk(`${baseUrl(ctx)}/health`, { bodyContains: 'OK' }),
  url: baseUrl,
  env: (ctx) => ({ PRIMOART_VM_URL: baseUrl(ctx) }),
};
