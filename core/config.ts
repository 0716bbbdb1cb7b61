// Loading primoart.yml: read → parse YAML → expand ${ENV_VAR} → validate against core's sections
// and each component's own (config-schema.ts `configSchemaFor`; the owners come from the entry point).
// Every problem found is collected (not just the first) and reported as
// `<file>:<line>:<col>: <dotted.path>: <what is wrong>`, the way promtool reports a bad prometheus.yml.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import {
  type ConfigOwner,
  configSchemaFor,
  type PrimoartConfig,
  type ProcessSection,
  type SharedConfig,
} from './config-schema.ts';

export const defaultConfigFile = 'primoart.yml';

export interface ConfigProblem {
  file: string;
  /** Dotted path in the file, e.g. `gateway.api_keys[1].sha256`; empty for file-level problems. */
  path: string;
  line?: number;
  column?: number;
  message: string;
}

/** Thrown when the config cannot be used; `message` holds every problem, one per line. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function formatProblem(problem: ConfigProblem): string {
  const position = problem.line === undefined ? '' : `:${problem.line}:${problem.column ?? 1}`;
  const path = problem.path === '' ? '' : `${problem.path}: `;
  return `${problem.file}${position}: ${path}${problem.message}`;
}

type Environment = Record<string, string | undefined>;

export interface LoadConfigOptions {
  /** Variables for `${NAME}` expansion; defaults to process.env. */
  env?: Environment;
  /**
   * The components whose sections the file may hold (the gateway, every worker), each validated
   * against its own schema; a section none of them owns is an unknown key. Default: the ones the
   * entry point registered (`registerComponents`).
   */
  components?: readonly ConfigOwner[];
}

let registeredComponents: readonly ConfigOwner[] = [];

/**
 * Names every component whose section a config file may hold, once, from the entry point
 * (scripts/cli.ts): core imports no component, so it learns their schemas here.
 */
export function registerComponents(components: readonly ConfigOwner[]): void {
  const names = new Set<string>();
  for (const component of components) {
    const path = component.path.join('.');
    if (names.has(path)) throw new Error(`two components own the config section ${path}`);
    names.add(path);
  }
  registeredComponents = components;
}

/** Reads and validates a config file; throws ConfigError listing every problem. */
export async function loadConfig(file: string, options: LoadConfigOptions = {}): Promise<PrimoartConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError([{ file, path: '', message: describeReadError(error, file) }]);
  }
  return parseConfig(text, file, options);
}

function describeReadError(error: unknown, file: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `config file not found (looked for ${resolve(file)})`;
  if (code === 'EACCES') return 'config file is not readable: permission denied';
  if (code === 'EISDIR') return 'expected a config file, found a directory';
  return `cannot read config file: ${error instanceof Error ? error.message : String(error)}`;
}

/** Validates config text; `file` is only used to name the source in problems. */
export function parseConfig(text: string, file: string, options: LoadConfigOptions = {}): PrimoartConfig {
  const env = options.env ?? process.env;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  const at = (offset: number | undefined): Pick<ConfigProblem, 'line' | 'column'> => {
    if (offset === undefined) return { line: 1, column: 1 };
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => ({
        file,
        path: '',
        line: error.linePos?.[0].line,
        column: error.linePos?.[0].col,
        message: `YAML syntax error: ${firstSentence(error.message)}`,
      })),
    );
  }

  const expansion = expandEnvironment(doc.contents, env);
  const problems: ConfigProblem[] = expansion.problems.map((problem) => ({
    file,
    path: formatPath(problem.path),
    ...at(problem.offset),
    message: problem.message,
  }));

  const data: unknown = doc.toJS() ?? {};
  const schema = configSchemaFor(options.components ?? registeredComponents);
  const result = schema.safeParse(data);
  if (result.success && problems.length === 0) return result.data as PrimoartConfig;

  const expansionPaths = new Set(problems.map((problem) => problem.path));
  for (const issue of result.error?.issues ?? []) {
    // An unset variable is already reported; the unexpanded `${NAME}` failing validation is noise.
    if (expansionPaths.has(formatPath(issue.path))) continue;
    problems.push(
      ...issueToProblems(issue, {
        file,
        data,
        doc: doc.contents,
        expanded: expansion.expanded,
        at,
        schema,
      }),
    );
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  throw new ConfigError(problems);
}

// The `yaml` package appends " at line N, column M:" and a code excerpt; the position is printed separately.
function firstSentence(message: string): string {
  return message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? message;
}

type PathSegment = string | number;

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

// ---- ${ENV_VAR} expansion -------------------------------------------------------------------

interface ExpansionProblem {
  path: PathSegment[];
  offset: number | undefined;
  message: string;
}

