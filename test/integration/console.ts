// A console of the test's own (`node scripts/cli.ts console`) beside a test's pipeline, and the
// check every console test makes of a JSON answer: valid against the OpenAPI document the console
// serves (ajv's JSON Schema 2020-12 build, OpenAPI 3.1's dialect).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse, stringify } from 'yaml';
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
