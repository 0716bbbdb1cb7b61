// Each process owns one prom-client Registry (never the library's global default), served on
// /metrics with the default process metrics. Components register their own counters and
// histograms on it: `new Counter({ ..., registers: [context.metrics] })`.
import { collectDefaultMetrics, Registry } from 'prom-client';

export type { Registry } from 'prom-client';

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
