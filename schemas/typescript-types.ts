// TypeScript types of the bus records, generated from the .avsc files so that no file restates a
// schema's fields: `node schemas/typescript-types.ts` rewrites `record-types.generated.ts`, and a
// unit test fails while that file differs from what the schemas generate.
//
// The types are those of the values avsc encodes and decodes with this project's settings (no
// logical-type classes, `["null", T]` unwrapped): long and int are numbers, bytes are Buffers, an
// enum is the union of its symbols, uuid is a string. A record that holds a `timestamp-millis`
// field, itself or in a nested record, takes a type parameter `Time` (default: number, epoch
// milliseconds), so that the same declaration also describes the record with `Date`s that workers use.
//
// @ovotech/avro-ts was considered: it emits TypeScript namespaces holding runtime constants, which
// Node's type stripping refuses to run.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import { type RecordSchema, recordSchemas } from './index.ts';

export const generatedTypesPath = path.join(import.meta.dirname, 'record-types.generated.ts');

type Declaration = { name: string; fullName: string; text: string; timed: boolean; canonical: string };

// avsc only keeps a logical type it has a class for; these classes change no value, they mark where
// the schema says `timestamp-millis` (a `Time`) or `uuid` (a string).
class MarkedLogicalType extends avro.types.LogicalType {
  override _fromValue(value: unknown): unknown {
    return value;
  }
  override _toValue(value: unknown): unknown {
    return value;
  }
}
const logicalTypes = { 'timestamp-millis': MarkedLogicalType, uuid: MarkedLogicalType };

/** The declarations of every named type the given schemas hold, each once, in the order first met. */
export function generateRecordTypes(schemas: readonly RecordSchema[] = recordSchemas): string {
  const declarations = new Map<string, Declaration>();

  function shortName(fullName: string): string {
    return fullName.slice(fullName.lastIndexOf('.') + 1);
  }

  // Whether a type holds a timestamp-millis, directly or in a nested type.
  function isTimed(type: avro.Type, seen = new Set<avro.Type>()): boolean {
    if (seen.has(type)) return false;
    seen.add(type);
    if (type instanceof avro.types.LogicalType) return type.typeName === 'logical:timestamp-millis';
    if (type instanceof avro.types.RecordType) return type.fields.some((field) => isTimed(field.type, seen));
    if (type instanceof avro.types.ArrayType) return isTimed(type.itemsType, seen);
    if (type instanceof avro.types.MapType) return isTimed(type.valuesType, seen);
    if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType)
      return type.types.some((branch) => isTimed(branch, seen));
    return false;
  }

  function reference(type: avro.Type, where: string): string {
    if (type instanceof avro.types.LogicalType) {
      if (type.typeName === 'logical:timestamp-millis') return 'Time';
      return reference(type.underlyingType, where);
    }
    if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
      const branches = type.types.filter((branch) => !(branch instanceof avro.types.NullType));
      const [only] = branches;
      if (branches.length !== 1 || only === undefined || branches.length === type.types.length)
        throw new Error(
          `${where}: only ["null", T] unions are supported, found ${JSON.stringify(type.schema())}`,
        );
      return `${reference(only, where)} | null`;
    }
    if (type instanceof avro.types.ArrayType) return `${parenthesised(reference(type.itemsType, where))}[]`;
    if (type instanceof avro.types.MapType) return `Record<string, ${reference(type.valuesType, where)}>`;
    if (type instanceof avro.types.RecordType || type instanceof avro.types.EnumType) {
      declare(type);
      const name = shortName(type.name as string);
      return type instanceof avro.types.RecordType && isTimed(type) ? `${name}<Time>` : name;
    }
    switch (type.typeName) {
      case 'null':
        return 'null';
      case 'boolean':
        return 'boolean';
      case 'int':
      case 'long':
      case 'float':
      case 'double':
        return 'number';
      case 'string':
        return 'string';
      case 'bytes':
      case 'fixed':
        return 'Buffer';
      default:
        throw new Error(`${where}: no TypeScript type for Avro type ${type.typeName}`);
    }
  }

  function parenthesised(text: string): string {
    return text.includes(' ') ? `(${text})` : text;
  }

  function docComment(doc: string | undefined, indent: string): string {
    return doc === undefined ? '' : `${indent}/** ${doc.replaceAll('*/', '*\\/')} */\n`;
  }

  function declare(type: avro.types.RecordType | avro.types.EnumType): void {
    const fullName = type.name as string;
    const canonical = JSON.stringify(type.schema());
    const known = declarations.get(shortName(fullName));
    if (known !== undefined) {
      if (known.fullName !== fullName || known.canonical !== canonical)
        throw new Error(`${fullName}: another type named ${shortName(fullName)} differs (${known.fullName})`);
      return;
    }
    const name = shortName(fullName);
    const doc = (type.schema() as { doc?: string }).doc;
    if (type instanceof avro.types.EnumType) {
      const symbols = type.symbols.map((symbol) => `'${symbol}'`).join(', ');
      const constName = `${name.charAt(0).toLowerCase()}${name.slice(1)}Symbols`;
      declarations.set(name, {
        name,
        fullName,
        canonical,
        timed: false,
        text:
          `${docComment(doc, '')}export const ${constName} = [${symbols}] as const;\n` +
          `export type ${name} = (typeof ${constName})[number];\n`,
      });
      return;
    }
    const timed = isTimed(type);
    // Reserve the name before the fields: a nested type is declared after the type that holds it.
    const entry: Declaration = { name, fullName, canonical, timed, text: '' };
    declarations.set(name, entry);
    const fields = type.fields.map((field) => {
      const fieldDoc = (field as unknown as { doc?: string }).doc;
      return `${docComment(fieldDoc, '  ')}  ${field.name}: ${reference(field.type, `${fullName}.${field.name}`)};\n`;
    });
    entry.text = `${docComment(doc, '')}export interface ${name}${timed ? '<Time = number>' : ''} {\n${fields.join('')}}\n`;
  }

  for (const schema of schemas) {
    const type = avro.Type.forSchema(schema.schema, { logicalTypes });
    if (!(type instanceof avro.types.RecordType))
      throw new Error(`${schema.avscPath}: the top-level type must be a record`);
    declare(type);
  }
  const header =
    '// Generated from schemas/*.avsc by `node schemas/typescript-types.ts`: do not edit, regenerate.\n' +
    '// test/unit/schemas/typescript-types.test.ts fails while this file is stale.\n';
  return `${header}\n${[...declarations.values()].map((declaration) => declaration.text).join('\n')}`;
}

if (import.meta.main) {
  writeFileSync(generatedTypesPath, generateRecordTypes());
  console.log(`wrote ${path.relative(process.cwd(), generatedTypesPath)}`);
}
