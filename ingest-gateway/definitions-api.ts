// Transaction definitions — what robots run (CONTRACT.md "Transaction definitions"):
//   POST   /api/v1/transactions/        (admin)            upsert an array of definitions by uuid
//   DELETE /api/v1/transactions/{uuid}  (admin)            delete one (a tombstone on the topic)
//   GET    /api/v1/transactions/        (definitions:read) the active ones, with a strong ETag
// Writes go to Kafka and are answered only after it acknowledged them; reads come from this
// instance's own view of the compacted topic. A write also waits (briefly, bounded) until this
// instance's view shows it, so an admin who reads back from the same instance sees the change.

import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { uuid as uuidCheck } from '../schemas/field-checks.ts';
import { toDefinitionRecord, validateDefinitionUpsert } from '../schemas/index.ts';
import { ProblemList } from '../schemas/validation-problems.ts';
import { type KeyStore, requireScope } from './api-keys.ts';
import { jsonBody, jsonBodyErrors } from './body-errors.ts';
import type { DefinitionPublisher } from './definition-publisher.ts';
import type { DefinitionsView } from './definitions-view.ts';
import { provenanceOf } from './provenance.ts';
import { KafkaUnavailableError } from './publisher.ts';

export interface DefinitionsApiOptions {
  keys: KeyStore;
  view: DefinitionsView;
  publisher: DefinitionPublisher;
  bodyLimitBytes: number;
  logger: Logger;
  metrics: Registry;
  /** Seconds an admin should wait before retrying when Kafka is away. */
  retryAfterSeconds?: number;
  /** How long a write waits for this instance's view to show it before answering anyway. */
  visibleWithinMs?: number;
}

const defaults = { retryAfterSeconds: 5, visibleWithinMs: 5_000 };

/** RFC 9110 If-None-Match: `*` or a list of entity tags, compared weakly. */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => opaque(tag) === opaque(etag));
}

export function definitionsApi(options: DefinitionsApiOptions): Router {
  const { view, publisher, logger } = options;
  const retryAfterSeconds = options.retryAfterSeconds ?? defaults.retryAfterSeconds;
  const visibleWithinMs = options.visibleWithinMs ?? defaults.visibleWithinMs;
  const changes = new Counter({
    name: 'primoart_gateway_definition_changes_total',
    help: 'Transaction-definition write requests by operation and outcome',
    labelNames: ['operation', 'outcome'],
    registers: [options.metrics],
  });
  const router = express.Router();
  const admin = requireScope(options.keys, 'admin');

  /** True when Kafka acknowledged; otherwise the 503 has been sent. */
  const published = async (operation: string, response: Response, write: () => Promise<void>) => {
    try {
      await write();
      return true;
    } catch (error) {
      if (!(error instanceof KafkaUnavailableError)) throw error;
      logger.warn(
        { err: error.message, operation },
        'kafka did not acknowledge a definition change; answering 503',
      );
      changes.inc({ operation, outcome: 'unavailable' });
      response.status(503).set('Retry-After', String(retryAfterSeconds)).json({
        error: 'unavailable',
        message:
          'the message bus did not acknowledge the change; repeat the request later (repeating it is safe)',
      });
      return false;
    }
  };

  const showsWithin = async (what: string, applied: () => boolean): Promise<void> => {
    if (!(await view.waitUntil(applied, visibleWithinMs))) {
      logger.warn({ what }, `this instance's view did not show ${what} within ${visibleWithinMs} ms`);
    }
  };

  router.get('/api/v1/transactions/', requireScope(options.keys, 'definitions:read'), (request, response) => {
    const { body, etag } = view.listing();
    response.set({ ETag: etag, 'Cache-Control': 'no-cache' });
    if (matchesIfNoneMatch(request.get('if-none-match'), etag)) {
      response.status(304).end();
      return;
    }
    response.status(200).type('application/json').send(body);
  });

  router.post(
    '/api/v1/transactions/',
    admin,
    ...jsonBody(options.bodyLimitBytes),
    async (request: Request, response: Response) => {
      // All or nothing: one invalid item refuses the whole request and nothing is published, so an
      // admin never has to work out which half of a change went live.
      const validation = validateDefinitionUpsert(request.body);
      if (!validation.ok) {
        changes.inc({ operation: 'upsert', outcome: 'rejected' });
        response.status(400).json({ error: 'invalid_definitions', details: validation.errors });
        return;
      }
      const updatedAt = new Date();
      const records = validation.value.map((definition) => toDefinitionRecord(definition, updatedAt));
      if (!(await published('upsert', response, () => publisher.upsert(records, provenanceOf(request)))))
        return;
      const uuids = records.map((record) => record.uuid);
      logger.info({ key: request.apiKey?.name, uuids }, `upserted ${uuids.length} transaction definition(s)`);
      changes.inc({ operation: 'upsert', outcome: 'accepted' });
      await showsWithin('the upserted definitions', () =>
        uuids.every((uuid) => {
          const shown = view.get(uuid);
          return shown !== undefined && Date.parse(shown.updated_at) >= updatedAt.getTime();
        }),
      );
      response.status(200).json({ upserted: uuids, updated_at: updatedAt.toISOString() });
    },
  );

  router.delete('/api/v1/transactions/:uuid', admin, async (request: Request, response: Response) => {
    const problems = new ProblemList();
    const uuid = uuidCheck(request.params.uuid, 'uuid', problems);
    if (uuid === undefined) {
      response.status(400).json({ error: 'invalid_uuid', details: problems.errors });
      return;
    }
    const existing = view.get(uuid);
    if (existing === undefined) {
      response.status(404).json({ error: 'not_found', message: `no transaction definition ${uuid}` });
      return;
    }
    if (!(await published('delete', response, () => publisher.remove(uuid, provenanceOf(request))))) return;
    logger.info({ key: request.apiKey?.name, uuid }, 'deleted a transaction definition');
    changes.inc({ operation: 'delete', outcome: 'accepted' });
    // Gone, or replaced by a newer upsert that overtook the delete.
    await showsWithin('the deletion', () => view.get(uuid)?.updated_at !== existing.updated_at);
    response.status(204).end();
  });

  router.use(jsonBodyErrors(options.bodyLimitBytes));
  return router;
}
