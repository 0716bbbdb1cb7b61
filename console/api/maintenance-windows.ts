// Maintenance windows: while one applies, the event detector records problems but suppresses their
// events (schemas/maintenance-window.ts). Two kinds, judged by the same rules:
//
// - the event detector's setting (`workers.event-detector.maintenance_windows` of the same
//   primoart.yml): listed here as `source: config`, read-only (a change is an edit and a restart);
// - the API's (`source: api`): POST creates one (admin), DELETE removes it (admin). The console
//   publishes the record, or a tombstone, to the compacted topic primoart.maintenance-windows.v1
//   (console/maintenance-window-publisher.ts); every event detector reads the topic and judges by
//   it within moments, and so does this process (console/maintenance-window-view.ts): a create or
//   delete answers once Kafka acknowledged it and, at most `console.maintenance_visible_within_ms`
//   later, once this console's view shows it, so a GET after it reads the change.
//
// GET /api/v1/maintenance-windows lists every window; with `transaction` it answers instead the
// stretches of time the windows covered that transaction in a period (the transaction chart's
// shading).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type MaintenanceWindow, maintenanceIntervals, weekdays } from '../../schemas/maintenance-window.ts';
import {
  type MaintenanceWindowRequest,
  maintenanceWindowOfRecord,
  maintenanceWindowRequestSchema,
  toMaintenanceWindowRecord,
} from '../../schemas/maintenance-window-record.ts';
import { type AnyEndpoint, ConflictError, defineEndpoint, NotFoundError } from '../endpoint.ts';
import type { MaintenanceWindowPublisher } from '../maintenance-window-publisher.ts';
import type { ApiMaintenanceWindow, MaintenanceWindowIndex } from '../maintenance-window-view.ts';
import { periodParameters, periodProblems, type ReportLimits, refuse } from './report-parameters.ts';

const dayMs = 86_400_000;

const windowSchema = z.strictObject({
  id: z.string().describe('config: the id in the setting; api: a UUID'),
  source: z
    .enum(['config', 'api'])
    .describe('config: the event detector’s setting in primoart.yml; api: created through this API'),
  read_only: z.boolean().describe('true for config windows: only a change of the file removes them'),
  transaction_id: z.string().nullable().describe('covers this transaction only'),
  service: z.string().nullable().describe('covers every transaction of this service'),
  once: z
    .strictObject({ from: z.iso.datetime(), to: z.iso.datetime() })
    .nullable()
    .describe('a one-off window, from (inclusive) to (exclusive)'),
  weekly: z
    .strictObject({
      days: z.array(z.enum(weekdays)),
      start: z.string(),
      end: z.string(),
      time_zone: z.string(),
    })
    .nullable()
    .describe('a weekly window: local HH:MM start and end (at or before start: past midnight)'),
  description: z.string().nullable(),
  created_by_key_id: z.string().nullable().describe('api: the id of the API key that created it'),
  created_at: z.iso.datetime().nullable().describe('api: when the console accepted it'),
});
type WindowAnswer = z.output<typeof windowSchema>;

const listSchema = z.strictObject({
  windows: z
    .array(windowSchema)
    .describe('the config file’s first, in its order; then the API’s, oldest first'),
});
const intervalsSchema = z.strictObject({
  period: z.strictObject({ from: z.iso.datetime(), to: z.iso.datetime() }),
  windows: z
    .array(
      z.strictObject({
        id: z.string().describe('the window’s id'),
        source: z.enum(['config', 'api']),
        description: z.string().nullable(),
        from: z.iso.datetime(),
        to: z.iso.datetime(),
      }),
    )
    .describe('by start, each clipped to the period; overlapping windows each listed'),
});
type ListAnswer = z.output<typeof listSchema>;
/** The answer with `transaction`: what the transaction page shades. */
export type MaintenanceIntervalsAnswer = z.output<typeof intervalsSchema>;

function scheduleAnswer(window: MaintenanceWindow): Pick<WindowAnswer, 'once' | 'weekly'> {
  const { schedule } = window;
  if (schedule.kind === 'once')
    return { once: { from: schedule.from.toISOString(), to: schedule.to.toISOString() }, weekly: null };
  return {
    once: null,
    weekly: {
      days: [...schedule.days],
      start: schedule.start,
      end: schedule.end,
      time_zone: schedule.time_zone ?? 'UTC',
    },
  };
}

