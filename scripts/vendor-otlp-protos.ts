// The OpenTelemetry protos the gateway decodes, vendored unchanged in schemas/opentelemetry-proto/
// at a pinned upstream tag (and google.rpc.Status, the OTLP error body, from googleapis at a
// pinned commit). upstream.json there names each source's repository, ref and commit, the files
// taken from it and the SHA-256 of each; this script re-vendors them at another ref and checks
// that what is vendored is upstream's, byte for byte.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const repositoryRoot = path.join(import.meta.dirname, '..');
export const vendoredDirectory = path.join(repositoryRoot, 'schemas', 'opentelemetry-proto');
export const manifestName = 'upstream.json';
/** Files of the folder that are ours, not upstream's. */
const ownFiles = new Set([manifestName, 'README.md']);

export interface UpstreamSource {
  repository: string;
  /** The tag (or, for a repository without release tags, the commit) the files are taken at. */
  ref: string;
  commit: string;
  /** Paths in the upstream repository, vendored at the same paths. */
  files: string[];
}

export interface Manifest {
  sources: Record<string, UpstreamSource>;
  /** SHA-256 (hex) of every vendored file, by path. */
  sha256: Record<string, string>;
}

const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export function readManifest(directory = vendoredDirectory): Manifest {
  return JSON.parse(readFileSync(path.join(directory, manifestName), 'utf8')) as Manifest;
}

function filesUnder(directory: string, prefix = ''): string[] {
  return readdirSync(path.join(directory, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    return entry.isDirectory() ? filesUnder(directory, relative) : [relative];
  });
}

/** The files a .proto imports. */
export function protoImports(source: string): string[] {
  return [...source.matchAll(/^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm)].map(
    (match) => match[1] as string,
  );
}

/** protobufjs bundles these (google/protobuf/*.proto), so they are not vendored. */
const isBundledImport = (file: string) => file.startsWith('google/protobuf/');

/**
 * What is wrong with the vendored folder against its manifest: a file missing, changed (its
 * SHA-256 differs), not named by any source, or a .proto importing a file that is neither vendored
 * nor bundled with protobufjs. Empty when every file is the one the manifest pins.
 */
export function vendoredProblems(directory = vendoredDirectory): string[] {
  const manifest = readManifest(directory);
  const problems: string[] = [];
  const named = new Set(Object.values(manifest.sources).flatMap((source) => source.files));
  for (const file of named) {
    if (manifest.sha256[file] === undefined) problems.push(`${file}: no SHA-256 in ${manifestName}`);
  }
  for (const [file, expected] of Object.entries(manifest.sha256)) {
    if (!named.has(file)) problems.push(`${file}: in ${manifestName}'s sha256 but taken from no source`);
    const full = path.join(directory, file);
    if (!existsSync(full)) {
      problems.push(`${file}: missing`);
      continue;
    }
    const bytes = readFileSync(full);
    const actual = sha256Of(bytes);
    if (actual !== expected) problems.push(`${file}: SHA-256 ${actual}, upstream's is ${expected}`);
    if (file.endsWith('.proto')) {
      for (const imported of protoImports(bytes.toString('utf8'))) {
        if (!isBundledImport(imported) && manifest.sha256[imported] === undefined) {
          problems.push(`${file} imports ${imported}, which is not vendored`);
        }
      }
    }
  }
  for (const file of filesUnder(directory)) {
    if (!ownFiles.has(file) && manifest.sha256[file] === undefined) {
      problems.push(`${file}: not upstream's (not in ${manifestName})`);
    }
  }
  return problems;
}

/** Reads files of one upstream repository at one ref: a local git directory, or a URL fetched shallowly. */
class UpstreamReader {
  private readonly gitDirectory: string;
  private readonly temporary: string | undefined;
  readonly commit: string;

  constructor(source: string, ref: string) {
    const local = [source, path.join(source, '.git')].find((candidate) =>
      existsSync(path.join(candidate, 'HEAD')),
    );
    if (local !== undefined) {
      this.gitDirectory = local;
    } else {
      // Only the ref's commit, and blobs only as they are read: googleapis is gigabytes.
      this.temporary = mkdtempSync(path.join(tmpdir(), 'vendor-otlp-protos-'));
      this.gitDirectory = this.temporary;
      this.git('init', '--quiet', '--bare');
      this.git('fetch', '--quiet', '--depth', '1', '--filter=blob:none', source, ref);
      ref = 'FETCH_HEAD';
    }
    this.commit = this.git('rev-parse', `${ref}^{commit}`).toString('utf8').trim();
  }

