// GET /api/v1/events — the recent events feed: problems opening and clearing as the event
// detector judged them, newest first, filtered, paged by an opaque cursor (console/queries/events.ts).
import { z } from 'zod';
import { defineEndpoint } from '../endpoint.ts';
import { decodeEventCursor, encodeEventCursor, eventsPage } from '../queries/events.ts';
import { cursorParameter, instantParameter } from './report-parameters.ts';

const defaultLimit = 100;
const maxLimit = 1000;

const eventSchema = z.strictObject({
  event_id: z.guid(),
  occurred_at: z.iso
    .datetime()
    .describe('the judged run’s finish (for no_data: when the silence was seen), UTC'),
  action: z.string().describe('open (also a change of severity or of the failing locations) or clear'),
  kind: z.string().describe('availability, performance, degraded or no_data'),
  severity: z.string().describe('critical, major or warning for an open; normal for a clear'),
  transaction_id: z.guid(),
  transaction_name: z.string(),
  service: z.string(),
  project: z.string().nullable().describe('from the catalogue; null when no run of it is stored yet'),
  environment: z.string(),
  location: z
    .string()
    .nullable()
    .describe(
      'country/region/city of a location’s problem; null: the transaction’s problem over its locations',
    ),
  locations: z
    .array(z.string())
    .describe('the failing locations an open names (country/region/city; empty text: runs without one)'),
  locations_total: z
    .number()
    .int()
    .describe('how many locations the transaction has (0: an event from before)'),
  result_id: z.guid().nullable().describe('the run judged (for no_data: the last run before the silence)'),
  robot_id: z
    .guid()
    .nullable()
    .describe('the robot of the judged run (null: an older event whose run is not stored)'),
  value: z.string(),
  text: z.string().describe('the detector’s sentence, as data (robot-supplied names are not interpreted)'),
  suppressed: z.boolean().describe('inside a maintenance window: no alert was raised'),
  maintenance_window_id: z.string().nullable(),
});
type EventAnswer = { events: Array<z.output<typeof eventSchema>>; next_cursor: string | null };

const columns = Object.keys(eventSchema.shape) as Array<keyof z.output<typeof eventSchema>>;
const nonEmpty = z.string().min(1).max(256);

export const listEvents = defineEndpoint({
  operationId: 'listEvents',
  method: 'get',
  path: '/api/v1/events',
  summary: 'Recent events (problems opening and clearing), newest first',
  description: [
    'Events as stored from primoart.events.v1, newest first (by occurred_at, then event_id), paged by',
    '`cursor` (stable while events arrive). Suppressed events (maintenance windows) are left out unless',
    '`include_suppressed=true`. The CSV holds the same rows as the page.',
  ].join(' '),
  scope: 'read',
  stores: ['postgres'],
  query: z
    .strictObject({
      project: nonEmpty.optional().describe('only this project'),
      service: nonEmpty.optional().describe('only this service'),
      transaction: z
        .guid()
        .transform((id) => id.toLowerCase())
        .optional()
        .describe('only this transaction_id'),
      location: nonEmpty.optional().describe('only this location (country/region/city, known parts)'),
      environment: nonEmpty.optional(),
      kind: z.enum(['availability', 'performance', 'degraded', 'no_data']).optional(),
      severity: z.enum(['critical', 'major', 'warning', 'normal']).optional(),
      action: z.enum(['open', 'clear']).optional(),
      include_suppressed: z
        .enum(['true', 'false'])
        .default('false')
        .transform((text) => text === 'true'),
      from: instantParameter.optional().describe('events at or after this instant'),
      to: instantParameter.optional().describe('events before this instant'),
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(maxLimit)
        .default(defaultLimit)
        .describe(`events per page (default ${defaultLimit}, at most ${maxLimit})`),
      cursor: cursorParameter(decodeEventCursor),
    })
    .superRefine((query, context) => {
      if (query.from !== undefined && query.to !== undefined && query.from >= query.to)
        context.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
    }),
  response: z.strictObject({
    events: z.array(eventSchema),
    next_cursor: z.string().nullable().describe('pass as `cursor` for the next page; null on the last one'),
  }),
  csv: (body: EventAnswer) => ({
    columns: [...columns],
    rows: body.events.map((event) => columns.map((column) => event[column])),
  }),
  async handle({ query }, stores): Promise<EventAnswer> {
    const { limit, cursor, include_suppressed, ...filters } = query;
    const page = await eventsPage(
      stores.postgres,
      { ...filters, includeSuppressed: include_suppressed },
      { limit, after: cursor },
    );
    return {
      events: page.events,
      next_cursor: page.next === undefined ? null : encodeEventCursor(page.next),
    };
  },
});
