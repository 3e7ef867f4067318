// The console's SLA pieces (src/web/sla.js) in a real headless Chromium against a real
// server and database: the admin edits the policy, every request shows its due time and a
// badge (on track, warning, breached) in lists and on its page, agents work the "Due soon"
// queue by due time, and it all fits a 390 px phone. Screenshots under test-output/ui/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser.ts';
import { startApp, type TestApp } from '../helpers.ts';
import { backdate } from '../sla-time.ts';

const SHOTS = 'test-output/ui';

describe('the console\'s SLA', () => {
  let app: TestApp;
  let browser: Browser;
  let people: Record<'admin' | 'agent' | 'employee', { id: string; key: string }>;

  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    app = await startApp();
    people = {
      admin: await app.user('ADMIN', 'Ada Admin'),
      agent: await app.user('AGENT', 'Alan Agent'),
      employee: await app.user('EMPLOYEE', 'Emmy Employee'),
    };
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  async function signIn(who: keyof typeof people, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    page.setDefaultTimeout(8000);
    const elsewhere: string[] = [];
    page.on('request', (r) => { if (!r.url().startsWith(app.url)) elsewhere.push(r.url()); });
    page.on('pageerror', (e) => { throw e; });
    await page.goto(app.url + '/');
    await page.getByLabel('Your API key').fill(people[who].key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    assert.deepEqual(elsewhere, [], 'the console loads nothing from elsewhere');
    return page;
  }

  const noOverflow = async (page: Page) => {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the screen`);
  };

  test('sla.js is served like app.js: a module under the same strict Content-Security-Policy', async () => {
    const res = await fetch(app.url + '/ui/sla.js');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/javascript/);
    assert.match(res.headers.get('content-security-policy')!, /default-src 'none'; script-src 'self'/);
    assert.ok(fs.statSync('src/web/sla.js').size < 12_000);
  });

  test('an admin edits the policy: a wrong range is refused with the reason, a good policy is saved as the server normalised it', async () => {
    const page = await signIn('admin');
    await page.getByRole('link', { name: 'SLA policy' }).click();
    await page.getByRole('heading', { name: 'SLA policy' }).waitFor();
    assert.equal(await page.getByLabel('Time zone').inputValue(), 'UTC');
    assert.equal(await page.getByLabel('Monday hours').inputValue(), '00:00-24:00');
    await page.getByLabel('Monday hours').fill('09:00-25:00');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('alert').getByText(/business_hours\.mon\.0\.1 must be a time/).waitFor();
    await page.getByLabel('Time zone').fill('Europe/Berlin');
    await page.getByLabel('Monday hours').fill('13:00-17:00, 08:00-12:00');
    await page.getByLabel('Saturday hours').fill('');
    await page.getByLabel('Holidays').fill('2026-12-26\n2026-12-25');
    await page.getByLabel('URGENT first response minutes').fill('30');
    await page.getByLabel('URGENT resolution minutes').fill('240');
    await page.getByLabel('Warning at (% of the business time)').fill('75');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Saved. The policy applies to requests filed from now on').waitFor();
    assert.equal(await page.getByLabel('Monday hours').inputValue(), '08:00-12:00, 13:00-17:00', 'as the server sorted it');
    assert.equal(await page.getByLabel('Holidays').inputValue(), '2026-12-25\n2026-12-26');
    const policy = (await app.call('GET', '/sla-policy', { key: people.agent.key })).body;
    assert.equal(policy.timezone, 'Europe/Berlin');
    assert.deepEqual(policy.business_hours.sat, []);
    assert.deepEqual(policy.targets.URGENT, { first_response_minutes: 30, resolution_minutes: 240 });
    assert.equal(policy.targets.HIGH, null);
    assert.equal(policy.warning_percent, 75);
    await page.screenshot({ path: `${SHOTS}/sla-policy.png`, fullPage: true });
    await page.close();
    // "Sign out" is drawn a task before the navigation: wait for the agent's links first.
    const agent = await signIn('agent');
    await agent.getByRole('link', { name: 'Due soon' }).waitFor();
    assert.equal(await agent.getByRole('link', { name: 'SLA policy' }).count(), 0, 'only admins see the policy page');
    await agent.close();
  });

  test('every request shows its due time and a badge in the lists and on its page; agents work the due-soon queue by due time', async () => {
    const put = await app.call('PUT', '/sla-policy', { key: people.admin.key, body: {
      timezone: 'UTC', business_hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]])),
      targets: { URGENT: { first_response_minutes: 10, resolution_minutes: 60 }, HIGH: { first_response_minutes: 30, resolution_minutes: 240 } },
      warning_percent: 50,
    } });
    assert.equal(put.status, 200);
    const file = async (title: string, priority: string) =>
      (await app.call('POST', '/requests', { key: people.employee.key, body: { title, priority } })).body;
    const calm = await file('Calm printer', 'HIGH');
    const warm = await file('Warm server room', 'URGENT');
    const late = await file('Late payroll export', 'URGENT');
    const none = await file('No SLA for this', 'LOW');
    await backdate(app.db, warm.id, 6);   // first response: 6 of 10 minutes, past the warning at 50 %
    await backdate(app.db, late.id, 12);  // past its due time

    const page = await signIn('agent');
    await page.getByRole('link', { name: 'Due soon' }).click();
    await page.getByRole('heading', { name: 'Due soon' }).waitFor();
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    const order = await rows.locator('td:first-child').allTextContents();
    assert.deepEqual(order.slice(0, 4), [late, warm, calm, none].map((r) => `${r.public_id} · ${r.title}`), 'the earliest due time first; no SLA last');
    const cell = (r: { public_id: string }) => page.getByRole('row', { name: new RegExp(r.public_id) });
    await cell(late).getByText('Breached', { exact: true }).waitFor();
    await cell(warm).getByText('Warning', { exact: true }).waitFor();
    await cell(calm).getByText('On track', { exact: true }).waitFor();
    await cell(calm).getByText(/First response due /).waitFor();
    assert.equal(await cell(none).locator('.sla').count(), 0, 'no badge without an SLA');
    await page.screenshot({ path: `${SHOTS}/sla-due-soon.png`, fullPage: true });
    await page.getByLabel('SLA state').selectOption('breached');
    await page.getByRole('button', { name: 'Apply' }).click();
    await cell(calm).waitFor({ state: 'detached' });
    assert.deepEqual(await rows.locator('td:first-child').allTextContents(), [`${late.public_id} · ${late.title}`]);

    await page.getByRole('link', { name: 'All requests' }).click();
    await cell(warm).getByText('Warning', { exact: true }).waitFor();
    await cell(warm).getByRole('link').click();
    const panel = page.getByRole('group', { name: 'SLA' });
    await panel.getByText('First response').waitFor();
    await panel.getByText('Warning', { exact: true }).waitFor();
    await panel.getByText('On track', { exact: true }).waitFor();
    await page.getByLabel('Add a comment').fill('Fans are being replaced.');
    await page.getByRole('button', { name: 'Comment' }).click();
    await page.locator('.comment').getByText('Fans are being replaced.').waitFor();
    await page.reload();
    await panel.getByText('Met', { exact: true }).waitFor();
    await panel.getByText(/· met /).waitFor();
    await page.screenshot({ path: `${SHOTS}/sla-request.png`, fullPage: true });
    await page.close();

    const mine = await signIn('employee');
    await mine.getByRole('link', { name: 'My requests' }).click();
    await mine.getByRole('row', { name: new RegExp(late.public_id) }).getByText('Breached', { exact: true }).waitFor();
    assert.equal(await mine.getByRole('link', { name: 'Due soon' }).count(), 0, 'employees have no due-soon queue');
    await mine.close();
  });

  test('on a 390 px phone the due-soon queue and the policy page fit the screen', async () => {
    const page = await signIn('admin', { width: 390, height: 844 });
    await page.getByRole('link', { name: 'Due soon' }).click();
    await page.locator('tbody tr').first().waitFor();
    assert.ok(await page.locator('.sla').first().isVisible(), 'the badge stays on a phone');
    await noOverflow(page);
    await page.screenshot({ path: `${SHOTS}/sla-due-soon-phone.png`, fullPage: true });
    await page.getByRole('link', { name: 'SLA policy' }).click();
    await page.getByRole('button', { name: 'Save policy' }).waitFor();
    await noOverflow(page);
    await page.getByLabel('URGENT first response minutes').focus();
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle), 'none', 'focus is visible');
    await page.screenshot({ path: `${SHOTS}/sla-policy-phone.png`, fullPage: true });
    await page.close();
  });
});