// `${NAME}` is replaced by the variable's value; `$${` stays as a literal `${`.
const envReference = /\$\$\{|\$\{([^}]*)\}/g;
const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Expands variables in string values (never in keys), in place; reports unset variables. */
function expandEnvironment(
  root: unknown,
  env: Environment,
): { problems: ExpansionProblem[]; expanded: Set<Node> } {
  const problems: ExpansionProblem[] = [];
  const expanded = new Set<Node>();
  const walk = (node: unknown, path: PathSegment[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        walk(pair.value, [...path, String(key)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        walk(item, [...path, index]);
      });
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
      node.value = node.value.replace(envReference, (match, name: string | undefined) => {
        if (match === '$${') return '${';
        if (name === undefined || !envName.test(name)) {
          problems.push({ path, offset: node.range?.[0], message: `invalid variable reference "${match}"` });
          return match;
        }
        const value = env[name];
        if (value === undefined) {
          problems.push({
            path,
            offset: node.range?.[0],
            message: `environment variable ${name} is not set`,
          });
          return match;
        }
        return value;
      });
      expanded.add(node);
    }
  };
  walk(root, []);
  return { problems, expanded };
}

// ---- zod issues → problems with positions ---------------------------------------------------

interface IssueContext {
  file: string;
  schema: z.ZodType;
  data: unknown;
  doc: unknown;
  expanded: Set<Node>;
  at: (offset: number | undefined) => Pick<ConfigProblem, 'line' | 'column'>;
}

interface Located {
  /** The node at the path, if the path exists in the file. */
  value?: Node;
  /** The key of the pair holding the deepest node found (a missing field points at its parent). */
  key?: Node;
}

function locate(root: unknown, path: readonly PropertyKey[]): Located {
  let current: unknown = root;
  let located: Located = {};
  for (const segment of path) {
    if (isMap(current)) {
      const pair = current.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) return { key: located.key ?? located.value };
      located = { key: pair.key as Node, value: (pair.value ?? undefined) as Node | undefined };
      current = pair.value;
    } else if (isSeq(current) && typeof segment === 'number' && current.items[segment] !== undefined) {
      const item = current.items[segment] as Node;
      located = { key: item, value: item };
      current = item;
    } else {
      return { key: located.key ?? located.value };
    }
  }
  return located;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function issueToProblems(issue: z.core.$ZodIssue, context: IssueContext): ConfigProblem[] {
  const { file, data, doc, at } = context;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      return {
        file,
        path: formatPath(path),
        ...at(locate(doc, path).key?.range?.[0]),
        message: `unknown key${suggestKey(key, knownKeysAt(context.schema, issue.path))}`,
      };
    });
  }
  const located = locate(doc, issue.path);
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0]?.message ?? issue.message;
    return [
      {
        file,
        path: formatPath(issue.path),
        ...at(located.key?.range?.[0]),
        message: `invalid name: ${inner}`,
      },
    ];
  }
  const input = valueAt(data, issue.path);
  const missing = input === undefined;
  const hidden = located.value !== undefined && context.expanded.has(located.value);
  const got = hidden ? 'a value from the environment' : describeValue(input);
  const offset = missing ? located.key?.range?.[0] : located.value?.range?.[0];
  return [{ file, path: formatPath(issue.path), ...at(offset), message: describeIssue(issue, missing, got) }];
}

function describeIssue(issue: z.core.$ZodIssue, missing: boolean, got: string): string {
  switch (issue.code) {
    case 'invalid_type':
      return missing
        ? `required, but missing (expected ${typeName(issue.expected)})`
        : `expected ${typeName(issue.expected)}, got ${got}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => String(v)).join(', ')}, got ${got}`;
    case 'too_small':
      if (issue.origin === 'array') return `must have at least ${issue.minimum} item(s)`;
      if (issue.origin === 'string') {
        return issue.minimum === 1
          ? 'must not be empty'
          : `must be at least ${issue.minimum} characters long`;
      }
      return `must be at least ${issue.minimum}, got ${got}`;
    case 'too_big':
      return `must be at most ${issue.maximum}, got ${got}`;
    default:
      // Our own schema messages start with "expected …" and read well with the value appended.
      return issue.message.startsWith('expected') ? `${issue.message}, got ${got}` : issue.message;
  }
}

function typeName(expected: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    int: 'an integer',
    boolean: 'true or false',
  };
  return names[expected] ?? expected;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}

