// The dashboard in a real headless Chromium against a real server and the seeded demo
// data: the figures and charts render, each chart has its table, the CSV downloads with
// the list's filters, and the page works at 390 px.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser.ts';
import { seed } from '../../src/seed.ts';
import { startApp, type TestApp } from '../helpers.ts';

const SHOTS = 'test-output/ui';

describe('the dashboard', () => {
  let app: TestApp;
  let browser: Browser;
  let keys: Record<string, string>;

  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    app = await startApp();
    const users = await seed(app.db);
    keys = Object.fromEntries(users.map((u) => [u.email, u.api_key]));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  async function signIn(email: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await browser.newPage({ viewport, acceptDownloads: true });
    page.setDefaultTimeout(8000);
    page.on('pageerror', (e) => { throw e; });
    await page.goto(app.url + '/');
    await page.getByLabel('Your API key').fill(keys[email]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    return page;
  }

  test('an admin sees the figures and charts of the seeded data, each with its table of numbers', async () => {
    const page = await signIn('admin@example.com');
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('img', { name: /Created and resolved per day/ }).waitFor();
    const created = await page.locator('.figure', { hasText: 'created' }).first().locator('strong').textContent();
    assert.equal(created, '8', 'the eight seeded requests');
    for (const title of ['Created and resolved per day', 'By team', 'Created by priority', 'Agent workload']) {
      await page.getByRole('img', { name: new RegExp(title) }).waitFor();
    }
    const section = page.locator('section', { has: page.getByRole('heading', { name: 'By team' }) });
    await section.getByRole('button', { name: 'Show the numbers' }).click();
    const rows = await section.locator('tbody tr th').allTextContents();
    assert.deepEqual(rows.sort(), ['Facilities', 'General pool', 'HR', 'IT']);
    await page.screenshot({ path: `${SHOTS}/dashboard.png`, fullPage: true });
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV' }).click();
    const file = await download;
    const text = fs.readFileSync((await file.path())!, 'utf8');
    assert.equal(text.trim().split('\r\n').length, 9, 'a header and the eight requests');
    await page.close();
  });

  test("the IT agent's dashboard leaves out the HR cases; an employee has no dashboard", async () => {
    const page = await signIn('agent@example.com');
    await page.goto(app.url + '/#/reports');
    const section = page.locator('section', { has: page.getByRole('heading', { name: 'By team' }) });
    await section.getByRole('button', { name: 'Show the numbers' }).click();
    const teams = await section.locator('tbody tr th').allTextContents();
    assert.ok(!teams.includes('HR'), `the IT agent's report shows ${teams}`);
    await page.close();
    const emp = await signIn('employee@example.com');
    // "Sign out" is drawn a task before the navigation: wait for it before reading what it lacks.
    await emp.getByRole('link', { name: 'My requests' }).waitFor();
    assert.equal(await emp.getByRole('link', { name: 'Dashboard' }).count(), 0);
    await emp.close();
  });

  test('the list view downloads the CSV of its filters', async () => {
    const page = await signIn('employee@example.com');
    await page.getByRole('heading', { name: 'My requests' }).waitFor();
    await page.getByRole('checkbox', { name: 'NEW' }).check();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV' }).click();
    const text = fs.readFileSync((await (await download).path())!, 'utf8');
    const statuses = text.trim().split('\r\n').slice(1).map((line) => line.split(',')[3]);
    assert.ok(statuses.length > 0 && statuses.every((s) => s === 'NEW'), `statuses ${statuses}`);
    await page.close();
  });

  test('at 390 px the dashboard has no horizontal scroll and the charts fit', async () => {
    const page = await signIn('admin@example.com', { width: 390, height: 844 });
    await page.goto(app.url + '/#/reports');
    await page.getByRole('img', { name: /Agent workload/ }).waitFor();
    const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll <= width, `scrollWidth ${scroll} > ${width}`);
    await page.screenshot({ path: `${SHOTS}/dashboard-390.png`, fullPage: true });
    await page.close();
  });
});

