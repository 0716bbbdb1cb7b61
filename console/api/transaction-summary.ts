// GET /api/v1/transactions/summary — per transaction of a list (the console's transaction list, a
// page of it at a time): runs, p50 and p90 over the period, a trend in equal buckets and the newest
// run (console/queries/transaction-summary.ts).
import { z } from 'zod';
import { type AnyEndpoint, defineEndpoint } from '../endpoint.ts';
import { percentileBound } from '../queries/duration-histogram.ts';
import { reportPeriods } from '../queries/period.ts';
import { transactionSummaries } from '../queries/transaction-summary.ts';
import {
  periodParameters,
  periodProblems,
  type ReportLimits,
  refuse,
  timeZoneParameter,
} from './report-parameters.ts';

const maxTransactions = 100;
const defaultPoints = 24;

const uuid = z.uuid();
/** Distinct, lower-case, in the order given; every problem in one message naming `transaction`. */
const transactionList = z.string().transform((text, context) => {
  const ids = [...new Set(text.split(',').map((id) => id.trim().toLowerCase()))];
  const bad = ids.filter((id) => !uuid.safeParse(id).success);
  if (bad.length > 0)
    context.addIssue({
      code: 'custom',
      message: `not a transaction_id (UUID): ${bad
        .slice(0, 3)
        .map((id) => JSON.stringify(id.slice(0, 40)))
        .join(', ')}${bad.length > 3 ? `, and ${bad.length - 3} more` : ''}`,
    });
  if (ids.length > maxTransactions)
    context.addIssue({
      code: 'custom',
      message: `at most ${maxTransactions} transaction_ids (${ids.length} given)`,
    });
  return bad.length > 0 || ids.length > maxTransactions ? z.NEVER : ids;
});

const count = z.number().int().min(0);
const ms = z.number().min(0).nullable();
const instant = z.iso.datetime();

const summarySchema = z.strictObject({
  transaction_id: z.uuid(),
  p50_ms: ms.describe('of the non-FAIL runs of the period; null without any'),
  p90_ms: ms.describe('of the non-FAIL runs of the period; null without any'),
  runs: count.describe('runs that started in the period'),
  last_run: z
    .strictObject({
      robot_id: z.uuid(),
      result_id: z.uuid(),
      status: z.enum(['OK', 'WARNING', 'FAIL']),
      started_at: instant,
    })
    .nullable()
    .describe('the newest run stored (by started_at), in the period or not; null: never run'),
  trend: z
    .array(
      z.strictObject({
        from: instant.describe('the bucket’s start; it ends where the next starts (the last at period.to)'),
        runs: count,
        sla_percent: z.number().min(0).max(100).nullable().describe('100 × OK / runs; null without runs'),
        p50_ms: ms.describe('of the bucket’s non-FAIL runs; null without any'),
      }),
    )
    .describe('`points` equal buckets of the period; their runs add up to `runs`'),
});

const responseSchema = z.strictObject({
  period: z.strictObject({ from: instant, to: instant }),
  transactions: z
    .array(summarySchema)
    .describe('in the order asked, each once; ids no run nor live definition names are left out'),
});
export type TransactionSummaryAnswer = z.output<typeof responseSchema>;

export function transactionSummaryEndpoint(
  limits: ReportLimits,
  now: () => Date = () => new Date(),
): AnyEndpoint {
  return defineEndpoint({
    operationId: 'getTransactionsSummary',
    method: 'get',
    path: '/api/v1/transactions/summary',
    summary: `Runs, p50, p90, a trend and the newest run of up to ${maxTransactions} transactions`,
    description: [
      'For the transaction list: per transaction asked, the runs of the period (`from`–`to`, default',
      'Monday 00:00 of this week in `tz` until now), p50 and p90 of its non-FAIL runs, the same per',
      '`points` equal buckets of the period with their runs and SLA %, and its newest run ever. Counts',
      'are exact for any period; p50/p90 come from duration histograms (as the transaction detail’s)',
      `and are within a factor ${percentileBound.toFixed(4)} of the exact percentile.`,
    ].join(' '),
    scope: 'read',
    stores: ['postgres'],
    query: z.strictObject({
      transaction: transactionList.describe(
        `transaction_ids, comma-separated: 1 to ${maxTransactions}; the answer keeps their order`,
      ),
      ...periodParameters,
      tz: timeZoneParameter,
      points: z.coerce
        .number()
        .int()
        .min(6)
        .max(96)
        .default(defaultPoints)
        .describe(`buckets of each trend (6–96, default ${defaultPoints})`),
    }),
    response: responseSchema,
    async handle({ query }, stores) {
      const { current: period } = await reportPeriods(stores.postgres, {
        from: query.from,
        to: query.to,
        tz: query.tz,
        now: now(),
      });
      refuse(periodProblems(period, query, limits));
      const summaries = await transactionSummaries(stores.postgres, {
        transactionIds: query.transaction,
        period,
        points: query.points,
      });
      return {
        period: { from: period.from.toISOString(), to: period.to.toISOString() },
        transactions: summaries.map((summary) => ({
          transaction_id: summary.transactionId,
          p50_ms: summary.figures.p50_ms,
          p90_ms: summary.figures.p90_ms,
          runs: summary.figures.runs,
          last_run:
            summary.lastRun === null
              ? null
              : {
                  robot_id: summary.lastRun.robotId,
                  result_id: summary.lastRun.resultId,
                  status: summary.lastRun.status as 'OK' | 'WARNING' | 'FAIL',
                  started_at: summary.lastRun.startedAt.toISOString(),
                },
          trend: summary.trend.map((point) => ({
            from: point.from.toISOString(),
            runs: point.figures.runs,
            sla_percent: point.figures.sla_percent,
            p50_ms: point.figures.p50_ms,
          })),
        })),
      };
    },
  });
}
