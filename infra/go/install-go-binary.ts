// Building a service's binary from the Go module proxy into the shared cache, once per version.
// Everything Go writes (modules, build cache) lives under <cache>/go, and each pinned version gets
// its own <cache>/bin/<name>-<version>/ directory, so a second `up` finds the binary and skips
// the build, and changing a pin builds the new version next to the old one.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { StackContext } from '../stack/service.ts';

export interface GoBinary {
  /** The binary's name, as `go install` names it: the last element of the package path. */
  name: string;
  version: string;
  /** The package to build: `module/path/cmd@version`, or a package path resolved by `moduleDir`'s go.mod. */
  target: string;
  /** Build inside this module, whose go.mod and go.sum pin the dependencies (no `@version` then). */
  moduleDir?: string;
  /** `-X importpath.name=value` assignments, e.g. the version string the binary reports. */
  versionStamp?: string[];
}

/** Builds can take several minutes on two cores; the runner's default exec time-out is shorter. */
const buildTimeoutMs = 45 * 60_000;

export function goBinaryPath(cacheDir: string, binary: GoBinary): string {
  return join(cacheDir, 'bin', `${binary.name}-${binary.version}`, binary.name);
}

/**
 * The environment of every Go build: the machine's own toolchain (no toolchain download),
 * caches under the stack's cache directory, and a static binary (no C compiler needed).
 * The checksum database is left at its default: the module proxy serves it when sum.golang.org
 * itself cannot be reached.
 */
export function goBuildEnvironment(cacheDir: string, installDir: string): Record<string, string> {
  const goRoot = join(cacheDir, 'go');
  return {
    GOTOOLCHAIN: 'local',
    GOPATH: goRoot,
    GOMODCACHE: join(goRoot, 'mod'),
    GOCACHE: join(goRoot, 'build-cache'),
    GOBIN: installDir,
    // A go.work in a parent directory must not change what gets built.
    GOWORK: 'off',
    CGO_ENABLED: '0',
    // -modcacherw keeps the module cache deletable with rm -rf; -buildvcs=false because a module
    // built inside this repository must not depend on the state of its git checkout.
    GOFLAGS: '-modcacherw -buildvcs=false',
  };
}

export async function installGoBinary(ctx: StackContext, binary: GoBinary): Promise<void> {
  const finalPath = goBinaryPath(ctx.paths.cacheDir, binary);
  if (existsSync(finalPath)) return;
  if (basename(binary.target.split('@')[0] ?? '') !== binary.name) {
    throw new Error(`${binary.target} does not build a binary named ${binary.name}`);
  }
  const installDir = join(ctx.paths.cacheDir, 'bin', `${binary.name}-${binary.version}`);
  // Build into a scratch directory and rename it, so an interrupted build never looks installed.
  const partialDir = `${installDir}.partial`;
  await rm(partialDir, { recursive: true, force: true });
  await mkdir(partialDir, { recursive: true });
  const args = ['install'];
  if (binary.versionStamp !== undefined && binary.versionStamp.length > 0) {
    args.push(`-ldflags=${binary.versionStamp.map((assignment) => `-X ${assignment}`).join(' ')}`);
  }
  args.push(binary.target);
  ctx.progress(
    `building ${binary.name} ${binary.version} with go (once per version; minutes on a small machine)`,
  );
  const started = Date.now();
  await ctx.exec('go', args, {
    env: goBuildEnvironment(ctx.paths.cacheDir, partialDir),
    timeoutMs: buildTimeoutMs,
    ...(binary.moduleDir === undefined ? {} : { cwd: binary.moduleDir }),
  });
  if (!existsSync(join(partialDir, binary.name))) {
    throw new Error(`go install ${binary.target} succeeded but left no ${binary.name} in ${partialDir}`);
  }
  await rm(installDir, { recursive: true, force: true });
  await rename(partialDir, installDir);
  ctx.progress(`built ${binary.name} ${binary.version} in ${Math.round((Date.now() - started) / 1000)} s`);
}
