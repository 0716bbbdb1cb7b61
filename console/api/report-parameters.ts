// Query parameters the report endpoints share (SLA, heatmap, runs): the filters, the period, the
// time zone, the keyset cursor (runs, events); and the checks between them (from before to, a period no longer than the configured
// maximum), each refusal naming its parameter.
import { z } from 'zod';
import { isTimeZone } from '../../core/time-zone.ts';
import { type FieldProblem, InvalidParametersError } from '../endpoint.ts';
import { filterNames } from '../queries/filters.ts';

/** What the configuration limits (console.max_period_days). */
export interface ReportLimits {
  maxPeriodDays: number;
}

export const timeZoneParameter = z
  .string()
  .refine(isTimeZone, { message: 'not an IANA time zone name (e.g. Europe/Berlin, UTC)' })
  .default('UTC')
  .describe('IANA time zone of calendar periods (this week, today) and of the answer’s hours; default UTC');

export const instantParameter = z.iso
  .datetime({ offset: true })
  .transform((text) => new Date(text))
  .describe('ISO 8601 date and time with its offset, e.g. 2026-10-25T00:00:00+02:00');

/**
 * `cursor` of a keyset-paged list (runs, events): the `next_cursor` a page gave, decoded by
 * `decode`; anything else is a 400 naming `cursor`.
 */
export function cursorParameter<Cursor>(decode: (text: string) => Cursor | undefined) {
  return z
    .string()
    .transform((text, context) => {
      const cursor = decode(text);
      if (cursor === undefined) {
        context.addIssue({ code: 'custom', message: 'not a cursor this API gave out' });
        return z.NEVER;
      }
      return cursor;
    })
    .optional()
    .describe('next_cursor of the page before');
}

const uuidParameter = z.guid().transform((id) => id.toLowerCase());

export const filterParameters = {
  project: z.string().min(1).max(256).optional().describe('only this project'),
  service: z.string().min(1).max(256).optional().describe('only this service'),
  transaction: uuidParameter.optional().describe('only this transaction (transaction_id)'),
  robot: uuidParameter.optional().describe('only this robot (robot_id)'),
  location: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('only this location: country/region/city, known parts'),
  environment: z.string().min(1).max(256).optional().describe('only this environment'),
} satisfies Record<(typeof filterNames)[number], z.ZodType>;

export const periodParameters = {
  from: instantParameter.optional(),
  to: instantParameter.optional(),
};

/** The filters of a parsed query, nothing else. */
export function filtersOf(query: Partial<Record<(typeof filterNames)[number], string>>) {
  return Object.fromEntries(filterNames.map((name) => [name, query[name]]));
}

const dayMs = 86_400_000;

/**
 * The refusals of a period once its defaults are filled in: `from` not before `to` (when either
 * was asked for), or longer than the configured maximum. Each names the parameter to change.
 */
export function periodProblems(
  period: { from: Date; to: Date },
  asked: { from?: Date | undefined; to?: Date | undefined },
  limits: ReportLimits,
): FieldProblem[] {
  const named = asked.from !== undefined ? 'from' : 'to';
  if (period.from >= period.to) {
    if (asked.from === undefined && asked.to === undefined) return [];
    if (asked.from === undefined) return [{ path: 'to', problem: 'leaves an empty period: give from too' }];
    return [{ path: 'from', problem: asked.to === undefined ? 'must be before now' : 'must be before to' }];
  }
  if (period.to.getTime() - period.from.getTime() > limits.maxPeriodDays * dayMs)
    return [
      {
        path: named,
        problem: `the period may be at most ${limits.maxPeriodDays} days (console.max_period_days)`,
      },
    ];
  return [];
}

/** Throws the 400 of `problems`, if any. */
export function refuse(problems: FieldProblem[]): void {
  if (problems.length > 0) throw new InvalidParametersError(problems);
}
