// Target SLAs: GET /api/v1/targets (the current ones), GET /api/v1/targets/changes (the audit: who
// and when), PUT /api/v1/targets/{level}/{id} (admin) to set or remove one.
//
// The console never writes to a store. A PUT publishes the change to the compacted topic
// primoart.console.sla-targets.v1 (console/target-publisher.ts) and synth-store stores it; the PUT
// then reads PostgreSQL until the change of that record (its partition and offset) is there, at
// most `console.target_stored_within_ms`, so a client that got 200 (`stored: true`) reads its own
// write in GET /api/v1/targets and in the SLA report. When synth-store is slower (lagging,
// restarting) the answer is 202 (`stored: false`) with a Location,
// GET /api/v1/targets/changes?request_id=…: the change is on the topic, acknowledged by Kafka, and
// appears there once synth-store has stored it.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { type AnyEndpoint, defineEndpoint, InvalidParametersError } from '../endpoint.ts';
import {
  currentTargets,
  storedChange,
  type TargetRow,
  targetChanges,
  targetLevels,
} from '../queries/targets.ts';
import type { TargetPublisher } from '../target-publisher.ts';

const percent = z.number().min(0).max(100);
const targetSchema = z.strictObject({
  level: z.enum(targetLevels),
  project: z.string().nullable().describe("levels project and service ('' for a service of no project)"),
  service: z.string().nullable().describe('level service'),
  transaction_id: z.guid().nullable().describe('level transaction'),
  target_percent: percent.nullable().describe('the target SLA % (OK runs / all runs); null: removed'),
  set_by_key_id: z.string().describe('who: the id of the API key that set it'),
  set_at: z.iso.datetime().describe('when the console accepted it, UTC'),
  request_id: z.guid().describe('the PUT that set it'),
});

const tableColumns = [
  'level',
  'project',
  'service',
  'transaction_id',
  'target_percent',
  'set_by_key_id',
  'set_at',
  'request_id',
] as const satisfies ReadonlyArray<keyof TargetRow>;
const table = (rows: TargetRow[]) => ({
  columns: [...tableColumns],
  rows: rows.map((row) => tableColumns.map((column) => row[column])),
});

export const listTargets = defineEndpoint({
  operationId: 'listTargets',
  method: 'get',
  path: '/api/v1/targets',
  summary: 'The target SLA of every project, service and transaction that has one',
  scope: 'read',
  stores: ['postgres'],
  query: z.strictObject({ level: z.enum(targetLevels).optional().describe('only this level’s') }),
  response: z.strictObject({ targets: z.array(targetSchema.extend({ target_percent: percent })) }),
  csv: (body) => table(body.targets),
  async handle({ query }, stores) {
    return {
      targets: (await currentTargets(stores.postgres, query)) as Array<
        TargetRow & { target_percent: number }
      >,
    };
  },
});

export const listTargetChanges = defineEndpoint({
  operationId: 'listTargetChanges',
  method: 'get',
  path: '/api/v1/targets/changes',
  summary: 'Every change of a target SLA, newest first: who (the API key) and when',
  scope: 'read',
  stores: ['postgres'],
  query: z.strictObject({
    level: z.enum(targetLevels).optional().describe('only this level’s'),
    request_id: z.guid().optional().describe('only the change of this PUT (its answer’s target.request_id)'),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(1000)
      .describe('at most this many (default 1000)'),
  }),
  response: z.strictObject({ changes: z.array(targetSchema) }),
  csv: (body) => table(body.changes),
  async handle({ query }, stores) {
    return {
      changes: await targetChanges(stores.postgres, {
        level: query.level,
        requestId: query.request_id?.toLowerCase(),
        limit: query.limit,
      }),
    };
  },
});

export interface TargetSettings {
  publisher: TargetPublisher;
  /** `console.target_stored_within_ms`: how long a PUT waits to read its change back. */
  storedWithinMs: number;
  pollMs?: number;
  now?: () => Date;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function putTargetEndpoint(settings: TargetSettings): AnyEndpoint {
  const { publisher, storedWithinMs, pollMs = 100, now = () => new Date() } = settings;
  return defineEndpoint({
    operationId: 'putTarget',
    method: 'put',
    path: '/api/v1/targets/{level}/{id}',
    summary: 'Set (or, with null, remove) the target SLA of a project, service or transaction (admin)',
    description: [
      '`id` is the project’s name, the service’s name (its project in `?project=`, default none), or',
      'the transaction_id. The change is published to primoart.console.sla-targets.v1 and stored by',
      'synth-store, with the key that set it and when (GET /api/v1/targets/changes). The answer waits',
      'until the change is stored (200, `stored: true`), at most console.target_stored_within_ms; after',
      'that it answers 202 (`stored: false`): accepted, stored shortly; `Location` lists the change once',
      'it is.',
    ].join(' '),
    scope: 'admin',
    stores: ['postgres'],
    params: z.strictObject({
      level: z.enum(targetLevels),
      id: z.string().min(1).max(256).describe('project name, service name or transaction_id'),
    }),
    query: z.strictObject({
      project: z
        .string()
        .max(256)
        .optional()
        .describe("level service: the service's project (default: none)"),
    }),
    body: z.strictObject({
      target_percent: percent.nullable().describe('the target SLA %, 0 to 100; null removes the target'),
    }),
    response: z.strictObject({
      stored: z.boolean().describe('true: stored and read back; false: accepted by Kafka, not stored yet'),
      target: targetSchema,
    }),
    accepted: (answer) =>
      answer.stored
        ? undefined
        : { location: `/api/v1/targets/changes?request_id=${answer.target.request_id}` },
    async handle({ params, query, body, key }, stores) {
      const { level, id } = params;
      if (level === 'transaction' && !uuidPattern.test(id))
        throw new InvalidParametersError([
          { path: 'id', problem: 'a transaction is named by its transaction_id (UUID)' },
        ]);
      if (level !== 'service' && query.project !== undefined)
        throw new InvalidParametersError([{ path: 'project', problem: 'only for level service' }]);
      const record = {
        level,
        project: level === 'project' ? id : level === 'service' ? (query.project ?? '') : null,
        service: level === 'service' ? id : null,
        transaction_id: level === 'transaction' ? id.toLowerCase() : null,
        target_percent: (body as { target_percent: number | null }).target_percent,
        set_by_key_id: key.id,
        set_at: now().getTime(),
        request_id: randomUUID(),
      };
      const position = await publisher.publish(record);
      const deadline = Date.now() + storedWithinMs;
      for (;;) {
        const stored = await storedChange(stores.postgres, position);
        if (stored !== undefined) return { stored: true, target: stored };
        if (Date.now() >= deadline) break;
        await sleep(pollMs);
      }
      return {
        stored: false,
        target: { ...record, set_at: new Date(record.set_at).toISOString() },
      };
    },
  });
}

export function targetEndpoints(settings: TargetSettings): readonly AnyEndpoint[] {
  return [listTargets, listTargetChanges, putTargetEndpoint(settings)];
}
