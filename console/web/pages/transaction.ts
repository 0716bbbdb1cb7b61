// `/transactions/:id`: one transaction over the period — durations with the learned band, the
// forecast ahead, failed and warning runs, events and maintenance windows; per location (with a
// map), weekday × hour, per step, the distribution, and its runs with filters and a CSV link.

import type { HeatmapAnswer } from '../../api/heatmap.ts';
import type { MaintenanceIntervalsAnswer } from '../../api/maintenance-windows.ts';
import type { RunsAnswer } from '../../api/runs.ts';
import type { DetailAnswer } from '../../api/transaction-detail.ts';
import { jsonForScript } from '../render.ts';
import { PageRefusal, type WebPage } from '../router.ts';
import { orBadFilters, queryValue } from './query.ts';

const dayMs = 86_400_000;
/** The weekday × hour heatmap needs every weekday several times: at least four weeks. */
const heatmapDays = 28;
/** Failed and warning runs marked on the chart, newest first. */
const markedRuns = 500;
export const runsPerPage = 50;

interface EventsAnswer {
  events: Array<{
    occurred_at: string;
    action: string;
    severity: string;
    kind: string;
    location: string | null;
    text: string;
  }>;
}

export const transactionPage: WebPage = {
  name: 'transaction',
  path: '/transactions/:id',
  async handle({ api, params, period, request, href, maxPeriodDays }) {
    const id = params.id as string;
    const range = { from: period.from, to: period.to };
    const query = request.query as Record<string, unknown>;
    const runFilters = {
      status: queryValue(query.status),
      min_duration_ms: queryValue(query.min_duration_ms),
      max_duration_ms: queryValue(query.max_duration_ms),
      location: queryValue(query.location),
    };
    // At least four weeks, within what the API answers for (a shorter max_period_days is its limit).
    const heatmapMs = Math.min(heatmapDays, maxPeriodDays) * dayMs;
    const heatmapFrom = new Date(
      Math.max(
        period.to.getTime() - maxPeriodDays * dayMs,
        Math.min(period.from.getTime(), period.to.getTime() - heatmapMs),
      ),
    );
    const [detail, heatmap, marked, events, maintenance, runs] = await Promise.all([
      api<DetailAnswer>('getTransaction', { ...range, tz: period.tz }, { transaction_id: id }),
      api<HeatmapAnswer>('getHeatmap', { transaction: id, from: heatmapFrom, to: period.to, tz: period.tz }),
      api<RunsAnswer>('listRuns', { transaction: id, ...range, status: 'FAIL,WARNING', limit: markedRuns }),
      api<EventsAnswer>('listEvents', { transaction: id, ...range, include_suppressed: true, limit: 200 }),
      // The config file's windows and those created through the API, as the detector judges by them.
      api<MaintenanceIntervalsAnswer>('listMaintenanceWindows', { transaction: id, ...range }),
      // A bad filter of the runs table is named there; the rest of the page still shows.
      orBadFilters(
        api<RunsAnswer>('listRuns', {
          transaction: id,
          ...range,
          ...runFilters,
          limit: runsPerPage,
          cursor: queryValue(query.cursor),
        }),
      ),
    ]);
    const runsRefusal = runs instanceof PageRefusal ? runs.refusal.error : undefined;
    const runsPage = runs instanceof PageRefusal ? { runs: [], next_cursor: null } : runs;
    const csv = new URLSearchParams();
    for (const [name, value] of Object.entries({
      transaction: id,
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      ...runFilters,
    }))
      if (value !== undefined) csv.set(name, value);
    csv.set('format', 'csv');
    const title = detail.transaction.name ?? id;
    return {
      template: 'transaction',
      title,
      data: {
        nav: 'transactions',
        scripts: ['/assets/transaction.js'],
        detail,
        heatmap,
        runs: runsPage,
        runsRefusal,
        runFilters,
        marked: marked.runs.length,
        csvUrl: `/api/v1/runs?${csv.toString()}`,
        nextRunsUrl:
          runsPage.next_cursor === null
            ? undefined
            : href(`/transactions/${encodeURIComponent(id)}`, {
                ...runFilters,
                cursor: runsPage.next_cursor,
              }),
        firstRunsUrl:
          queryValue(query.cursor) === undefined
            ? undefined
            : href(`/transactions/${encodeURIComponent(id)}`, runFilters),
        json: jsonForScript({
          tz: period.tz,
          period: detail.period,
          interval: detail.interval,
          points: detail.points.map((point) => ({
            from: point.from,
            to: point.to,
            runs: point.runs,
            fail: point.fail,
            warning: point.warning,
            p50_ms: point.p50_ms,
            p90_ms: point.p90_ms,
            band: point.band,
          })),
          forecast: detail.forecast.map((day) => ({ day: day.day, p50_ms: day.p50_ms })),
          marked: marked.runs.map((run) => ({
            at: run.finished_at,
            duration_ms: run.duration_ms,
            status: run.status,
            robot_id: run.robot_id,
            result_id: run.result_id,
          })),
          events: events.events.map((event) => ({
            at: event.occurred_at,
            action: event.action,
            severity: event.severity,
            kind: event.kind,
            location: event.location,
          })),
          windows: maintenance.windows.map((window) => ({
            from: window.from,
            to: window.to,
            name: window.description ?? window.id,
          })),
          locations: detail.locations.map((location) => ({
            location: location.location,
            latitude: location.latitude,
            longitude: location.longitude,
            sla_percent: location.sla_percent,
            runs: location.runs,
            p50_ms: location.p50_ms,
          })),
          distribution: detail.distribution,
          heatmap: heatmap.cells,
        }),
      },
    };
  },
};