function configAnswer(window: MaintenanceWindow): WindowAnswer {
  return {
    id: window.id,
    source: 'config',
    read_only: true,
    transaction_id: window.transaction_id ?? null,
    service: window.service ?? null,
    ...scheduleAnswer(window),
    description: null,
    created_by_key_id: null,
    created_at: null,
  };
}

function apiAnswer({ record, window }: ApiMaintenanceWindow): WindowAnswer {
  return {
    id: record.id,
    source: 'api',
    read_only: false,
    transaction_id: record.transaction_id,
    service: record.service,
    ...scheduleAnswer(window),
    description: record.description,
    created_by_key_id: record.created_by_key_id,
    created_at: new Date(record.created_at).toISOString(),
  };
}

const windowColumns = [
  'id',
  'source',
  'read_only',
  'transaction_id',
  'service',
  'once_from',
  'once_to',
  'weekly_days',
  'weekly_start',
  'weekly_end',
  'weekly_time_zone',
  'description',
  'created_by_key_id',
  'created_at',
];
const windowRow = (w: WindowAnswer) => [
  w.id,
  w.source,
  w.read_only,
  w.transaction_id,
  w.service,
  w.once?.from ?? null,
  w.once?.to ?? null,
  w.weekly?.days.join(',') ?? null,
  w.weekly?.start ?? null,
  w.weekly?.end ?? null,
  w.weekly?.time_zone ?? null,
  w.description,
  w.created_by_key_id,
  w.created_at,
];

export interface MaintenanceWindowSettings {
  /** The event detector's setting (its section of the same file): listed, read-only. */
  configured: readonly MaintenanceWindow[];
  /** The API's windows as this process's view of the topic holds them. */
  windows: MaintenanceWindowIndex;
  publisher: MaintenanceWindowPublisher;
  /** `console.maintenance_visible_within_ms`: how long a create or delete waits for the view to show it. */
  visibleWithinMs: number;
  now?: () => Date;
  newId?: () => string;
}

const windowIdParameter = z.strictObject({
  id: z.string().min(1).max(256).describe('the window’s id'),
});

