// `/traces/:trace_id`: the spans of one trace as a waterfall, with their services and statuses —
// where a run's page sends a user when the run names its trace. `around` (an instant, the run's
// start) reads the spans of the two hours around it; otherwise those of the page's period.
import type { TraceAnswer } from '../../api/traces.ts';
import { jsonForScript } from '../render.ts';
import type { WebPage } from '../router.ts';

const hourMs = 3_600_000;

export const tracePage: WebPage = {
  name: 'trace',
  path: '/traces/:trace_id',
  async handle({ api, params, period, request }) {
    const around = Date.parse(String((request.query as Record<string, unknown>).around ?? ''));
    const range = Number.isNaN(around)
      ? { from: period.from, to: period.to }
      : { from: new Date(around - hourMs), to: new Date(around + hourMs) };
    const trace = await api<TraceAnswer>('getTrace', range, { trace_id: params.trace_id as string });
    const failed = trace.spans.filter((span) => span.status_code === 'ERROR').length;
    return {
      template: 'trace',
      title: `Trace ${trace.trace_id.slice(0, 8)}`,
      data: {
        nav: 'transactions',
        scripts: ['/assets/trace.js'],
        trace,
        failed,
        services: [...new Set(trace.spans.map((span) => span.service))],
        json: jsonForScript({
          spans: trace.spans.map((span) => ({
            name: span.name,
            service: span.service,
            start_offset_ms: span.start_offset_ms,
            duration_ms: span.duration_ms,
            status: span.status_code,
          })),
        }),
      },
    };
  },
};
