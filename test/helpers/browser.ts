/**
 * A headless Chromium for the Web UI test, driven by playwright-core (which downloads no browser): Debian's
 * `chromium` package (`.ci/run` installs it with apt-get when absent), or the browser `CHROMIUM_PATH` names. Without a
 * browser the test fails, saying why: it never skips.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** Where Debian (and Ubuntu, and Google's packages) put a Chromium-based browser. */
const KNOWN_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable'];

/** Screenshots are test artifacts (gitignored); the README's copies live in docs/images/. */
export const SCREENSHOT_DIR = path.join(__dirname, '..', '..', 'test-results', 'screenshots');

/** The viewport: what a person sees of a page without scrolling, the "first screen". */
export const VIEWPORT = { width: 1440, height: 900 };

/** The Chromium executable: `$CHROMIUM_PATH`, else the first of {@link KNOWN_PATHS} that exists. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHROMIUM_PATH) {
    if (fs.existsSync(env.CHROMIUM_PATH)) return env.CHROMIUM_PATH;
    throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist`);
  }
  const found = KNOWN_PATHS.find((candidate) => fs.existsSync(candidate));
  if (found) return found;
  throw new Error(
    `no Chromium for the Web UI test (looked for ${KNOWN_PATHS.join(', ')}): install Debian's chromium ` +
      '(apt-get install chromium, as .ci/run does) or set CHROMIUM_PATH',
  );
}

/** Launches headless Chromium; throws, naming the executable and the cause, when it cannot start. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = findChromium();
  try {
    // Containers often have a small /dev/shm, where Chromium's renderers crash.
    return await chromium.launch({
      executablePath,
      headless: true,
      args: ['--disable-dev-shm-usage'],
      timeout: 60_000,
    });
  } catch (err) {
    throw new Error(`Chromium (${executablePath}) did not start: ${(err as Error).message}`, { cause: err });
  }
}

/** Saves what the page shows in the viewport as `test-results/screenshots/<name>.png`; returns the file. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Whether the element is visible inside the viewport (the first screen), without scrolling. */
export async function onFirstScreen(locator: Locator): Promise<boolean> {
  if (!(await locator.isVisible())) return false;
  const box = await locator.boundingBox();
  const viewport = locator.page().viewportSize() ?? VIEWPORT;
  return box !== null && box.y >= 0 && box.x >= 0 && box.y + box.height <= viewport.height && box.x < viewport.width;
}

/** Web UI addresses, for the dev server's UI at `uiUrl` and one namespace. */
export function webUi(uiUrl: string, namespace = 'default') {
  const base = `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows`;
  return {
    /** A workflow run's page; without `tab` the UI opens the Timeline. */
    workflow: (workflowId: string, runId: string, tab?: 'history' | 'timeline' | 'user-metadata' | 'relationships') =>
      `${base}/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}${tab ? `/${tab}` : ''}`,
    /** The workflow list, filtered by a visibility query. */
    list: (query: string) => `${base}?query=${encodeURIComponent(query)}`,
  };
}