  private git(...args: string[]): Buffer {
    return execFileSync('git', [`--git-dir=${this.gitDirectory}`, ...args], {
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  read(file: string): Buffer {
    return this.git('show', `${this.commit}:${file}`);
  }

  close(): void {
    if (this.temporary !== undefined) rmSync(this.temporary, { recursive: true, force: true });
  }
}

/** Each source's files at its ref, by path; a path taken from two sources must be the same bytes. */
function readUpstream(sources: Record<string, UpstreamSource>, from: Record<string, string>) {
  const files = new Map<string, Buffer>();
  const resolved: Record<string, UpstreamSource> = {};
  for (const [name, source] of Object.entries(sources)) {
    const reader = new UpstreamReader(from[name] ?? source.repository, source.ref);
    try {
      resolved[name] = { ...source, commit: reader.commit };
      for (const file of source.files) {
        const bytes = reader.read(file);
        const other = files.get(file);
        if (other !== undefined && !other.equals(bytes)) {
          throw new Error(`${file} differs between the sources; vendor it from one only`);
        }
        files.set(file, bytes);
      }
    } finally {
      reader.close();
    }
  }
  return { files, sources: resolved };
}

const usage = `usage: node scripts/vendor-otlp-protos.ts <command> [options]

commands:
  check    every vendored file has the SHA-256 that ${manifestName} pins, every import is
           vendored, nothing else is there (what test/unit/schemas/opentelemetry-proto.test.ts checks)
  verify   every vendored file is byte for byte the file of its upstream at the pinned ref, at the
           pinned commit (needs the repositories: network, or --from-* local git directories)
  update   re-vendor at another ref (--tag, --googleapis-commit), rewrite ${manifestName}, check

options:
  --tag TAG                        opentelemetry-proto release tag (update)
  --googleapis-commit COMMIT       googleapis commit for google/rpc/status.proto (update)
  --from-opentelemetry-proto SRC   a git URL or local git directory instead of the manifest's repository
  --from-googleapis SRC            the same for googleapis
  --help                           show this help
`;

export function vendorCommand(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      tag: { type: 'string' },
      'googleapis-commit': { type: 'string' },
      'from-opentelemetry-proto': { type: 'string' },
      'from-googleapis': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const command = positionals[0];
  if (
    values.help === true ||
    positionals.length !== 1 ||
    !['check', 'verify', 'update'].includes(command ?? '')
  ) {
    (values.help === true ? process.stdout : process.stderr).write(usage);
    return values.help === true ? 0 : 2;
  }
  const from: Record<string, string> = {};
  if (values['from-opentelemetry-proto'] !== undefined)
    from['opentelemetry-proto'] = values['from-opentelemetry-proto'];
  if (values['from-googleapis'] !== undefined) from.googleapis = values['from-googleapis'];
  const manifest = readManifest();
  if (command === 'verify') {
    const upstream = readUpstream(manifest.sources, from);
    const problems = vendoredProblems();
    for (const [name, source] of Object.entries(upstream.sources)) {
      if (source.commit !== manifest.sources[name]?.commit) {
        problems.push(
          `${name} ${source.ref} is commit ${source.commit}, ${manifestName} pins ${manifest.sources[name]?.commit}`,
        );
      }
    }
    for (const [file, bytes] of upstream.files) {
      const vendored = path.join(vendoredDirectory, file);
      if (!existsSync(vendored) || !readFileSync(vendored).equals(bytes))
        problems.push(`${file}: not upstream's`);
      if (manifest.sha256[file] !== sha256Of(bytes))
        problems.push(`${file}: ${manifestName}'s SHA-256 is not upstream's`);
    }
    return report(problems, "every vendored file is upstream's, byte for byte");
  }
  if (command === 'update') {
    const sources = structuredClone(manifest.sources);
    if (values.tag !== undefined && sources['opentelemetry-proto'] !== undefined)
      sources['opentelemetry-proto'].ref = values.tag;
    if (values['googleapis-commit'] !== undefined && sources.googleapis !== undefined)
      sources.googleapis.ref = values['googleapis-commit'];
    const upstream = readUpstream(sources, from);
    for (const file of Object.keys(manifest.sha256))
      rmSync(path.join(vendoredDirectory, file), { force: true });
    const sha256: Record<string, string> = {};
    for (const [file, bytes] of [...upstream.files].sort(([a], [b]) => (a < b ? -1 : 1))) {
      mkdirSync(path.dirname(path.join(vendoredDirectory, file)), { recursive: true });
      writeFileSync(path.join(vendoredDirectory, file), bytes);
      sha256[file] = sha256Of(bytes);
    }
    const updated: Manifest = { sources: upstream.sources, sha256 };
    const manifestFile = path.join(vendoredDirectory, manifestName);
    writeFileSync(manifestFile, `${JSON.stringify(updated, null, 2)}\n`);
    // In the repository's own JSON style, so that the lint passes on an updated manifest.
    execFileSync(
      path.join(repositoryRoot, 'node_modules', '.bin', 'biome'),
      ['format', '--write', manifestFile],
      {
        stdio: 'ignore',
      },
    );
    return report(
      vendoredProblems(),
      `vendored ${Object.entries(upstream.sources)
        .map(([name, s]) => `${name} ${s.ref} (${s.commit})`)
        .join(', ')}`,
    );
  }
  return report(vendoredProblems(), 'every vendored file has its pinned SHA-256');
}

function report(problems: string[], success: string): number {
  if (problems.length === 0) {
    process.stdout.write(`${success}\n`);
    return 0;
  }
  process.stderr.write(`${problems.join('\n')}\n`);
  return 1;
}

if (import.meta.main) process.exitCode = vendorCommand(process.argv.slice(2));
