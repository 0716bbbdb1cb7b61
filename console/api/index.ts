// Every endpoint of the read API, in the order the OpenAPI document lists them. An endpoint is a
// declaration in a file of its own here (console/endpoint.ts says what one states); those that
// depend on the config get it from `settings`.
import type { AnyEndpoint } from '../endpoint.ts';
import { catalogueEndpoints } from './catalogue.ts';
import { listEvents } from './events.ts';
import { heatmapEndpoint } from './heatmap.ts';
import { type MaintenanceWindowSettings, maintenanceWindowEndpoints } from './maintenance-windows.ts';
import { getPipeline } from './pipeline.ts';
import { runDetailEndpoint, screenshotEndpoint } from './run-detail.ts';
import { runsEndpoint } from './runs.ts';
import { slaEndpoint } from './sla.ts';
import { getStatus } from './status.ts';
import { type TargetSettings, targetEndpoints } from './targets.ts';
import { traceEndpoint } from './traces.ts';
import { transactionDetailEndpoint } from './transaction-detail.ts';
import { transactionSummariesEndpoint } from './transaction-summaries.ts';

export interface EndpointSettings {
  /** `console.max_period_days`: the longest period a question may ask about. */
  limits: { maxPeriodDays: number };
  /** Where a PUT of a target SLA publishes, and how long it waits to read it back. */
  targets: TargetSettings;
  /** The maintenance windows: the event detector's setting (read-only) and the API's (its topic). */
  maintenanceWindows: MaintenanceWindowSettings;
}

export function consoleEndpoints(settings: EndpointSettings): readonly AnyEndpoint[] {
  return [
    ...catalogueEndpoints,
    slaEndpoint(settings.limits),
    heatmapEndpoint(settings.limits),
    runsEndpoint,
    runDetailEndpoint,
    screenshotEndpoint,
    transactionDetailEndpoint(settings.limits),
    transactionSummariesEndpoint(settings.limits),
    getStatus,
    listEvents,
    traceEndpoint(settings.limits),
    ...maintenanceWindowEndpoints(settings.limits, settings.maintenanceWindows),
    getPipeline,
    ...targetEndpoints(settings.targets),
  ];
}
