// A console of the test's own (`node scripts/cli.ts console`) beside a test's pipeline, and the
// check every console test makes of a JSON answer: valid against the OpenAPI document the console
// serves (ajv's JSON Schema 2020-12 build, OpenAPI 3.1's dialect).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import express from 'express';
import pino from 'pino';
import { Registry } from 'prom-client';
import { parse, stringify } from 'yaml';
import { type AnyEndpoint, endpointRouter } from '../../console/endpoint.ts';
import type { ConsoleStores } from '../../console/stores.ts';
import { freePort, type RunningProcess, startReady, type TestSetup } from './stack.ts';

export interface TestConsole {
  url: string;
  process: RunningProcess;
  stop(): Promise<number>;
}

/**
 * Adds a `console` section to the test's config (its own port, `apiKeys` as config keys; the stores
 * and Kafka identities are the test's config's) and starts the console on it.
 */
export async function startConsole(
  setup: Pick<TestSetup, 'configFile'>,
  section: Record<string, unknown> = {},
): Promise<TestConsole> {
  const port = await freePort();
  const config = parse(readFileSync(setup.configFile, 'utf8')) as Record<string, unknown>;
  config.console = { listen: `127.0.0.1:${port}`, store_probe_interval_ms: 500, ...section };
  writeFileSync(setup.configFile, stringify(config), { mode: 0o600 });
  const url = `http://127.0.0.1:${port}`;
  const running = await startReady(['console', '--config.file', setup.configFile], url);
  return { url, process: running, stop: () => running.stop() };
}

/** `assertDocumented(operationId, status, body)`: the body is what the document says that answer is. */
export async function openApiChecker(consoleUrl: string) {
  const response = await fetch(`${consoleUrl}/api/v1/openapi.json`);
  assert.equal(response.status, 200, 'the OpenAPI document is served without a key');
  const document = (await response.json()) as {
    openapi: string;
    paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
  };
  assert.equal(document.openapi, '3.1.0');
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(document, 'openapi.json');
  const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
  return {
    document,
    assertDocumented(operationId: string, status: number, body: unknown): void {
      const operation = operations.find((candidate) => candidate.operationId === operationId);
      assert.ok(operation, `the document has ${operationId}`);
      assert.ok(operation.responses[String(status)], `${operationId} documents a ${status}`);
      const schema = status === 200 || status === 202 ? `${operationId}Response` : 'Error';
      const validate = ajv.getSchema(`openapi.json#/components/schemas/${schema}`);
      assert.ok(validate, `the document has components.schemas.${schema}`);
      assert.ok(
        validate(body),
        `${operationId} ${status} answer not as documented: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`,
      );
    },
  };
}

/**
 * Endpoints served in this process by the console's own frame (`endpointRouter`) over a pool of the
 * test's own: keys `reader` (read) and `writer` (results:write only), every store healthy.
 */
export async function serveEndpoints(
  endpoints: readonly AnyEndpoint[],
  stores: Partial<ConsoleStores>,
): Promise<{ base: string; close(): void }> {
  const app = express();
  app.use(
    endpointRouter({
      endpoints,
      keys: {
        lookup: (presented) =>
          presented === 'reader'
            ? { id: 'config:reader', name: 'reader', scopes: ['read'], robotId: undefined }
            : presented === 'writer'
              ? { id: 'config:writer', name: 'writer', scopes: ['results:write'], robotId: undefined }
              : undefined,
        explain: () => ({ reason: 'unknown_key', keyId: undefined }),
      },
      stores: stores as ConsoleStores,
      health: { down: () => undefined, recheck: async () => undefined },
      logger: pino({ level: 'silent' }),
      metrics: new Registry(),
    }),
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
}
