// GET /api/v1/heatmap — mean and p90 run duration by weekday × hour in a time zone
// (console/queries/heatmap.ts).
import { z } from 'zod';
import { type AnyEndpoint, defineEndpoint } from '../endpoint.ts';
import { percentileBound } from '../queries/duration-histogram.ts';
import { durationHeatmap } from '../queries/heatmap.ts';
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
/** The period when none is asked for: four weeks, every weekday four times. */
const defaultDays = 28;

const cellSchema = z.strictObject({
  weekday: z.number().int().min(1).max(7).describe('ISO weekday in tz: 1 = Monday … 7 = Sunday'),
  hour: z.number().int().min(0).max(23).describe('hour of the day in tz'),
  runs: z.number().int().min(0).describe('runs that started in the cell, FAIL included'),
  durations: z.number().int().min(0).describe('non-FAIL runs: the ones whose duration counts'),
  mean_ms: z.number().nullable(),
  p90_ms: z.number().nullable(),
});

const responseSchema = z.strictObject({
  tz: z.string(),
  period: z.strictObject({ from: z.iso.datetime(), to: z.iso.datetime() }),
  /** Within this factor of the exact p90 of the cell's durations. */
  p90_bound_factor: z.number(),
  cells: z.array(cellSchema).describe('168 cells, Monday 00 first, then by hour and weekday'),
});
export type HeatmapAnswer = z.output<typeof responseSchema>;

const cellColumns = ['weekday', 'hour', 'runs', 'durations', 'mean_ms', 'p90_ms'] as const;

export function heatmapEndpoint(limits: ReportLimits, now: () => Date = () => new Date()): AnyEndpoint {
  return defineEndpoint({
    operationId: 'getHeatmap',
    method: 'get',
    path: '/api/v1/heatmap',
    summary: 'Mean and p90 run duration by weekday × hour, for a transaction, service or project',
    description: [
      'Cells are local weekday and hour in `tz` of the runs’ start; durations are those of non-FAIL',
      'runs (a FAIL’s time says how long it took to fail); null where there were none. The mean is',
      'exact; the p90 is read from duration histograms with eight bins per doubling and is within a',
      `factor of ${percentileBound.toFixed(4)} of the exact percentile (percentile_cont) of the cell’s`,
      `durations. Default period: the ${defaultDays} days until now.`,
    ].join(' '),
    scope: 'read',
    stores: ['postgres'],
    query: z
      .strictObject({ ...filterParameters, ...periodParameters, tz: timeZoneParameter })
      .superRefine((query, context) => {
        if (query.transaction === undefined && query.service === undefined && query.project === undefined)
          context.addIssue({
            code: 'custom',
            path: ['transaction'],
            message: 'give transaction, service or project',
          });
      }),
    response: responseSchema,
    csv: (body: HeatmapAnswer) => ({
      columns: [...cellColumns],
      rows: body.cells.map((cell) => cellColumns.map((column) => cell[column])),
    }),
    async handle({ query }, stores) {
      const to = query.to ?? now();
      const period = { from: query.from ?? new Date(to.getTime() - defaultDays * dayMs), to };
      refuse(periodProblems(period, query, limits));
      const cells = await durationHeatmap(stores.postgres, {
        filters: filtersOf(query),
        period,
        tz: query.tz,
      });
      return {
        tz: query.tz,
        period: { from: period.from.toISOString(), to: period.to.toISOString() },
        p90_bound_factor: percentileBound,
        cells,
      };
    },
  });
}
