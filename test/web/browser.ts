/**
 * Browser helpers for the page tests: Debian's chromium driven by
 * playwright-core (no browser download), axe-core run in the page (zero
 * violations of impact serious or critical), screenshots.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import * as assert from 'uvu/assert';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-dev-shm-usage', '--lang=it-IT'],
  });
}

/**
 * A browser context whose pages get axe-core as an init script (injected by
 * the browser itself, so the application's Content-Security-Policy stays on
 * and is exercised by the tests).
 */
export async function newContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 }, locale: 'it-IT', timezoneId: 'Europe/Rome' });
  await context.addInitScript({ content: AXE_SOURCE });
  return context;
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** Runs axe-core on the page as it is now; fails on any serious or critical violation. */
export async function assertAccessible(page: Page, label: string): Promise<void> {
  assert.ok(await page.evaluate(() => 'axe' in window), 'axe-core is loaded (use newContext)');
  const violations = (await page.evaluate(async () => {
    const w = window as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<{ violations: AxeViolation[] }> } };
    const r = await w.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target })) }));
  })) as AxeViolation[];
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.equal(bad, [], `${label}: axe-core violations ${JSON.stringify(bad, null, 1)}`);
}

/** Clicks what submits a form and waits for the page it leads to. */
export async function submit(p: Page, target: string | ReturnType<Page['locator']>): Promise<void> {
  const locator = typeof target === 'string' ? p.locator(target) : target;
  await Promise.all([p.waitForNavigation(), locator.click()]);
}

/** Signs in through the sign-in page (the harness gives test users the password `password123`). */
export async function signIn(p: Page, username: string, password = 'password123'): Promise<void> {
  await p.goto('/accesso');
  await p.fill('input[name="username"]', username);
  await p.fill('input[name="password"]', password);
  await submit(p, 'main button[type="submit"]');
}

const SCREENSHOTS_DIR = process.env.SCREENSHOTS_DIR ?? 'docs/screenshots';

/**
 * Saves a screenshot into docs/screenshots only when UPDATE_SCREENSHOTS=1:
 * the pictures are documentation, so an ordinary test run neither rewrites
 * tracked files nor fails on a slow screenshot.
 */
export async function saveScreenshot(p: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  await p.screenshot({ path: `${SCREENSHOTS_DIR}/${name}`, fullPage: options.fullPage ?? false });
}
