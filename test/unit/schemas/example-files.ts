// The example payloads under schemas/examples, read for the schema tests.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TransactionResultPayload } from '../../../schemas/record-types.ts';

export const examplesDirectory = path.join(
  import.meta.dirname,
  '../../../schemas/examples/transaction-result',
);

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

export interface ExampleFile<T> {
  name: string;
  payload: T;
}

export function validExamples(): ExampleFile<TransactionResultPayload>[] {
  const directory = path.join(examplesDirectory, 'valid');
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .map((name) => ({ name, payload: readJson(path.join(directory, name)) as TransactionResultPayload }));
}

export function invalidExamples(): ExampleFile<unknown>[] {
  const directory = path.join(examplesDirectory, 'invalid');
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json') && name !== 'expected.json')
    .map((name) => ({ name, payload: readJson(path.join(directory, name)) }));
}

/** File name → the error paths validating it must produce. */
export function expectedInvalidPaths(): Record<string, string[]> {
  return readJson(path.join(examplesDirectory, 'invalid', 'expected.json')) as Record<string, string[]>;
}

export function exampleJson(relativePath: string): unknown {
  return readJson(path.join(examplesDirectory, relativePath));
}

/** A fresh, deep copy of the minimal valid example to change one thing in. */
export function minimalPayload(): TransactionResultPayload {
  return exampleJson('valid/minimal.json') as TransactionResultPayload;
}
