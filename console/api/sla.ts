// GET /api/v1/sla — the SLA report at a level, worst first (console/queries/sla.ts).
import { z } from 'zod';
import { type AnyEndpoint, defineEndpoint } from '../endpoint.ts';
import { reportPeriods } from '../queries/period.ts';
import { factColumns, type SlaRow, type StatusCounts, slaLevels, slaReport } from '../queries/sla.ts';
import { targetKeyOf, targetsByObject } from '../queries/targets.ts';
import {
  filterParameters,
  filtersOf,
  periodParameters,
  periodProblems,
  type ReportLimits,
  refuse,
  timeZoneParameter,
} from './report-parameters.ts';

const count = z.number().int().min(0);
const percent = z.number().min(0).max(100).nullable();

const statusCountsSchema = z.strictObject({
  runs: count,
  ok: count,
  warning: count,
  fail: count,
  sla_percent: percent.describe('100 × OK / runs; null without runs'),
  availability_percent: percent.describe('100 × (OK + WARNING) / runs; null without runs'),
});

const periodSchema = z.strictObject({ from: z.iso.datetime(), to: z.iso.datetime() });

const rowSchema = statusCountsSchema.extend({
  project: z.string().nullable(),
  service: z.string().nullable(),
  transaction_id: z.string().nullable(),
  transaction_name: z.string().nullable(),
  robot_id: z.string().nullable(),
  robot_name: z.string().nullable(),
  location: z.string().nullable(),
  step_index: z.number().int().nullable(),
  step_name: z.string().nullable(),
  previous: statusCountsSchema,
  today: statusCountsSchema,
  sla_change: z.number().nullable().describe('SLA % minus the previous period’s, in percentage points'),
  availability_change: z.number().nullable(),
  target_sla_percent: percent.describe(
    'the target SLA of the object (levels project, service, transaction; PUT /api/v1/targets), where one is set',
  ),
  target_met: z
    .boolean()
    .nullable()
    .describe('whether the period’s SLA % reached the target (≥); null without a target or without runs'),
});

const responseSchema = z.strictObject({
  level: z.enum(slaLevels),
  tz: z.string(),
  period: periodSchema,
  previous_period: periodSchema,
  today_period: periodSchema,
  total_rows: count.describe('objects of the level with runs in the period or the one before'),
  truncated: z.boolean().describe('whether rows holds only the first `limit` of them, in the order asked'),
  rows: z.array(rowSchema),
});
export type SlaAnswer = z.output<typeof responseSchema>;

const sorts = ['worst', 'name', 'runs'] as const;
const defaultSlaRows = 1000;
const maxSlaRows = 20_000;

/** The object columns of a row, then the figures: the CSV's columns. */
const objectColumns = factColumns;
const countColumns = ['runs', 'ok', 'warning', 'fail', 'sla_percent', 'availability_percent'] as const;

const countsOf = (counts: StatusCounts) => countColumns.map((column) => counts[column]);

const byName = (a: SlaRow, b: SlaRow) =>
  objectColumns
    .map((column) => String(a[column] ?? '').localeCompare(String(b[column] ?? '')))
    .find((order) => order !== 0) ?? 0;

export function slaEndpoint(limits: ReportLimits, now: () => Date = () => new Date()): AnyEndpoint {
  return defineEndpoint({
    operationId: 'getSla',
    method: 'get',
    path: '/api/v1/sla',
    summary: 'SLA and availability per object of a level, worst first',
    description: [
      'SLA % = OK runs / all runs; availability % = non-FAIL (OK or WARNING) runs / all runs (at level',
      '`step`: steps). Per object: the period (`from`–`to`, default Monday 00:00 of this week in `tz`',
      'until now), the period of the same length just before it, and today (since 00:00 in `tz`), with',
      'the change against the previous period in percentage points. Objects with runs in the period or',
      'the one before are listed. Exact for any period: whole hours come from the hourly rollups, the',
      'edges from the runs themselves.',
    ].join(' '),
    scope: 'read',
    stores: ['postgres'],
    query: z.strictObject({
      level: z.enum(slaLevels).default('transaction'),
      ...filterParameters,
      ...periodParameters,
      tz: timeZoneParameter,
      sort: z.enum(sorts).default('worst').describe('worst SLA first (default), by name, or most runs first'),
      // Bounded: a robot may send up to 500 steps per run, so the step level of a busy fleet can
      // hold hundreds of thousands of objects (a 131 MB answer in 45 s on the dev stack).
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(maxSlaRows)
        .default(defaultSlaRows)
        .describe(`at most this many rows, the first in the order asked (default ${defaultSlaRows})`),
    }),
    response: responseSchema,
    csv: (body: SlaAnswer) => ({
      columns: [
        ...objectColumns,
        ...countColumns,
        ...countColumns.map((column) => `previous_${column}`),
        ...countColumns.map((column) => `today_${column}`),
        'sla_change',
        'availability_change',
        'target_sla_percent',
        'target_met',
      ],
      rows: body.rows.map((row) => [
        ...objectColumns.map((column) => row[column]),
        ...countsOf(row),
        ...countsOf(row.previous),
        ...countsOf(row.today),
        row.sla_change,
        row.availability_change,
        row.target_sla_percent,
        row.target_met,
      ]),
    }),
    async handle({ query }, stores) {
      const periods = await reportPeriods(stores.postgres, {
        from: query.from,
        to: query.to,
        tz: query.tz,
        now: now(),
      });
      refuse(periodProblems(periods.current, query, limits));
      const [rows, targets] = await Promise.all([
        slaReport(stores.postgres, { level: query.level, filters: filtersOf(query), periods }),
        targetsByObject(stores.postgres),
      ]);
      if (query.sort === 'name') rows.sort(byName);
      if (query.sort === 'runs') rows.sort((a, b) => b.runs - a.runs || byName(a, b));
      const shown = rows.slice(0, query.limit);
      const iso = (period: { from: Date; to: Date }) => ({
        from: period.from.toISOString(),
        to: period.to.toISOString(),
      });
      return {
        level: query.level,
        tz: query.tz,
        period: iso(periods.current),
        previous_period: iso(periods.previous),
        today_period: iso(periods.today),
        total_rows: rows.length,
        truncated: shown.length < rows.length,
        rows: shown.map((row) => {
          const key = targetKeyOf(query.level, row);
          const target = key === undefined ? undefined : targets.get(key);
          return {
            ...row,
            target_sla_percent: target ?? null,
            target_met: target === undefined || row.sla_percent === null ? null : row.sla_percent >= target,
          };
        }),
      };
    },
  });
}
