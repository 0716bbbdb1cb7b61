// Fetching pinned Java services from Maven Central into the cache: a small pom.xml per service
// (infra/<service>/pom.xml) names the artifact; Maven resolves it through its own ~/.m2 cache.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StackContext } from './service.ts';

/** A <properties> value of a pom.xml, e.g. the pinned version it fetches. */
export function pomProperty(pomFile: string, name: string): string {
  const pom = readFileSync(pomFile, 'utf8');
  const match = new RegExp(
    `<${name.replaceAll('.', '\\.')}>\\s*([^<\\s]+)\\s*</${name.replaceAll('.', '\\.')}>`,
  ).exec(pom);
  if (match?.[1] === undefined) throw new Error(`${pomFile} has no <${name}> property`);
  return match[1];
}

/**
 * Build `targetDir` once: `build` fills a scratch directory that is renamed into place only
 * when it succeeded, so an interrupted download is never mistaken for a finished one.
 */
export async function installOnce(
  targetDir: string,
  build: (scratchDir: string) => Promise<void>,
): Promise<void> {
  if (existsSync(targetDir)) return;
  const scratchDir = `${targetDir}.partial-${process.pid}`;
  rmSync(scratchDir, { recursive: true, force: true });
  mkdirSync(scratchDir, { recursive: true });
  try {
    await build(scratchDir);
    mkdirSync(dirname(targetDir), { recursive: true });
    renameSync(scratchDir, targetDir);
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

/**
 * Run a maven-dependency-plugin goal of `pomFile` (`copy-dependencies` for a dependency tree,
 * `copy` for the artifactItems it names) with its output in `outputDir`.
 */
export async function fetchWithMaven(
  ctx: StackContext,
  pomFile: string,
  goal: 'copy' | 'copy-dependencies',
  outputDir: string,
  extraArgs: string[] = [],
): Promise<void> {
  const args = [
    '-q',
    '-B',
    '-f',
    pomFile,
    `dependency:${goal}`,
    `-DoutputDirectory=${outputDir}`,
    ...extraArgs,
  ];
  try {
    await ctx.exec('mvn', args, { timeoutMs: 20 * 60_000 });
  } catch (error) {
    if ((error as Error).message.includes('ENOENT')) {
      throw new Error(
        'Maven (mvn) is needed to fetch Java services from Maven Central: apt-get install -y maven',
      );
    }
    throw error;
  }
}

/** Java 17 or newer must be on PATH for Kafka and Apicurio. */
export async function requireJava(ctx: StackContext): Promise<void> {
  try {
    await ctx.exec('java', ['-version'], { timeoutMs: 30_000 });
  } catch {
    throw new Error('Java 17+ is needed (java on PATH): apt-get install -y openjdk-17-jre-headless');
  }
}
