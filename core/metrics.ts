// Each process owns one prom-client Registry (never the library's global default), served on
// /metrics with the default process metrics. Components register their own counters and
// histograms on it: `new Counter({ ..., registers: [context.metrics] })`.
import { collectDefaultMetrics, Registry } from 'prom-client';

export type { Registry } from 'prom-client';

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // /metrics is unauthenticated (the scraper reads it; ingest-gateway/README.md "Self-monitoring"):
  // it tells nobody which Node.js version runs, a fact that only helps an attacker pick exploits.
  registry.removeSingleMetric('nodejs_version_info');
  return registry;
}