// Walks the schema to the object at `path` to suggest the intended key for a typo.
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  interface Def {
    type: string;
    shape?: Record<string, { _zod: { def: Def } }>;
    innerType?: { _zod: { def: Def } };
    in?: { _zod: { def: Def } };
    valueType?: { _zod: { def: Def } };
    element?: { _zod: { def: Def } };
  }
  let def: Def | undefined = (schema as unknown as { _zod: { def: Def } })._zod.def;
  const unwrap = (d: Def | undefined): Def | undefined => {
    let current = d;
    while (current !== undefined) {
      const inner = current.innerType ?? current.in;
      if (inner === undefined) return current;
      current = inner._zod.def;
    }
    return current;
  };
  for (const segment of path) {
    def = unwrap(def);
    if (def?.type === 'object') def = def.shape?.[String(segment)]?._zod.def;
    else if (def?.type === 'record') def = def.valueType?._zod.def;
    else if (def?.type === 'array') def = def.element?._zod.def;
    else return [];
  }
  def = unwrap(def);
  return def?.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

function suggestKey(key: string, known: string[]): string {
  if (known.length === 0) return '';
  const closest = known
    .map((candidate) => ({ candidate, distance: editDistance(key, candidate) }))
    .sort((a, b) => a.distance - b.distance)[0];
  if (closest !== undefined && closest.distance <= Math.max(2, Math.floor(key.length / 3))) {
    return ` (did you mean "${closest.candidate}"?)`;
  }
  return ` (expected one of: ${known.join(', ')})`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

// ---- sections a process requires --------------------------------------------------------------

type OptionalSection = {
  [K in keyof SharedConfig]-?: undefined extends SharedConfig[K] ? K : never;
}[keyof SharedConfig];

/**
 * A section this process needs is absent. Thrown by requireSection / sectionOf; runProcess
 * reports it as `<config file>: <path>: <message>` and exits 1.
 */
export class MissingSectionError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'MissingSectionError';
    this.path = path;
  }
}

/**
 * The named optional section of core's, or a MissingSectionError: a process asks for the sections
 * it needs (`requireSection(config, 'postgres')`) so a missing one fails start-up, not the first write.
 */
export function requireSection<K extends OptionalSection>(
  config: PrimoartConfig,
  section: K,
): NonNullable<SharedConfig[K]> {
  const value = config[section];
  if (value === undefined || value === null) {
    throw new MissingSectionError(section, 'section required by this process is missing');
  }
  return value as NonNullable<SharedConfig[K]>;
}

/** A component's own section, typed by its schema (validated with the file), or a MissingSectionError naming it. */
export function sectionOf<S extends z.ZodType>(config: PrimoartConfig, owner: ConfigOwner<S>): z.output<S> {
  const [parent, child] = owner.path;
  const value =
    child === undefined ? config[parent] : (config[parent] as Record<string, unknown> | undefined)?.[child];
  if (value !== undefined && value !== null) return value as z.output<S>;
  if (child === undefined)
    throw new MissingSectionError(parent, 'section required by this process is missing');
  throw new MissingSectionError(`${parent}.${child}`, `section for worker "${child}" is missing`);
}

/** The `workers.<name>` section of a worker (what every section has), or a MissingSectionError naming it. */
export function workerSection(config: PrimoartConfig, worker: string): ProcessSection {
  const section = config.workers[worker];
  if (section === undefined) {
    throw new MissingSectionError(`workers.${worker}`, `section for worker "${worker}" is missing`);
  }
  return section;
}

// ---- command line -----------------------------------------------------------------------------

export interface ConfigArgs {
  configFile: string;
  /** Arguments that were not about the config file, in order. */
  rest: string[];
}

/**
 * Picks `--config.file F` / `--config.file=F` out of the arguments (default: the environment
 * variable PRIMOART_CONFIG_FILE if set, else primoart.yml).
 */
export function parseConfigArgs(args: readonly string[], env: Environment = process.env): ConfigArgs {
  let configFile = env.PRIMOART_CONFIG_FILE || defaultConfigFile;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--config.file') {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error('--config.file needs a file name');
      configFile = value;
      i++;
    } else if (arg.startsWith('--config.file=')) {
      configFile = arg.slice('--config.file='.length);
      if (configFile === '') throw new Error('--config.file needs a file name');
    } else {
      rest.push(arg);
    }
  }
  return { configFile, rest };
}

/**
 * `primoart check config [--config.file F]`: prints `<file>: OK` or every problem; returns the exit
 * code. Every registered component's section is validated (registerComponents).
 */
export async function checkConfigCommand(args: string[]): Promise<number> {
  let parsed: ConfigArgs;
  try {
    parsed = parseConfigArgs(args);
  } catch (error) {
    process.stderr.write(`check config: ${(error as Error).message}\n`);
    return 1;
  }
  if (parsed.rest.length > 0) {
    process.stderr.write(`check config: unexpected argument ${parsed.rest[0]}\n`);
    return 1;
  }
  try {
    await loadConfig(parsed.configFile);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    const count = error.problems.length;
    if (count > 1) process.stderr.write(`${parsed.configFile}: ${count} problems\n`);
    return 1;
  }
  process.stdout.write(`${parsed.configFile}: OK\n`);
  return 0;
}
