// Debian's chromium, which the browser tests drive (playwright-core, pointed at the system binary:
// no browser download at test time, and the same package an operator's machine would carry). The
// console itself needs no browser; `primoart test` installs it when a browser test is to run, and
// `primoart browser install` does it on its own.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { execToCompletion } from './exec.ts';
import { isRoot } from './system-user.ts';

/** Where Debian's package puts the binary; `PRIMOART_CHROMIUM` points elsewhere. */
export const chromiumPath = (): string => process.env.PRIMOART_CHROMIUM ?? '/usr/bin/chromium';

/**
 * chromium, and a font with wide coverage (screenshots of pages with non-Latin names would show
 * boxes without one; the package recommends fonts, which `--no-install-recommends` leaves out).
 */
const packages = ['chromium', 'fonts-dejavu-core'];
const installCommand = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;

export async function ensureChromium(progress: (line: string) => void): Promise<string> {
  const binary = chromiumPath();
  if (existsSync(binary)) return binary;
  if (!isRoot() || process.env.PRIMOART_CHROMIUM !== undefined) {
    throw new Error(`chromium is not installed (${binary}); as root: ${installCommand}`);
  }
  progress("chromium: installing Debian's chromium with apt-get (once, for the browser tests)");
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  // Another apt-get (an unattended upgrade on a fresh machine) may hold the lock: wait for it.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  await execToCompletion('apt-get', [...lock, 'update'], { env, timeoutMs: 15 * 60_000 });
  await execToCompletion('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...packages], {
    env,
    timeoutMs: 20 * 60_000,
  });
  if (!existsSync(binary)) throw new Error(`apt-get installed chromium, but ${binary} is missing`);
  progress(`chromium: installed (${binary})`);
  return binary;
}

export async function browserInstallCommand(args: string[]): Promise<number> {
  parseArgs({ args, options: {}, allowPositionals: false });
  const binary = await ensureChromium((line) => process.stderr.write(`primoart: ${line}\n`));
  const version = await execToCompletion(binary, ['--version']).catch(() => 'unknown version');
  process.stdout.write(`${binary}: ${version.trim()}\n`);
  return 0;
}
