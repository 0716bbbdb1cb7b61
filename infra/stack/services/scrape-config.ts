// What VictoriaMetrics scrapes: the /metrics of the stack's own processes (gateway, console and
// every worker), read from the generated stack config so a worker added there is scraped too. One job
// per process, so `up{job="synth-store"}` names the process an alert is about.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { StackContext } from '../service.ts';
import { stateLayout } from '../stack-paths.ts';
import { stackConfig } from './primoart-config.ts';

/** Often enough that `up == 0 for 2m` and rates over 5m have several samples to work with. */
export const scrapeInterval = '10s';

export const scrapeConfigFile = (ctx: StackContext): string =>
  join(stateLayout.configDir(ctx.paths, 'victoria-metrics'), 'scrape.yml');

/** `host:port` of each process the stack runs, by process name. */
export function scrapeTargets(ctx: StackContext): Record<string, string> {
  const config = stackConfig(ctx) as {
    gateway: { listen: string };
    console: { listen: string };
    workers: Record<string, { listen: string }>;
  };
  const targets: Record<string, string> = { gateway: config.gateway.listen, console: config.console.listen };
  for (const [worker, settings] of Object.entries(config.workers)) targets[worker] = settings.listen;
  return targets;
}

/** The scrape config for `host:port` targets by process name (the compose one too: infra/deployments/). */
export function scrapeConfigFor(targets: Record<string, string>): string {
  const jobs = Object.entries(targets).map(([job, target]) => ({
    job_name: job,
    static_configs: [{ targets: [target] }],
  }));
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
