// The web console in a real headless Chromium (Debian's, driven by playwright-core)
// against a real server and database: the main flow of each role, with screenshots
// of each main page under test-output/ui/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startApp, type TestApp } from '../helpers.ts';
import { confirmGone, launch, newPage, SHOTS, signIn as open } from './browser.ts';

describe('the web console', () => {
  let app: TestApp;
  let browser: Browser;
  let people: Record<'admin' | 'agent' | 'employee', { id: string; key: string }>;

  before(async () => {
    app = await startApp();
    people = {
      admin: await app.user('ADMIN', 'Ada Admin'),
      agent: await app.user('AGENT', 'Alan Agent'),
      employee: await app.user('EMPLOYEE', 'Emmy Employee'),
    };
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  const signIn = (who: keyof typeof people, viewport = { width: 1280, height: 900 }): Promise<Page> => open(browser, app.url, people[who].key, { viewport });

  test('the page is served with a strict Content-Security-Policy and no inline script', async () => {
    const res = await fetch(app.url + '/');
    const html = await res.text();
    assert.match(res.headers.get('content-security-policy')!, /default-src 'none'; script-src 'self'/);
    assert.doesNotMatch(html, /<script>(?!<\/script>)|\son\w+="|\sstyle="/);
    // Every file of the console, however many modules: small enough to read, and to load on a phone.
    const size = fs.readdirSync('src/web').reduce((n, f) => n + fs.statSync(`src/web/${f}`).size, 0);
    assert.ok(size < 150_000, `the console's files are ${size} bytes`);
  });

  test('/docs renders the OpenAPI document offline, code spans as code, with a way back to the console', async () => {
    const page = await newPage(browser, app.url);
    await page.goto(app.url + '/docs');
    await page.getByRole('link', { name: 'PATCH /requests/{ref}/status' }).waitFor();
    await page.getByRole('heading', { name: /PATCH\s*\/requests\/\{ref\}\/status/ }).waitFor();
    assert.ok(await page.locator('code', { hasText: 'X-API-Key' }).first().isVisible(), 'the `X-API-Key` of a description is a code span');
    assert.equal(await page.locator('.desc').filter({ hasText: '`' }).count(), 0, 'no backtick is left as text');
    await page.screenshot({ path: `${SHOTS}/docs.png` });
    await page.getByRole('link', { name: '← Back to the console' }).click();
    await page.getByLabel('Your API key').waitFor();
    await page.close();
  });

  test('a wrong key is refused with the problem detail', async () => {
    const page = await newPage(browser, app.url);
    await page.goto(app.url + '/');
    await page.getByLabel('Your API key').fill('sfk_not_a_real_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('the API key is not valid').waitFor();
    await page.screenshot({ path: `${SHOTS}/sign-in.png` });
    await page.close();
  });

  let publicId = '';

  test('an employee files a request, comments, finds it by search, and cancels another', async () => {
    const page = await signIn('employee');
    await page.getByText('Emmy Employee').first().waitFor();
    assert.ok(await page.getByText('EMPLOYEE', { exact: true }).isVisible());
    await page.getByRole('link', { name: 'New request' }).click();
    await page.getByLabel('Title').fill('Laptop fan is very loud');
    await page.getByLabel('Description').fill('Since the last update the fan never stops.');
    await page.getByLabel('Priority').selectOption('HIGH');
    await page.getByRole('button', { name: 'File request' }).click();
    await page.getByRole('heading', { name: /REQ-\d+ · Laptop fan is very loud/ }).waitFor();
    publicId = /REQ-\d+/.exec((await page.getByRole('heading', { level: 1 }).textContent())!)![0];
    await page.getByLabel('Add a comment').fill('It is worst in the afternoon.');
    await page.getByRole('button', { name: 'Comment' }).click();
    await page.locator('.comment').getByText('It is worst in the afternoon.').waitFor();
    assert.ok(await page.getByRole('button', { name: 'Cancel request' }).isVisible(), 'an employee may cancel their NEW request');
    assert.equal(await page.getByRole('button', { name: 'Take / start' }).count(), 0, 'but not take it');
    await page.screenshot({ path: `${SHOTS}/employee-request.png`, fullPage: true });

    await page.getByRole('link', { name: 'New request' }).click();
    await page.getByLabel('Title').fill('Wrong printer chosen');
    await page.getByRole('button', { name: 'File request' }).click();
    await page.getByRole('button', { name: 'Cancel request' }).click();
    await page.getByText('is now CANCELED').waitFor();
    await page.getByText('CANCELED', { exact: true }).first().waitFor();

    await page.getByRole('link', { name: 'My requests' }).click();
    await page.getByLabel('Search').fill('fan');
    await page.getByRole('button', { name: 'Apply' }).click();
    // The unfiltered list shows both until the search answers: wait for the one it drops.
    await page.getByRole('link', { name: /Wrong printer chosen/ }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: /Laptop fan is very loud/ }).waitFor();
    await page.screenshot({ path: `${SHOTS}/employee-list.png`, fullPage: true });
    await page.close();
  });

  test('an agent takes the request from the queue, writes an internal note and closes it with a comment', async () => {
    const page = await signIn('agent');
    await page.getByRole('link', { name: 'Queue' }).click();
    await page.getByRole('link', { name: new RegExp(`${publicId} · Laptop fan`) }).click();
    await page.screenshot({ path: `${SHOTS}/agent-queue-request.png`, fullPage: true });
    await page.getByRole('button', { name: 'Take / start' }).click();
    await page.getByText(`${publicId} is now IN PROGRESS`).waitFor();
    await page.getByText('assignee Alan Agent').waitFor();
    await page.getByLabel('Add a comment').fill('Probably the thermal paste.');
    await page.getByLabel('Internal note (agents and admins only)').check();
    await page.getByRole('button', { name: 'Comment' }).click();
    await page.locator('.comment').getByText('Probably the thermal paste.').waitFor();
    await page.getByLabel('Comment with the status change').fill('Replaced the fan; quiet now.');
    await page.getByRole('button', { name: 'Mark done' }).click();
    await page.getByText(`${publicId} is now DONE`).waitFor();
    await page.locator('.comment').getByText('Replaced the fan; quiet now.').waitFor();
    // My work shows open work first; the closed request is one checkbox away.
    await page.getByRole('link', { name: 'My work' }).click();
    await page.getByRole('heading', { name: 'My work' }).waitFor();
    await page.getByText('Nothing here.').waitFor();
    await page.getByRole('checkbox', { name: 'DONE' }).check();
    await page.getByRole('link', { name: new RegExp(publicId) }).waitFor();
    await page.screenshot({ path: `${SHOTS}/agent-my-work.png`, fullPage: true });
    await page.close();
  });

  test('the employee sees the closing comment but never the internal note', async () => {
    const page = await signIn('employee');
    await page.goto(`${app.url}/#/request/${publicId}`);
    await page.locator('.comment').getByText('Replaced the fan; quiet now.').waitFor();
    assert.equal(await page.getByText('Probably the thermal paste.').count(), 0);
    await page.close();
  });

  test('with the live stream cut (a stalled network), a lost race says someone else changed the request and shows it as it is now', async () => {
    const req = await app.call('POST', '/requests', { key: people.employee.key, body: { title: 'Race me' } });
    const page = await newPage(browser, app.url);
    await page.route('**/events/stream', (route) => route.abort());
    await page.goto(app.url + '/');
    await page.getByLabel('Your API key').fill(people.agent.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto(`${app.url}/#/request/${req.body.public_id}`);
    await page.getByRole('button', { name: 'Take / start' }).waitFor();
    // Someone else takes it while the page is open.
    const admin = await app.call('PATCH', `/requests/${req.body.id}/status`, { key: people.admin.key, body: { status: 'IN_PROGRESS', assignee_id: people.admin.id } });
    assert.equal(admin.status, 200);
    await page.getByRole('button', { name: 'Take / start' }).click();
    await page.getByText(/Someone else changed REQ-\d+ meanwhile/).waitFor();
    await page.getByText('assignee Ada Admin').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Take / start' }).count(), 0);
    await page.screenshot({ path: `${SHOTS}/agent-lost-race.png`, fullPage: true });
    await page.close();
  });

  test('an admin creates a user (key shown once), changes a role, deactivates, rotates a key and reads the audit log', async () => {
    const page = await signIn('admin');
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Email').fill('new.hire@example.com');
    await page.getByLabel('Full name').fill('Nina New');
    await page.getByLabel('Role', { exact: true }).first().selectOption('AGENT');
    await page.getByRole('button', { name: 'Create user' }).click();
    const key = (await page.locator('.key').textContent())!;
    assert.match(key, /^sfk_[A-Za-z0-9_-]{43}$/);
    assert.equal((await app.call('GET', '/users/me', { key })).body.full_name, 'Nina New');
    await page.getByRole('button', { name: 'Copy key' }).waitFor();
    // A role change asks first; "Cancel" leaves the role as it was.
    await page.getByLabel('Role of Nina New').selectOption('ADMIN');
    const askRole = page.getByRole('dialog', { name: 'Make Nina New ADMIN?' });
    await askRole.getByRole('button', { name: 'Cancel' }).click();
    await confirmGone(page); // its close event puts the role back
    assert.equal(await page.getByLabel('Role of Nina New').inputValue(), 'AGENT');
    assert.equal((await app.call('GET', '/users/me', { key })).body.role, 'AGENT');
    await page.getByLabel('Role of Nina New').selectOption('EMPLOYEE');
    await page.getByRole('dialog', { name: 'Make Nina New EMPLOYEE?' }).getByRole('button', { name: 'Change role' }).click();
    await page.getByText('Nina New is now EMPLOYEE.').waitFor();
    const row = page.getByRole('row', { name: /Nina New/ });
    await row.getByRole('button', { name: 'Deactivate' }).click();
    const ask = page.getByRole('dialog', { name: 'Deactivate Nina New?' });
    await page.screenshot({ path: `${SHOTS}/admin-confirm.png` });
    await ask.getByRole('button', { name: 'Deactivate' }).click();
    await page.getByText('Nina New is deactivated.').waitFor();
    assert.equal((await app.call('GET', '/users/me', { key })).status, 401);
    await page.getByRole('row', { name: /Emmy Employee/ }).getByRole('button', { name: 'Rotate key' }).click();
    await page.getByRole('dialog', { name: 'Rotate the key of Emmy Employee?' }).getByRole('button', { name: 'Rotate key' }).click();
    await page.getByText('The API key of Emmy Employee, shown this once:').waitFor();
    assert.equal((await app.call('GET', '/users/me', { key: people.employee.key })).status, 401, 'the old key stopped working');
    await page.screenshot({ path: `${SHOTS}/admin-users.png`, fullPage: true });

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action').fill('user.api_key_rotated');
    await page.getByRole('button', { name: 'Apply' }).click();
    // The unfiltered log shows both until the filter answers: wait for what it drops.
    await page.getByRole('cell', { name: /request\.created/ }).first().waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'user.api_key_rotated (user)' }).first().waitFor();
    await page.screenshot({ path: `${SHOTS}/admin-audit.png`, fullPage: true });
    await page.close();
  });

  test('on a phone-sized screen the console is usable and keyboard focus is visible', async () => {
    const page = await signIn('agent', { width: 390, height: 844 });
    await page.getByRole('link', { name: 'All requests' }).click();
    // The form is drawn before the list's rows arrive: measure the page with its rows.
    await page.locator('table.requests tbody tr').first().waitFor();
    await page.getByLabel('Search').focus();
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'SELECT');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    assert.notEqual(outline, 'none');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone`);
    await page.screenshot({ path: `${SHOTS}/agent-queue-phone.png`, fullPage: true });
    await page.close();
  });
});
