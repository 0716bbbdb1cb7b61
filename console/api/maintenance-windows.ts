// GET /api/v1/maintenance-windows — when maintenance windows covered a transaction within a period:
// the stretches the event detector suppresses alerts in, for the transaction chart's shading. The
// windows are the event detector's setting (`workers.event-detector.maintenance_windows`, read from
// the same primoart.yml: schemas/maintenance-window.ts); a console whose file has none answers none.
import { z } from 'zod';
import { type MaintenanceWindow, maintenanceIntervals } from '../../schemas/maintenance-window.ts';
import { type AnyEndpoint, defineEndpoint, NotFoundError } from '../endpoint.ts';
import { periodParameters, periodProblems, type ReportLimits, refuse } from './report-parameters.ts';

const dayMs = 86_400_000;

const responseSchema = z.strictObject({
  period: z.strictObject({ from: z.iso.datetime(), to: z.iso.datetime() }),
  windows: z
    .array(
      z.strictObject({
        id: z.string().describe('the window’s id in the setting'),
        from: z.iso.datetime(),
        to: z.iso.datetime(),
      }),
    )
    .describe('by start, each clipped to the period; overlapping windows each listed'),
});

export function maintenanceWindowsEndpoint(
  limits: ReportLimits,
  windows: readonly MaintenanceWindow[],
  now: () => Date = () => new Date(),
): AnyEndpoint {
  return defineEndpoint({
    operationId: 'listMaintenanceWindows',
    method: 'get',
    path: '/api/v1/maintenance-windows',
    summary: 'When maintenance windows covered a transaction within a period',
    description: [
      'The windows of the event detector’s setting that cover the transaction (its own, its service’s,',
      'or everything), as the stretches of time they covered within the period (default: the 7 days',
      'until now); a weekly window’s local times are read in its time zone on each day.',
    ].join(' '),
    scope: 'read',
    stores: ['postgres'],
    query: z.strictObject({
      transaction: z
        .guid()
        .transform((id) => id.toLowerCase())
        .describe('the transaction_id'),
      ...periodParameters,
    }),
    response: responseSchema,
    csv: (body: z.output<typeof responseSchema>) => ({
      columns: ['id', 'from', 'to'],
      rows: body.windows.map((window) => [window.id, window.from, window.to]),
    }),
    async handle({ query }, stores) {
      const to = query.to ?? now();
      const period = { from: query.from ?? new Date(to.getTime() - 7 * dayMs), to };
      refuse(periodProblems(period, query, limits));
      // A window may cover a service: the transaction's is the catalogue's (or its definition's none).
      const { rows } = await stores.postgres.query<{ service: string | null }>(
        `SELECT service FROM synth_transactions WHERE transaction_id = $1::uuid
         UNION ALL SELECT NULL FROM synth_definitions WHERE uuid = $1::uuid AND deleted_at IS NULL
         LIMIT 1`,
        [query.transaction],
      );
      const [known] = rows;
      if (known === undefined) throw new NotFoundError(`no transaction ${query.transaction}`);
      const intervals = maintenanceIntervals(
        windows,
        { transaction_id: query.transaction, service: known.service ?? '' },
        period,
      );
      return {
        period: { from: period.from.toISOString(), to: period.to.toISOString() },
        windows: intervals.map((interval) => ({
          id: interval.id,
          from: interval.from.toISOString(),
          to: interval.to.toISOString(),
        })),
      };
    },
  });
}
