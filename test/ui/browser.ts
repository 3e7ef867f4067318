// What the console's browser tests share: Debian's Chromium driven by playwright-core, a
// signed-in page in a fresh browser context, axe-core run inside the page, the phone check.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';

export const SHOTS = 'test-output/ui';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Debian's Chromium, headless: no sandbox (root), no background networking (the machine's network is closed). */
export const launchBrowser = (): Promise<Browser> => chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

/** The browser, with the screenshot directory made. */
export async function launch(): Promise<Browser> {
  fs.mkdirSync(SHOTS, { recursive: true });
  return launchBrowser();
}

export interface Open { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' }

/** A page in a context of its own (its own sessionStorage), failing on any script error or request elsewhere. */
export async function newPage(browser: Browser, base: string, o: Open = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: o.viewport ?? { width: 1280, height: 900 }, colorScheme: o.colorScheme ?? 'light' });
  page.setDefaultTimeout(8000);
  page.on('pageerror', (e) => { throw e; });
  page.on('request', (r) => { if (!r.url().startsWith(base)) throw new Error(`the console loaded ${r.url()}`); });
  return page;
}

/** Signs in with `key` on a fresh page; `hash` opens that view first (a bookmark). */
export async function signIn(browser: Browser, base: string, key: string, o: Open & { hash?: string } = {}): Promise<Page> {
  const page = await newPage(browser, base, o);
  await page.goto(`${base}/${o.hash ?? ''}`);
  await page.getByLabel('Your API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

/** The live stream is up (the header says Live). */
export const live = (page: Page) => page.locator('#live.is-live').waitFor();

/**
 * Until the confirm dialog's element has left the page. A click closes it at once, and its
 * close event, a task later, removes it and acts on the answer (src/web/core.js
 * confirmDialog); a role locator stops matching the closed dialog before that event.
 */
export const confirmGone = (page: Page) => page.locator('dialog.confirm').waitFor({ state: 'detached' });

/**
 * axe-core inside the page (evaluated through the DevTools protocol, which the page's CSP
 * does not govern, so the page keeps its real policy): no serious or critical violation.
 */
export async function axeClean(page: Page, label: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> = await page.evaluate(async () => {
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n: any) => ({ target: n.target })) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`), [], `axe on ${label}`);
}

/** Nothing wider than the phone: no horizontal scroll. */
export async function fitsWidth(page: Page, label: string, width = 390): Promise<void> {
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scroll <= width, `${label} is ${scroll}px wide on a ${width}px screen`);
}
