// VictoriaLogs single-node: the log store. The standalone VictoriaLogs module is not served by the
// Go module proxy the project reaches, so it is built from the VictoriaMetrics v1.121.0 tree
// (VictoriaLogs v1.24.0) through the small module in infra/go/victoria-logs, which pins it.
import { join } from 'node:path';
import { goBinaryPath, installGoBinary } from '../../go/install-go-binary.ts';
import { host } from '../ports.ts';
import type { ServiceDefinition, StackContext } from '../service.ts';
import { repositoryDir, stateLayout } from '../stack-paths.ts';
import { probeHttpOk } from './http-probe.ts';

const version = 'v1.24.0+vm-v1.121.0';

const victoriaLogsBinary = {
  name: 'victoria-logs',
  version,
  target: 'github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-logs',
  moduleDir: join(repositoryDir(), 'infra', 'go', 'victoria-logs'),
  versionStamp: [`github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-logs-${version}`],
};

const baseUrl = (ctx: StackContext): string => `http://${host}:${ctx.ports.victoriaLogs}`;

export function victoriaLogsArgs(ctx: StackContext): string[] {
  return [
    `-storageDataPath=${stateLayout.dataDir(ctx.paths, 'victoria-logs')}`,
    `-httpListenAddr=${host}:${ctx.ports.victoriaLogs}`,
    // Entries outside [now-retentionPeriod, now+futureRetention] are silently dropped at ingestion;
    // generated history reaches far back, and robots' clocks may run ahead.
    '-retentionPeriod=100y',
    '-futureRetention=1y',
  ];
}

export const victoriaLogs: ServiceDefinition = {
  name: 'victoria-logs',
  version,
  install: (ctx) => installGoBinary(ctx, victoriaLogsBinary),
  launch: (ctx) => ({
    command: goBinaryPath(ctx.paths.cacheDir, victoriaLogsBinary),
    args: victoriaLogsArgs(ctx),
  }),
  probe: (ctx) => probeHttpOk(`${baseUrl(ctx)}/health`, { bodyContains: 'OK' }),
  url: baseUrl,
  env: (ctx) => ({ PRIMOART_VL_URL: baseUrl(ctx) }),
};
