// GET /api/v1/transactions/{transaction_id} — one transaction over a period: durations over time
// with the learned band and the forecast, per location, per step, the duration distribution and
// the daily runs and errors (console/queries/transaction-detail.ts).
import { z } from 'zod';
import { type AnyEndpoint, defineEndpoint, NotFoundError } from '../endpoint.ts';
import { percentileBound } from '../queries/duration-histogram.ts';
import { type Interval, transactionDetail } from '../queries/transaction-detail.ts';
import {
  filterParameters,
  filtersOf,
  periodParameters,
  periodProblems,
  type ReportLimits,
  refuse,
  timeZoneParameter,
} from './report-parameters.ts';

const dayMs = 86_400_000;
/** The period when none is asked for: the 7 days until now. */
const defaultDays = 7;
/** Hourly points up to this many days (744 points at most); longer periods are drawn by day. */
const maxHourlyDays = 31;

const count = z.number().int().min(0);
const percent = z.number().min(0).max(100).nullable();
const ms = z.number().min(0).nullable();
const instant = z.iso.datetime();

const figures = {
  runs: count,
  ok: count,
  warning: count,
  fail: count,
  sla_percent: percent.describe('100 × OK / runs'),
  availability_percent: percent.describe('100 × (OK + WARNING) / runs'),
  durations: count.describe('non-FAIL runs: those whose duration counts'),
  mean_ms: ms.describe('exact mean of the non-FAIL durations'),
  p50_ms: ms.describe('from the duration histograms: within p_bound_factor of the exact median'),
  p90_ms: ms.describe('from the duration histograms: within p_bound_factor of the exact p90'),
};

const bandSchema = z.strictObject({ p10_ms: ms, p50_ms: ms, p90_ms: ms });

const responseSchema = z.strictObject({
  transaction: z.strictObject({
    transaction_id: z.string(),
    name: z.string().nullable(),
    service: z.string().nullable(),
    project: z.string().nullable(),
  }),
  period: z.strictObject({ from: instant, to: instant }),
  tz: z.string(),
  interval: z.enum(['hour', 'day']),
  p_bound_factor: z.number().describe('every p50/p90 is within this factor of the exact percentile'),
  summary: z.strictObject(figures),
  baseline: z
    .strictObject({
      series_key: z.string(),
      state: z.string().describe('learning: provisional, nothing is judged against it; ready'),
      window_runs: count,
      newest_run_at: instant,
      p10_ms: ms,
      p50_ms: ms,
      p90_ms: ms,
      availability: z.number().min(0).max(1).nullable(),
    })
    .nullable()
    .describe('the band of the whole window, as the baseline worker last published it'),
  points: z
    .array(
      z.strictObject({
        from: instant,
        to: instant,
        ...figures,
        band: bandSchema
          .nullable()
          .describe('the learned band (hour: of the hour of week; day: all hours); null while learning'),
      }),
    )
    .describe('durations over time: one point per UTC hour or per local day in tz'),
  forecast: z
    .array(
      z.strictObject({
        day: z.iso.date().describe('UTC day'),
        p50_ms: ms,
        availability: z.number().min(0).max(1).nullable(),
        computed_at: instant,
        based_on_days: count,
        method: z.string(),
      }),
    )
    .describe('the forecast for the days of the period and the 7 after it'),
  locations: z.array(
    z.strictObject({
      location: z.string().nullable(),
      latitude: z.number().nullable(),
      longitude: z.number().nullable(),
      ...figures,
      slower_than_others_percent: z
        .number()
        .nullable()
        .describe('100 × (this p50 / the p50 of the other locations’ runs − 1); negative: faster'),
    }),
  ),
  steps: z.array(
    z.strictObject({
      index: z.number().int(),
      name: z.string(),
      ...figures,
      fail_percent: percent.describe('100 × FAIL / runs of the step'),
      failure_share_percent: percent.describe('100 × this step’s FAILs / the FAILs of every step'),
    }),
  ),
  distribution: z
    .array(z.strictObject({ from_s: z.number(), to_s: z.number().nullable(), runs: count }))
    .describe('non-FAIL runs by duration: [from_s, to_s) seconds, exact counts'),
  daily: z
    .array(z.strictObject({ day: z.iso.date(), runs: count, ok: count, warning: count, fail: count }))
    .describe('every local day of the period in tz; fail = the errors'),
});
export type DetailAnswer = z.output<typeof responseSchema>;

