// GET /api/v1/transaction-summaries — per transaction of a list: p50, p90, a trend of the period
// and the newest run; what the console's transaction list shows beside each row of the SLA report
// (console/queries/transaction-summaries.ts).
import { z } from 'zod';
import { type AnyEndpoint, defineEndpoint } from '../endpoint.ts';
import { percentileBound } from '../queries/duration-histogram.ts';
import { transactionSummaries } from '../queries/transaction-summaries.ts';
import { periodParameters, periodProblems, type ReportLimits, refuse } from './report-parameters.ts';

const dayMs = 86_400_000;
const maxTransactions = 100;
const defaultPoints = 24;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ms = z.number().nullable();
const summarySchema = z.strictObject({
  transaction_id: z.guid(),
  runs: z.number().int().min(0).describe('runs in the hours of the period'),
  sla_percent: z.number().nullable().describe('100 × OK / runs; null without runs'),
  p50_ms: ms.describe('of the non-FAIL runs; null without any'),
  p90_ms: ms,
  trend: z
    .array(
      z.strictObject({
        from: z.iso.datetime(),
        runs: z.number().int().min(0),
        sla_percent: z.number().nullable(),
        p50_ms: ms,
      }),
    )
    .describe(
      'equal buckets, as near `points` of them as whole hours (a period of up to 8 days) or whole UTC days allow, the first from the hour (day) the period starts in',
    ),
  last_run: z
    .strictObject({
      robot_id: z.guid(),
      result_id: z.guid(),
      status: z.enum(['OK', 'WARNING', 'FAIL']),
      started_at: z.iso.datetime(),
    })
    .nullable()
    .describe('the newest run ever stored (by started_at), in the period or not'),
});

const responseSchema = z.strictObject({
  period: z.strictObject({ from: z.iso.datetime(), to: z.iso.datetime() }),
  transactions: z.array(summarySchema).describe('in the order asked; ids with no run are left out'),
});
export type SummariesAnswer = z.output<typeof responseSchema>;

const slaOf = (runs: number, ok: number) => (runs === 0 ? null : (100 * ok) / runs);

export function transactionSummariesEndpoint(
  limits: ReportLimits,
  now: () => Date = () => new Date(),
): AnyEndpoint {
  return defineEndpoint({
    operationId: 'listTransactionSummaries',
    method: 'get',
    path: '/api/v1/transaction-summaries',
    summary: 'p50, p90, a trend and the newest run of up to 100 transactions',
    description: [
      'Figures of the whole hours the period touches, from the rollups (whole UTC days from the daily',
      'ones): runs, SLA % and, of the non-FAIL runs, p50 and p90, read from duration histograms with',
      `eight bins per doubling (within a factor of ${percentileBound.toFixed(4)} of the exact`,
      'percentiles). The trend splits the same rows into equal buckets, as near `points` of them as whole',
      'units allow: whole hours for a period of up to 8 days, whole UTC days beyond; the first starts at',
      'the hour (day) the period starts in. For exact SLA figures per transaction: GET /api/v1/sla.',
      'Default period: the 24 hours until now.',
    ].join(' '),
    scope: 'read',
    stores: ['postgres'],
    query: z.strictObject({
      transaction: z
        .string()
        .max(maxTransactions * 37)
        .transform((text) => [...new Set(text.split(',').map((id) => id.trim().toLowerCase()))])
        .superRefine((ids, context) => {
          if (ids.length > maxTransactions)
            context.addIssue({ code: 'custom', message: `at most ${maxTransactions} transaction ids` });
          const bad = ids.filter((id) => !uuid.test(id));
          if (bad.length > 0)
            context.addIssue({
              code: 'custom',
              message:
                `not a transaction_id (UUID): ${bad.slice(0, 3).join(', ')}${bad.length > 3 ? ', …' : ''}`.slice(
                  0,
                  200,
                ),
            });
        })
        .describe(`transaction_ids, comma-separated, 1 to ${maxTransactions}`),
      ...periodParameters,
      points: z.coerce
        .number()
        .int()
        .min(6)
        .max(96)
        .default(defaultPoints)
        .describe(`about this many buckets of the trend (6–96, default ${defaultPoints})`),
    }),
    response: responseSchema,
    async handle({ query }, stores) {
      const to = query.to ?? now();
      const period = { from: query.from ?? new Date(to.getTime() - dayMs), to };
      refuse(periodProblems(period, query, limits));
      const summaries = await transactionSummaries(stores.postgres, {
        transactionIds: query.transaction,
        from: period.from,
        to: period.to,
        points: query.points,
      });
      return {
        period: { from: period.from.toISOString(), to: period.to.toISOString() },
        transactions: summaries.map((summary) => ({
          transaction_id: summary.transactionId,
          runs: summary.runs,
          sla_percent: slaOf(summary.runs, summary.ok),
          p50_ms: summary.p50Ms,
          p90_ms: summary.p90Ms,
          trend: summary.trend.map((point) => ({
            from: point.from.toISOString(),
            runs: point.runs,
            sla_percent: slaOf(point.runs, point.ok),
            p50_ms: point.p50Ms,
          })),
          last_run:
            summary.lastRun === null
              ? null
              : {
                  robot_id: summary.lastRun.robotId,
                  result_id: summary.lastRun.resultId,
                  status: summary.lastRun.status as 'OK' | 'WARNING' | 'FAIL',
                  started_at: summary.lastRun.startedAt.toISOString(),
                },
        })),
      };
    },
  });
}
