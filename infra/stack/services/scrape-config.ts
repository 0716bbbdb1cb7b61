// What VictoriaMetrics scrapes: the /metrics of the stack's own processes (gateway, console and
// every worker), read from the generated stack config so a worker added there is scraped too. One job
// per process, so `up{job="synth-store"}` names the process an alert is about; a scaled worker's
// instances are that job's targets (`instance` tells them apart). VictoriaMetrics re-reads the file
// every 10 s (-promscrape.configCheckInterval), so `up --scale` needs no restart of it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { instancesOf } from '../layout.ts';
import { host } from '../ports.ts';
import type { StackContext } from '../service.ts';
import { stateLayout } from '../stack-paths.ts';
import { stackConfig } from './primoart-config.ts';
import { instancePort } from './primoart-processes.ts';
import { projectProcess } from './process-list.ts';

/** Often enough that `up == 0 for 2m` and rates over 5m have several samples to work with. */
export const scrapeInterval = '10s';

export const scrapeConfigFile = (ctx: StackContext): string =>
  join(stateLayout.configDir(ctx.paths, 'victoria-metrics'), 'scrape.yml');

/** `host:port` of each process the stack runs (every instance of a scaled worker), by process name. */
export function scrapeTargets(ctx: StackContext): Record<string, string[]> {
  const config = stackConfig(ctx) as {
    gateway: { listen: string };
    console: { listen: string };
    workers: Record<string, { listen: string }>;
  };
  const targets: Record<string, string[]> = {
    gateway: [config.gateway.listen],
    console: [config.console.listen],
  };
  for (const [worker, settings] of Object.entries(config.workers)) {
    const others = Array.from(
      { length: instancesOf(ctx.layout, worker) - 1 },
      (_, i) => `${host}:${instancePort(ctx, projectProcess(worker), i + 2)}`,
    );
    targets[worker] = [settings.listen, ...others];
  }
  return targets;
}

/** The scrape config for `host:port` targets by process name (the compose one too: infra/deployments/). */
/** A job's targets: fixed `host:port`s, or every address a DNS name answers (a compose service's replicas). */
export type ScrapeTargets = string | string[] | { dns: string; port: number };

export function scrapeConfigFor(targets: Record<string, ScrapeTargets>): string {
  const jobs = Object.entries(targets).map(([job, target]) =>
    typeof target === 'object' && !Array.isArray(target)
      ? { job_name: job, dns_sd_configs: [{ names: [target.dns], type: 'A', port: target.port }] }
      : { job_name: job, static_configs: [{ targets: Array.isArray(target) ? target : [target] }] },
  );
  return stringify({ global: { scrape_interval: scrapeInterval }, scrape_configs: jobs });
}

export function scrapeConfig(ctx: StackContext): string {
  return scrapeConfigFor(scrapeTargets(ctx));
}

export function writeScrapeConfig(ctx: StackContext): void {
  writeFileSync(
    scrapeConfigFile(ctx),
    `# Written by 'primoart up' from infra/stack/services/scrape-config.ts; edits are overwritten.\n${scrapeConfig(ctx)}`,
  );
}