export function maintenanceWindowEndpoints(
  limits: ReportLimits,
  settings: MaintenanceWindowSettings,
): readonly AnyEndpoint[] {
  const { configured, windows, publisher, visibleWithinMs } = settings;
  const now = settings.now ?? (() => new Date());
  const newId = settings.newId ?? randomUUID;
  const configuredWindow = (id: string) => configured.find((window) => window.id === id);
  /** Every window in force: the setting's and the API's, as the event detector judges by them. */
  const inForce = (): MaintenanceWindow[] => [...configured, ...windows.list().map((w) => w.window)];
  const sourceOf = (id: string) => (configuredWindow(id) !== undefined ? 'config' : 'api');

  const list = defineEndpoint({
    operationId: 'listMaintenanceWindows',
    method: 'get',
    path: '/api/v1/maintenance-windows',
    summary: 'Every maintenance window; or, for a transaction, when windows covered it within a period',
    description: [
      'Without `transaction`: every window, the event detector’s setting (source config, read-only)',
      'and those created through this API (source api). With `transaction`: the windows that cover it',
      '(its own, its service’s, or everything) as the stretches of time they covered within the',
      'period (default: the 7 days until now), a weekly window’s local times read in its time zone on',
      'each day; 404 for an unknown transaction.',
    ].join(' '),
    scope: 'read',
    stores: ['postgres'],
    query: z.strictObject({
      transaction: z
        .guid()
        .transform((id) => id.toLowerCase())
        .optional()
        .describe('the transaction_id: answer the stretches the windows covered it'),
      ...periodParameters,
    }),
    response: z.union([listSchema, intervalsSchema]),
    csv: (body: ListAnswer | MaintenanceIntervalsAnswer) =>
      'period' in body
        ? {
            columns: ['id', 'source', 'description', 'from', 'to'],
            rows: body.windows.map((w) => [w.id, w.source, w.description, w.from, w.to]),
          }
        : { columns: windowColumns, rows: body.windows.map(windowRow) },
    async handle({ query }, stores): Promise<ListAnswer | MaintenanceIntervalsAnswer> {
      if (query.transaction === undefined) {
        refuse(
          (['from', 'to'] as const)
            .filter((name) => query[name] !== undefined)
            .map((name) => ({ path: name, problem: 'only with transaction' })),
        );
        return {
          windows: [...configured.map(configAnswer), ...windows.list().map(apiAnswer)],
        };
      }
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
        inForce(),
        { transaction_id: query.transaction, service: known.service ?? '' },
        period,
      );
      return {
        period: { from: period.from.toISOString(), to: period.to.toISOString() },
        windows: intervals.map((interval) => ({
          id: interval.id,
          source: sourceOf(interval.id),
          description: windows.get(interval.id)?.record.description ?? null,
          from: interval.from.toISOString(),
          to: interval.to.toISOString(),
        })),
      };
    },
  });

  const get = defineEndpoint({
    operationId: 'getMaintenanceWindow',
    method: 'get',
    path: '/api/v1/maintenance-windows/{id}',
    summary: 'One maintenance window',
    scope: 'read',
    stores: [],
    params: windowIdParameter,
    query: z.strictObject({}),
    response: z.strictObject({ window: windowSchema }),
    async handle({ params }) {
      const fromConfig = configuredWindow(params.id);
      if (fromConfig !== undefined) return { window: configAnswer(fromConfig) };
      const fromApi = windows.get(params.id.toLowerCase());
      if (fromApi === undefined) throw new NotFoundError(`no maintenance window ${params.id}`);
      return { window: apiAnswer(fromApi) };
    },
  });

  const create = defineEndpoint({
    operationId: 'createMaintenanceWindow',
    method: 'post',
    path: '/api/v1/maintenance-windows',
    summary: 'Create a maintenance window (admin)',
    description: [
      'One-off (`once`) or weekly (`weekly`), for a transaction (`transaction_id`), a service',
      '(`service`) or, with neither, everything. Published to primoart.maintenance-windows.v1: every',
      'event detector judges by it within seconds, and suppresses (records but does not alert) the',
      'problems it covers. The answer is 201 once Kafka acknowledged it, with `Location`.',
    ].join(' '),
    scope: 'admin',
    stores: [],
    query: z.strictObject({}),
    body: maintenanceWindowRequestSchema,
    response: z.strictObject({ window: windowSchema }),
    created: (answer) => ({ location: `/api/v1/maintenance-windows/${answer.window.id}` }),
    conflict: 'the id asked for is in use (a window of the config file or of the API)',
    async handle({ body, key }) {
      const request = body as MaintenanceWindowRequest;
      const id = request.id ?? newId();
      if (configuredWindow(id) !== undefined || windows.get(id) !== undefined)
        throw new ConflictError(`the maintenance window id ${id} is in use`);
      const record = toMaintenanceWindowRecord(request, { id, createdByKeyId: key.id, createdAt: now() });
      await publisher.publish(record);
      // Acknowledged is created; the view showing it too lets a GET right after read it.
      await windows.settled(id, true, visibleWithinMs);
      return { window: apiAnswer(windows.get(id) ?? { record, window: maintenanceWindowOfRecord(record) }) };
    },
  });

  const remove = defineEndpoint({
    operationId: 'deleteMaintenanceWindow',
    method: 'delete',
    path: '/api/v1/maintenance-windows/{id}',
    summary: 'Delete a maintenance window created through the API (admin)',
    description: [
      'A tombstone on primoart.maintenance-windows.v1: every event detector stops judging by it within',
      'seconds. Answers the window as it was. A window of the config file cannot be deleted here (409).',
    ].join(' '),
    scope: 'admin',
    stores: [],
    params: windowIdParameter,
    query: z.strictObject({}),
    response: z.strictObject({ window: windowSchema }),
    conflict: 'the window is the config file’s (read-only: remove it from the file)',
    async handle({ params, key }) {
      if (configuredWindow(params.id) !== undefined)
        throw new ConflictError(
          `maintenance window ${params.id} is the config file's (workers.event-detector.maintenance_windows): remove it there`,
        );
      // The API's ids are lowercase UUIDs (however a client spells them); the file's are as written.
      const id = params.id.toLowerCase();
      const existing = windows.get(id);
      if (existing === undefined) throw new NotFoundError(`no maintenance window ${params.id}`);
      await publisher.remove(id, key.id);
      await windows.settled(id, false, visibleWithinMs);
      return { window: apiAnswer(existing) };
    },
  });

  return [list, get, create, remove];
}