const pointColumns = [
  'from',
  'to',
  'runs',
  'ok',
  'warning',
  'fail',
  'durations',
  'mean_ms',
  'p50_ms',
  'p90_ms',
  'band_p10_ms',
  'band_p50_ms',
  'band_p90_ms',
] as const;

const { project: _project, service: _service, transaction: _transaction, ...ownFilters } = filterParameters;

export function transactionDetailEndpoint(
  limits: ReportLimits,
  now: () => Date = () => new Date(),
): AnyEndpoint {
  return defineEndpoint({
    operationId: 'getTransaction',
    method: 'get',
    path: '/api/v1/transactions/{transaction_id}',
    summary:
      'A transaction over a period: durations with band and forecast, locations, steps, distribution, days',
    description: [
      `Default period: the ${defaultDays} days until now. Points: per UTC hour for a period of up to`,
      `${defaultDays} days, else per local day in \`tz\`; \`interval=hour\` asks for hours up to ${maxHourlyDays} days.`,
      'Durations are those of non-FAIL runs. The mean is exact; p50/p90 come',
      `from duration histograms and are within a factor ${percentileBound.toFixed(4)} of the exact`,
      'percentile (so a location’s slower_than_others_percent is within that factor squared). The band is',
      'the one the baseline worker stored (`<id>|run|<location or *>`), of each point’s hour of week for',
      'hours and of all hours for days. The CSV holds the points.',
    ].join(' '),
    scope: 'read',
    stores: ['postgres'],
    params: z.strictObject({
      transaction_id: z
        .guid()
        .transform((id) => id.toLowerCase())
        .describe('the transaction'),
    }),
    query: z.strictObject({
      ...ownFilters,
      ...periodParameters,
      tz: timeZoneParameter,
      interval: z
        .enum(['hour', 'day'])
        .optional()
        .describe(
          `points per UTC hour (up to ${maxHourlyDays} days) or per local day; default by the period`,
        ),
    }),
    response: responseSchema,
    csv: (body: DetailAnswer) => ({
      columns: [...pointColumns],
      rows: body.points.map((point) => [
        point.from,
        point.to,
        point.runs,
        point.ok,
        point.warning,
        point.fail,
        point.durations,
        point.mean_ms,
        point.p50_ms,
        point.p90_ms,
        point.band?.p10_ms ?? null,
        point.band?.p50_ms ?? null,
        point.band?.p90_ms ?? null,
      ]),
    }),
    async handle({ params, query }, stores) {
      const to = query.to ?? now();
      const period = { from: query.from ?? new Date(to.getTime() - defaultDays * dayMs), to };
      refuse(periodProblems(period, query, limits));
      const days = (period.to.getTime() - period.from.getTime()) / dayMs;
      const interval: Interval = query.interval ?? (days <= defaultDays ? 'hour' : 'day');
      if (interval === 'hour' && days > maxHourlyDays)
        refuse([{ path: 'interval', problem: `hourly points cover at most ${maxHourlyDays} days` }]);
      const detail = await transactionDetail(stores.postgres, {
        transactionId: params.transaction_id,
        filters: filtersOf(query),
        period,
        tz: query.tz,
        interval,
      });
      if (detail === undefined) throw new NotFoundError(`no transaction ${params.transaction_id}`);
      const iso = (at: Date) => at.toISOString();
      return {
        transaction: detail.transaction,
        period: { from: iso(period.from), to: iso(period.to) },
        tz: query.tz,
        interval,
        p_bound_factor: percentileBound,
        summary: detail.summary,
        baseline:
          detail.baseline === null
            ? null
            : {
                series_key: detail.baseline.series_key,
                state: detail.baseline.state,
                window_runs: detail.baseline.window_runs,
                newest_run_at: iso(detail.baseline.newest_run_at),
                p10_ms: detail.baseline.p10_ms,
                p50_ms: detail.baseline.p50_ms,
                p90_ms: detail.baseline.p90_ms,
                availability: detail.baseline.availability,
              },
        points: detail.points.map((point) => ({ ...point, from: iso(point.from), to: iso(point.to) })),
        forecast: detail.forecast.map((day) => ({ ...day, computed_at: iso(day.computed_at) })),
        locations: detail.locations,
        steps: detail.steps,
        distribution: detail.distribution,
        daily: detail.daily,
      };
    },
  });
}
