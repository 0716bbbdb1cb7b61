// `/runs/:robot_id/:result_id`: one run — its steps as a waterfall on a shared time axis, the error,
// the log (searchable), the screenshots (click to enlarge), the band it was judged against and the
// events it opened or cleared.
import type { DetailAnswer } from '../../api/transaction-detail.ts';
import { jsonForScript } from '../render.ts';
import type { WebPage } from '../router.ts';

const hourMs = 3_600_000;

interface RunAnswer {
  robot_id: string;
  result_id: string;
  transaction_id: string;
  transaction_name: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  status: string;
  attributes: Record<string, string>;
  steps: Array<{ index: number; name: string; start_offset_ms: number; duration_ms: number; status: string }>;
  [field: string]: unknown;
}

interface EventsAnswer {
  events: Array<{ result_id: string | null; [field: string]: unknown }>;
}

/**
 * Attributes that name the run's trace: a trace id (32 hex digits) or a W3C traceparent
 * (`00-<trace id>-<span id>-<flags>`); the run's page links each to the trace's spans.
 */
const traceAttributes = ['trace_id', 'traceId', 'otel.trace_id', 'traceparent'];
const traceIdOf = (value: string) =>
  /^(?:[0-9a-f]{2}-)?([0-9a-f]{32})(?:-[0-9a-f]{16}-[0-9a-f]{2})?$/i.exec(value.trim())?.[1]?.toLowerCase();

export const runPage: WebPage = {
  name: 'run',
  path: '/runs/:robot_id/:result_id',
  async handle({ api, params, period }) {
    const run = await api<RunAnswer>(
      'getRun',
      {},
      {
        robot_id: params.robot_id as string,
        result_id: params.result_id as string,
      },
    );
    // The detector judges a run against the band of its hour of week: the transaction's detail over
    // that one hour carries it (and the baseline as it stands now, for comparison).
    const hour = Math.floor(Date.parse(run.started_at) / hourMs) * hourMs;
    const finished = Date.parse(run.finished_at);
    const [detail, events] = await Promise.all([
      api<DetailAnswer>(
        'getTransaction',
        { from: new Date(hour), to: new Date(hour + hourMs), tz: period.tz },
        { transaction_id: run.transaction_id },
      ),
      // The events judging this run come when the detector has seen it: soon after it finished.
      api<EventsAnswer>('listEvents', {
        transaction: run.transaction_id,
        from: new Date(Date.parse(run.started_at) - 60_000),
        to: new Date(finished + 6 * hourMs),
        include_suppressed: true,
        limit: 1000,
      }),
    ]);
    const band = detail.points.find((point) => point.band !== null)?.band ?? null;
    const traces = traceAttributes
      .filter((name) => run.attributes[name] !== undefined)
      .map((name) => {
        const value = run.attributes[name] as string;
        return { name, value, traceId: traceIdOf(value) };
      });
    return {
      template: 'run',
      title: `${run.transaction_name} · run ${run.result_id.slice(0, 8)}`,
      data: {
        nav: 'transactions',
        scripts: ['/assets/run.js'],
        run,
        band,
        baseline: detail.baseline,
        traces,
        events: events.events.filter((event) => event.result_id === run.result_id),
        json: jsonForScript({
          status: run.status,
          steps: run.steps.map((step) => ({
            index: step.index,
            name: step.name,
            start_offset_ms: step.start_offset_ms,
            duration_ms: step.duration_ms,
            status: step.status,
          })),
        }),
      },
    };
  },
};
