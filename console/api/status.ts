// GET /api/v1/status — how many objects of a level are OK / WARNING / CRITICAL now, and each of
// them with its state (console/queries/status.ts says how a state is decided).
import { z } from 'zod';
import { defineEndpoint } from '../endpoint.ts';
import { objectStates, type StatusObject, statusLevels, statusObjects } from '../queries/status.ts';

const count = z.number().int().min(0);
const objectSchema = z.strictObject({
  project: z.string().nullable().describe("levels project, service and transaction ('' for no project)"),
  service: z.string().nullable().describe('levels service and transaction'),
  transaction_id: z.guid().nullable().describe('level transaction'),
  transaction_name: z.string().nullable().describe('level transaction'),
  location: z.string().nullable().describe('level location: country/region/city, the known parts'),
  state: z
    .enum(objectStates)
    .describe('CRITICAL: an open critical or major problem; WARNING: an open warning; else OK'),
  open_problems: count.describe(
    'open problems (transaction × kind × location) not suppressed by maintenance',
  ),
});

const responseSchema = z.strictObject({
  level: z.enum(statusLevels),
  counts: z.strictObject({ ok: count, warning: count, critical: count, total: count }),
  objects: z.array(objectSchema).describe('worst first (CRITICAL, WARNING, OK), then by name'),
});
type StatusAnswer = z.output<typeof responseSchema>;

const columns = [
  'project',
  'service',
  'transaction_id',
  'transaction_name',
  'location',
  'state',
  'open_problems',
] as const satisfies ReadonlyArray<keyof StatusObject>;

export const getStatus = defineEndpoint({
  operationId: 'getStatus',
  method: 'get',
  path: '/api/v1/status',
  summary: 'How many objects of a level are OK, WARNING or CRITICAL now, from the open events',
  description: [
    'A problem (a transaction × kind × location, as the event detector tracks it) is open when its',
    'newest event is an open; one suppressed by a maintenance window does not count. An object takes',
    'its worst open problem: critical or major → CRITICAL, warning → WARNING, none → OK. A',
    'transaction’s problems count for its service and project; a location has the problems judged',
    'at it. Every object runs have named is listed. The CSV holds the objects.',
  ].join(' '),
  scope: 'read',
  stores: ['postgres'],
  query: z.strictObject({
    level: z.enum(statusLevels).default('transaction'),
    project: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe('only this project’s objects (at level location: its problems)'),
    service: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe('only this service’s objects (at level location: its problems)'),
  }),
  response: responseSchema,
  csv: (body: StatusAnswer) => ({
    columns: [...columns],
    rows: body.objects.map((object) => columns.map((column) => object[column])),
  }),
  async handle({ query }, stores) {
    const objects = await statusObjects(stores.postgres, query.level, query);
    const counted = (state: (typeof objectStates)[number]) =>
      objects.filter((object) => object.state === state).length;
    return {
      level: query.level,
      counts: {
        ok: counted('OK'),
        warning: counted('WARNING'),
        critical: counted('CRITICAL'),
        total: objects.length,
      },
      objects,
    };
  },
});
