// BACKWARD_TRANSITIVE, checked locally: the working-copy schema must read data written with every
// published version, because topics are replayed from the beginning. The schema registry enforces
// the same rule on `schemas register`; this check catches a breaking edit before that, in unit tests
// and in `schemas check`.
//
// Convention: when a version of `<name>.avsc` is published (registered), a frozen copy goes to
// `history/<name>.v<N>.avsc` and is never edited again. Publishing a change means: edit `<name>.avsc`
// (new fields need a default), copy it to `history/<name>.v<N+1>.avsc`, run the unit tests.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import type { RecordSchema } from './index.ts';

/** Where frozen copies of published versions live: `history/<name>.v<N>.avsc`. */
export const schemaHistoryDirectory = path.join(import.meta.dirname, 'history');

export interface PublishedVersion {
  version: number;
  avscPath: string;
  avroType: avro.Type;
}

/** The published versions of a record schema, oldest first. */
export function publishedVersions(
  record: RecordSchema,
  historyDirectory = schemaHistoryDirectory,
): PublishedVersion[] {
  const versionedName = /^(.+)\.v(\d+)\.avsc$/;
  return readdirSync(historyDirectory)
    .flatMap((fileName) => {
      const match = versionedName.exec(fileName);
      if (match === null || match[1] !== record.name) return [];
      const avscPath = path.join(historyDirectory, fileName);
      const avroType = avro.Type.forSchema(JSON.parse(readFileSync(avscPath, 'utf8')) as avro.Schema);
      return [{ version: Number(match[2]), avscPath, avroType }];
    })
    .sort((left, right) => left.version - right.version);
}

/** Below this depth a recursive schema's sample takes the null branch and empty collections. */
const maxSampleDepth = 4;

/**
 * A random value of `type`. avsc's random() never ends on a recursive schema (e.g. an AnyValue
 * holding arrays of AnyValues); those are sampled to a bounded depth instead.
 */
function sampleValue(type: avro.Type): unknown {
  try {
    return type.random();
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return boundedSample(type, 0);
  }
}

function boundedSample(type: avro.Type, depth: number): unknown {
  const deep = depth >= maxSampleDepth;
  if (type instanceof avro.types.RecordType) {
    return Object.fromEntries(type.fields.map((field) => [field.name, boundedSample(field.type, depth + 1)]));
  }
  if (type instanceof avro.types.ArrayType) return deep ? [] : [boundedSample(type.itemsType, depth + 1)];
  if (type instanceof avro.types.MapType)
    return deep ? {} : { key: boundedSample(type.valuesType, depth + 1) };
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
    const nullBranch = type.types.find((branch) => branch.typeName === 'null');
    const branch =
      deep && nullBranch !== undefined
        ? nullBranch
        : (type.types[Math.floor(Math.random() * type.types.length)] as avro.Type);
    const value = boundedSample(branch, depth + 1);
    const wrapped = type instanceof avro.types.WrappedUnionType && branch.typeName !== 'null';
    return wrapped ? { [branch.branchName as string]: value } : value;
  }
  return type.random();
}

export interface CompatibilityProblem {
  writer: string;
  message: string;
}

/**
 * Checks that `reader` resolves every writer's schema and decodes sample data each writer produced
 * (`samples` random values per writer, plus any given ones). Returns one problem per failing writer.
 */
export function checkReadsEveryWriter(
  reader: avro.Type,
  writers: ReadonlyArray<{ label: string; avroType: avro.Type; values?: readonly unknown[] }>,
  options: { samples?: number } = {},
): CompatibilityProblem[] {
  const { samples = 20 } = options;
  const problems: CompatibilityProblem[] = [];
  for (const writer of writers) {
    try {
      const resolver = reader.createResolver(writer.avroType);
      const randomValues = Array.from({ length: samples }, () => sampleValue(writer.avroType));
      for (const value of [...(writer.values ?? []), ...randomValues]) {
        const decoded: unknown = reader.fromBuffer(writer.avroType.toBuffer(value), resolver);
        if (!reader.isValid(decoded))
          throw new Error('a value it wrote decoded into an invalid reader value');
      }
    } catch (error) {
      problems.push({
        writer: writer.label,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return problems;
}

/** The working copy of `record` against every published version of it. */
export function checkBackwardTransitive(
  record: RecordSchema,
  historyDirectory = schemaHistoryDirectory,
): CompatibilityProblem[] {
  const writers = publishedVersions(record, historyDirectory).map((version) => ({
    label: path.basename(version.avscPath),
    avroType: version.avroType,
  }));
  return checkReadsEveryWriter(record.avroType, writers);
}
