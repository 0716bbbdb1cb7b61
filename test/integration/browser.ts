// A real Chromium for the browser tests: Debian's package (infra/stack/chromium.ts installs it)
// driven by playwright-core, which downloads nothing. `watchPage` records what a user would call
// broken — a console error, an uncaught exception, a dialog (an injected `alert(1)` would open one),
// a failed same-origin request — and `assertClean` fails the test naming each.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { chromiumPath } from '../../infra/stack/chromium.ts';

export async function openBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(`chromium is missing (${executablePath}): run scripts/primoart browser install`);
  }
  return chromium.launch({
    executablePath,
    // Root in a container has no user namespaces for the sandbox; a small /dev/shm crashes tabs.
    // The rest keeps the browser off the network: nothing but the console under test is fetched.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

export interface PageWatch {
  problems: string[];
  /** Fails naming every problem seen since the last call (or the start), then forgets them. */
  assertClean(options?: { allowStatus?: number[] }): void;
}

export function watchPage(page: Page, origin: string): PageWatch {
  const problems: string[] = [];
  const failedResponses: Array<{ status: number; url: string }> = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog (${dialog.type()}): ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('requestfailed', (request) => {
    if (request.url().startsWith(origin)) problems.push(`request failed: ${request.url()}`);
  });
  page.on('response', (response) => {
    if (response.url().startsWith(origin) && response.status() >= 400)
      failedResponses.push({ status: response.status(), url: response.url() });
  });
  return {
    problems,
    assertClean(options = {}) {
      const allowed = new Set(options.allowStatus ?? []);
      const found = [
        ...problems,
        ...failedResponses.filter((r) => !allowed.has(r.status)).map((r) => `HTTP ${r.status}: ${r.url}`),
      ];
      problems.length = 0;
      failedResponses.length = 0;
      // A refused page logs its status as a console error too; an allowed status allows that line.
      const unexplained = found.filter(
        (line) =>
          !(
            line.startsWith('console error: Failed to load resource') &&
            [...allowed].some((s) => line.includes(`${s}`))
          ),
      );
      if (unexplained.length > 0) throw new Error(`the page was not clean:\n  ${unexplained.join('\n  ')}`);
    },
  };
}

/**
 * A PNG of the page (the whole page, or with `fullPage: false` the window) in
 * `$PRIMOART_SCREENSHOT_DIR` (the docs' screenshots come from a run with it set); nothing without it.
 */
export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<void> {
  const dir = process.env.PRIMOART_SCREENSHOT_DIR;
  if (dir === undefined || dir === '') return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: options.fullPage ?? true });
}
