// GET /api/v1/runs — runs filtered, newest first, paged by an opaque cursor; as CSV every matching
// run, streamed from a PostgreSQL cursor (console/queries/runs.ts).
import { z } from 'zod';
import { type AnyEndpoint, defineEndpoint } from '../endpoint.ts';
import {
  decodeCursor,
  encodeCursor,
  listRuns,
  type RunQuery,
  type RunRow,
  type RunStatus,
  runColumnNames,
  runStatuses,
  streamRuns,
} from '../queries/runs.ts';
import { cursorParameter, filterParameters, filtersOf, periodParameters } from './report-parameters.ts';

const defaultLimit = 100;
const maxLimit = 1000;

const runSchema = z.strictObject({
  started_at: z.iso.datetime(),
  finished_at: z.iso.datetime(),
  duration_ms: z.number().int().min(0),
  status: z.enum(runStatuses),
  transaction_id: z.string(),
  transaction_name: z.string(),
  service: z.string(),
  project: z.string().nullable(),
  robot_id: z.string(),
  robot_name: z.string().nullable(),
  location: z.string().nullable().describe('country/region/city, the known parts'),
  environment: z.string(),
  result_id: z.string(),
  error_code: z.number().int().nullable(),
  error_message: z.string().nullable(),
  target_duration_ms: z.number().int().nullable(),
});

const responseSchema = z.strictObject({
  runs: z.array(runSchema),
  next_cursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last one'),
});

export type RunsAnswer = z.output<typeof responseSchema>;

const durationParameter = z.coerce.number().int().min(0);

const querySchema = z
  .strictObject({
    ...filterParameters,
    status: z
      .string()
      .transform((text, context) => {
        const statuses = text.split(',');
        const unknown = statuses.filter((status) => !(runStatuses as readonly string[]).includes(status));
        if (unknown.length === 0) return statuses as RunStatus[];
        context.addIssue({
          code: 'custom',
          message: `expected OK, WARNING or FAIL, not ${unknown.join(', ')}`,
        });
        return z.NEVER;
      })
      .optional()
      .describe('OK, WARNING, FAIL or several, comma-separated'),
    min_duration_ms: durationParameter.optional(),
    max_duration_ms: durationParameter.optional(),
    ...periodParameters,
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(maxLimit)
      .optional()
      .describe(`runs per page (default ${defaultLimit}); a CSV without it holds every matching run`),
    cursor: cursorParameter(decodeCursor),
  })
  .superRefine((query, context) => {
    if (query.from !== undefined && query.to !== undefined && query.from >= query.to)
      context.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
    if (
      query.min_duration_ms !== undefined &&
      query.max_duration_ms !== undefined &&
      query.min_duration_ms > query.max_duration_ms
    )
      context.addIssue({
        code: 'custom',
        path: ['min_duration_ms'],
        message: 'must not exceed max_duration_ms',
      });
  });
type RunsQuery = z.output<typeof querySchema>;

function runQuery(query: RunsQuery): RunQuery {
  return {
    filters: filtersOf(query),
    statuses: query.status ?? [],
    minDurationMs: query.min_duration_ms,
    maxDurationMs: query.max_duration_ms,
    from: query.from,
    to: query.to,
  };
}

const answerRun = (run: RunRow) => ({
  ...run,
  started_at: run.started_at.toISOString(),
  finished_at: run.finished_at.toISOString(),
});

export const runsEndpoint: AnyEndpoint = defineEndpoint({
  operationId: 'listRuns',
  method: 'get',
  path: '/api/v1/runs',
  summary: 'Runs, newest first, filtered and paged',
  description: [
    'Newest first by start (then robot_id, result_id). Pages follow `next_cursor`: a page never',
    'repeats or skips a run stored before it, however many arrive meanwhile. As CSV (Accept: text/csv',
    'or format=csv) every matching run is streamed, or `limit` of them when given, after `cursor`.',
  ].join(' '),
  scope: 'read',
  stores: ['postgres'],
  query: querySchema,
  response: responseSchema,
  csvStream: ({ query }, stores, signal) => ({
    columns: [...runColumnNames],
    rows: (async function* () {
      const runs = streamRuns(
        stores.postgres,
        runQuery(query),
        {
          limit: query.limit,
          after: query.cursor,
          statementTimeoutMs: stores.limits.exportStatementTimeoutMs,
        },
        signal,
      );
      for await (const run of runs) yield runColumnNames.map((column) => run[column]);
    })(),
  }),
  async handle({ query }, stores) {
    const page = await listRuns(stores.postgres, runQuery(query), {
      limit: query.limit ?? defaultLimit,
      after: query.cursor,
    });
    return {
      runs: page.runs.map(answerRun),
      next_cursor: page.next === undefined ? null : encodeCursor(page.next),
    };
  },
});
