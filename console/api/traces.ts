// GET /api/v1/traces/{trace_id} — the spans of one trace, from VictoriaLogs (logs-store writes each
// OTLP span there as an entry of kind otel.span): what a run's page links to when the run names its
// trace (an attribute trace_id or traceparent), laid out as a waterfall on the trace page.
//
// The trace id is 32 hex digits, checked before it is put in the LogsQL query, so nothing else can
// reach it. A replay writes a span's entry again: entries are collapsed by their entry_id.
import { request } from 'undici';
import { z } from 'zod';
import { type AnyEndpoint, defineEndpoint, NotFoundError } from '../endpoint.ts';
import type { ConsoleStores } from '../stores.ts';
import { periodParameters, periodProblems, type ReportLimits, refuse } from './report-parameters.ts';

const dayMs = 86_400_000;
const maxSpans = 1000;
const queryTimeoutMs = 10_000;

const spanSchema = z.strictObject({
  span_id: z.string(),
  parent_span_id: z.string().nullable().describe('null for a root span'),
  name: z.string(),
  service: z.string(),
  kind: z.string().nullable(),
  status_code: z.string().nullable().describe('OK, ERROR or UNSET'),
  status_message: z.string().nullable(),
  started_at: z.iso.datetime(),
  duration_ms: z.number().min(0),
  start_offset_ms: z.number().describe('started_at − the trace’s first span’s started_at'),
});

const responseSchema = z.strictObject({
  trace_id: z.string(),
  period: z.strictObject({ from: z.iso.datetime(), to: z.iso.datetime() }),
  spans: z.array(spanSchema).describe(`by start; at most ${maxSpans}`),
  truncated: z.boolean().describe(`whether the trace has more than ${maxSpans} spans in the period`),
});
export type TraceAnswer = z.output<typeof responseSchema>;

/** A VictoriaLogs entry as the query API answers it: every field a string. */
type Entry = Record<string, string | undefined>;

async function spanEntries(stores: ConsoleStores, traceId: string, period: { from: Date; to: Date }) {
  const url = new URL('/select/logsql/query', stores.victoriaLogs.url);
  const body = new URLSearchParams({
    query: `kind:"otel.span" trace_id:"${traceId}"`,
    start: period.from.toISOString(),
    end: period.to.toISOString(),
    // Replays write entries again: room for every copy of the spans shown.
    limit: String(maxSpans * 4),
  });
  const response = await request(url, {
    method: 'POST',
    body: body.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    signal: AbortSignal.timeout(queryTimeoutMs),
  });
  const text = await response.body.text();
  if (response.statusCode !== 200)
    throw new Error(`VictoriaLogs answered ${response.statusCode}: ${text.slice(0, 300)}`);
  const byEntry = new Map<string, Entry>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as Entry;
    byEntry.set(entry.entry_id ?? `${entry.span_id}`, entry);
  }
  return [...byEntry.values()];
}

export function traceEndpoint(limits: ReportLimits, now: () => Date = () => new Date()): AnyEndpoint {
  return defineEndpoint({
    operationId: 'getTrace',
    method: 'get',
    path: '/api/v1/traces/{trace_id}',
    summary: 'The spans of one trace (OTLP, as logs-store wrote them to VictoriaLogs)',
    description: [
      'Spans whose start lies in the period (default: the 7 days until now), by start, with their',
      'offset from the first one. 404 when the period holds none.',
    ].join(' '),
    scope: 'read',
    stores: ['victoria-logs'],
    params: z.strictObject({
      trace_id: z
        .string()
        .regex(/^[0-9a-fA-F]{32}$/, 'a trace id is 32 hex digits')
        .transform((id) => id.toLowerCase()),
    }),
    query: z.strictObject({ ...periodParameters }),
    response: responseSchema,
    async handle({ params, query }, stores) {
      const to = query.to ?? now();
      const period = { from: query.from ?? new Date(to.getTime() - 7 * dayMs), to };
      refuse(periodProblems(period, query, limits));
      const entries = await spanEntries(stores, params.trace_id, period);
      const spans = entries
        .map((entry) => ({
          span_id: entry.span_id ?? '',
          parent_span_id: entry.parent_span_id ?? null,
          name: entry.span_name ?? entry._msg ?? '',
          service: entry.service ?? '',
          kind: entry.span_kind ?? null,
          status_code: entry.status_code ?? null,
          status_message: entry.status_message ?? null,
          started_at: new Date(entry._time ?? 0).toISOString(),
          duration_ms: Math.max(0, Number(entry.duration_ms ?? 0)),
        }))
        .sort((a, b) => a.started_at.localeCompare(b.started_at) || a.span_id.localeCompare(b.span_id));
      if (spans.length === 0) throw new NotFoundError(`no span of trace ${params.trace_id} in the period`);
      const first = Date.parse(spans[0]?.started_at ?? '');
      return {
        trace_id: params.trace_id,
        period: { from: period.from.toISOString(), to: period.to.toISOString() },
        spans: spans.slice(0, maxSpans).map((span) => ({
          ...span,
          start_offset_ms: Date.parse(span.started_at) - first,
        })),
        truncated: spans.length > maxSpans,
      };
    },
  });
}
